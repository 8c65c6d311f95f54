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
