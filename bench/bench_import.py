"""``import_leads`` of a large CSV with answers: every row filed and classified.

Writes a CSV of ``--rows`` new people (French and English, answers varied at random, a
third with an express marketing consent), then, in one run on a throwaway database:

1. the baseline: reading and checking every row of the file, in process, with no
   database write (decoding, the csv module, ``RowReader``: the floor of any import);
2. ``python manage.py import_leads FILE`` in a child process (its wall time and peak
   memory, the child's maximum resident set size);
3. the same command again (everything known: nothing created), and a dry run.

Targets (issue 14): 100,000 rows under 2 minutes, peak memory under 500 MB.

    /work/main/.venv/bin/python -m bench.bench_import [--rows 100000]
        [--database-url postgres://...]   (default: a SQLite file in a temporary folder)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS, TARGET_MB = 120, 500


def write_csv(path: Path, rows: int, seed: int = 14) -> None:
    """A file as a practice's spreadsheet would hold it: French headers, ``;`` delimiter."""
    import json

    questionnaire = json.loads((ROOT / "qualification/questionnaires/v1.json").read_text())
    questions = [q for q in questionnaire["questions"] if q["choices"]]
    rng = random.Random(seed)
    headers = [
        "Courriel", "Prénom", "Nom", "Entreprise", "Langue", "Consentement marketing",
        "Fondement", "Date du consentement", "utm_campaign",
    ] + [q["key"] for q in questions]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        for n in range(rows):
            consent = n % 3 == 0
            row = [
                f"personne{n}@exemple-{n % 97}.ca", f"Prénom{n}", f"Nom{n}", f"Entreprise {n}",
                "fr" if n % 4 else "en", "oui" if consent else "",
                "express" if consent else "", "2026-01-15" if consent else "", "salon-2026",
            ]  # fmt: skip
            for q in questions:
                keys = [c["key"] for c in q["choices"]]
                if q["kind"] == "multiple":
                    row.append("; ".join(rng.sample(keys, rng.randint(1, q["max_choices"]))))
                else:
                    row.append(rng.choice(keys))
            writer.writerow(row)


def baseline(path: Path) -> float:
    """Seconds to read and check every row without writing (the import's own parsing)."""
    from qualification.importing import mapping
    from qualification.importing.reading import data_records, open_csv
    from qualification.importing.rows import RowReader
    from qualification.selectors import questionnaire_current

    started = time.perf_counter()
    csv_text = open_csv(path.read_bytes())
    questionnaire = questionnaire_current()
    reader = RowReader(
        mapping=mapping.guess(csv_text.headers, questionnaire),
        headers=csv_text.headers,
        questionnaire=questionnaire,
        max_cell_chars=5000,
    )
    bad = 0
    for line, cells, _problem in data_records(csv_text):
        row, errors = reader.read(line, cells)
        bad += row is None
    assert bad == 0, f"{bad} rows refused by the baseline"
    return time.perf_counter() - started


def command(path: Path, *extra: str) -> tuple[float, float, str]:
    """``import_leads`` in a child process: (seconds, peak MB of that child, its output)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "import_leads", str(path), "--no-progress", *extra],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024, done.stdout.strip()


class Rollback(Exception):
    pass


def orm_people_import(people, now) -> None:
    """What ``crm.services.people_import`` writes, with the ORM's ``bulk_create``."""
    from crm.models import Company, Consent, Contact, Lead, LeadEvent

    companies = Company.objects.bulk_create(
        Company(name=p.company_name, website=p.company_website, created_at=now) for p in people
    )
    contacts = Contact.objects.bulk_create(
        Contact(email=p.email, first_name=p.first_name, last_name=p.last_name,
                language=p.language, company=c, created_at=now)
        for p, c in zip(people, companies, strict=True)
    )  # fmt: skip
    leads = Lead.objects.bulk_create(
        Lead(contact=c, company_id=c.company_id, language=p.language, source="import",
             utm_campaign=p.utm.get("utm_campaign", ""), answers=dict(p.answers),
             answers_display=list(p.answers_display), created_at=now)
        for p, c in zip(people, contacts, strict=True)
    )  # fmt: skip
    LeadEvent.objects.bulk_create(LeadEvent(lead=lead, kind="created") for lead in leads)
    Consent.objects.bulk_create(
        Consent(contact=c, lead=lead, purpose=purpose, granted=g["granted"],
                wording_version=g["wording_version"], wording=g["wording"],
                language=p.language, confirmed_at=g["given_at"], created_at=g["given_at"])
        for p, c, lead in zip(people, contacts, leads, strict=True)
        for purpose, g in p.consents.items()
    )  # fmt: skip


def compare_writes(path: Path, people_count: int = 5_000) -> dict[str, float]:
    """Seconds to write the first people of the file, through ``crm.fast_sql``
    (``people_import``) and through the ORM's ``bulk_create``, each in a transaction
    rolled back, in batches of 1,000: the same-run figure that keeps the plain SQL."""
    from django.db import transaction
    from django.utils import timezone

    from crm import services as crm_services
    from qualification.importing import mapping
    from qualification.importing.reading import data_records, open_csv
    from qualification.importing.rows import RowReader
    from qualification.selectors import questionnaire_current
    from qualification.services.import_batches import _display

    csv_text = open_csv(path.read_bytes())
    questionnaire = questionnaire_current()
    reader = RowReader(
        mapping=mapping.guess(csv_text.headers, questionnaire), headers=csv_text.headers,
        questionnaire=questionnaire, max_cell_chars=5000,
    )  # fmt: skip
    people = []
    for line, cells, _problem in data_records(csv_text):
        row, _errors = reader.read(line, cells)
        people.append(
            crm_services.ImportedPerson(
                email=row.email, first_name=row.contact["first_name"],
                last_name=row.contact["last_name"], company_name=row.company["name"],
                language=row.language, utm={"utm_campaign": row.source["utm_campaign"]},
                answers=row.answers, answers_display=_display(row.answers, questionnaire),
                consents=row.consents,
            )
        )  # fmt: skip
        if len(people) >= people_count:
            break
    now = timezone.now()
    ways = {
        "plain SQL": lambda batch: crm_services.people_import(people=batch, at=now),
        "ORM": lambda batch: orm_people_import(batch, now),
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _round in range(3):
        for name, write in ways.items():
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    for start in range(0, len(people), 1000):
                        write(people[start : start + 1000])
                    times[name].append(time.perf_counter() - started)
                    raise Rollback
            except Rollback:
                pass
    return {name: sorted(values)[1] for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "0"
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from crm.models import Lead
    from qualification.models import Submission

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    path = workdir / "leads.csv"
    write_csv(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    print(
        f"import_leads: {connection.vendor}, {args.rows:,} new rows with complete answers "
        f"({size_mb:.1f} MB, ';', UTF-8)",
        flush=True,
    )
    writes = compare_writes(path)
    sql, orm = writes["plain SQL"], writes["ORM"]
    print(f"  writing 5,000 new people (company, contact, lead, history, consents), median "
          f"of 3: crm.fast_sql {5000 / sql:,.0f}/s, ORM bulk_create {5000 / orm:,.0f}/s "
          f"(plain SQL takes {sql / orm:.2f} of the ORM's time)", flush=True)  # fmt: skip
    floor = baseline(path)
    print(f"  baseline, read and check every row (no writes): {floor:6.1f} s "
          f"({args.rows / floor:,.0f} rows/s)", flush=True)  # fmt: skip
    connection.close()
    seconds, peak, output = command(path, "--source", "bench")
    classified = Lead.objects.exclude(recommendation="").count()
    filed = Submission.objects.filter(channel="import", status="classified").count()
    print(f"  import_leads, filed and classified:            {seconds:6.1f} s "
          f"({args.rows / seconds:,.0f} rows/s, {seconds / floor:.1f}x the baseline), "
          f"peak memory {peak:,.0f} MB", flush=True)  # fmt: skip
    print(f"    {output.splitlines()[1].strip()}; leads classified in the database: "
          f"{classified:,}, import submissions classified: {filed:,}", flush=True)  # fmt: skip
    seconds2, _peak, output2 = command(path)
    print(f"  the same file again (all known, nothing created): {seconds2:6.1f} s; "
          f"{output2.splitlines()[1].strip()}", flush=True)  # fmt: skip
    seconds3, _peak, _output = command(path, "--dry-run")
    print(f"  a dry run of it:                                {seconds3:6.1f} s", flush=True)
    met = seconds < TARGET_SECONDS and peak < TARGET_MB
    print(f"  target: under {TARGET_SECONDS} s and {TARGET_MB} MB -> "
          f"{'met' if met else 'NOT met'}", flush=True)  # fmt: skip
    print(f"  (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)", flush=True)


if __name__ == "__main__":
    main()
