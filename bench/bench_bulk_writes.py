"""Does ``crm.fast_sql`` pay? Bulk re-scoring writes, plain SQL against the ORM, same run.

Fills a throwaway database with leads that each have a submission, scores them once,
then writes the results the two ways, batch by batch as ``reclassify`` does (1,000 a
batch): the lead rows and their history lines (``crm.services.leads_bulk_record_qualification``
against ``bulk_update`` + ``bulk_create``) and the classifications
(``qualification.services.reclassification._classifications_insert`` against
``bulk_create(ignore_conflicts=True)``). Each way runs inside a transaction that is rolled
back, in alternating rounds, so both start from the same rows; the median of the rounds
is printed with the ratio.

    /work/main/.venv/bin/python -m bench.bench_bulk_writes [--leads 20000] [--rounds 3]
        [--database-url postgres://...]   (default: a SQLite file in a temporary folder)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

BATCH = 1_000


class Rollback(Exception):
    pass


def orm_leads_bulk_record(results, note: str) -> None:
    """What ``leads_bulk_record_qualification`` does, written with the ORM's bulk methods."""
    from django.utils import timezone

    from crm.models import Lead, LeadEvent
    from crm.services.qualification import QUALIFICATION_FIELDS, _lead_values

    previous = {
        row[0]: row[1:]
        for row in Lead.objects.filter(pk__in=[i for i, _r in results]).values_list(
            "pk", "recommendation", "alternative", "needs_review", "fit_grade"
        )
    }
    now = timezone.now()
    changed, same, events = [], [], []
    for lead_id, r in results:
        lead = Lead(pk=lead_id, classification=r.as_dict(), classified_at=now, updated_at=now)
        for name, value in _lead_values(r).items():
            setattr(lead, name, value)
        before = previous[lead_id]
        if before != (r.recommendation, r.alternative or "", r.needs_review, r.fit_grade):
            lead.reviewed_by, lead.reviewed_at = None, None
            changed.append(lead)
            events.append(
                LeadEvent(
                    lead_id=lead_id, kind=LeadEvent.Kind.CLASSIFIED, from_value=before[0],
                    to_value=r.recommendation, note=note,
                )
            )  # fmt: skip
        else:
            same.append(lead)
    fields = [*QUALIFICATION_FIELDS, "updated_at"]
    Lead.objects.bulk_update(changed, [*fields, "reviewed_by", "reviewed_at"])
    Lead.objects.bulk_update(same, fields)
    LeadEvent.objects.bulk_create(events)


def orm_classifications_insert(new, *, ruleset_id: int, now) -> None:
    from qualification.models import Classification

    Classification.objects.bulk_create(
        [
            Classification(
                created_at=now, updated_at=now, submission_id=submission_id,
                ruleset_id=ruleset_id, recommendation=o.recommendation,
                alternative=o.alternative or "", confidence=o.confidence,
                needs_review=o.needs_review, fit_score=o.fit_score, fit_grade=o.fit_grade,
                explanation=o.explanation,
            )
            for submission_id, o in new
        ],
        ignore_conflicts=True,
    )  # fmt: skip


def timed(write, batches) -> float:
    """Seconds to write every batch, in one transaction rolled back afterwards."""
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            for batch in batches:
                with transaction.atomic():
                    write(batch)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-bulk-"))
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "0"
    try:
        run(args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.bench_qualification import fill_leads
    from crm import services as crm_services
    from qualification.models import Ruleset, Submission
    from qualification.results import qualification_result
    from qualification.selectors import ruleset_compiled
    from qualification.services.reclassification import _classifications_insert

    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    print(
        f"Bulk writes, plain SQL (crm.fast_sql) against the ORM: {connection.vendor}, "
        f"{args.leads:,} leads in batches of {BATCH:,}, median of {args.rounds} rounds",
        flush=True,
    )
    fill_leads(args.leads, seed=7, status="classified", prefix="bulk")
    ruleset = Ruleset.objects.get(version=1)
    compiled = ruleset_compiled(ruleset)
    rows = list(Submission.objects.values_list("pk", "lead_id", "language", "answers"))
    random.Random(3).shuffle(rows)
    outcomes = [
        (pk, lead_id, compiled.score(answers, language)) for pk, lead_id, language, answers in rows
    ]
    now = timezone.now()
    lead_batches, classification_batches = [], []
    for start in range(0, len(outcomes), BATCH):
        chunk = outcomes[start : start + BATCH]
        lead_batches.append([(lead_id, qualification_result(o)) for _pk, lead_id, o in chunk])
        classification_batches.append([(pk, o) for pk, _lead, o in chunk])

    ways = {
        "leads": {
            "plain SQL": lambda b: crm_services.leads_bulk_record_qualification(
                results=b, note="bench"
            ),
            "ORM": lambda b: orm_leads_bulk_record(b, "bench"),
        },
        "classifications": {
            "plain SQL": lambda b: _classifications_insert(b, ruleset_id=ruleset.pk, now=now),
            "ORM": lambda b: orm_classifications_insert(b, ruleset_id=ruleset.pk, now=now),
        },
    }
    batches = {"leads": lead_batches, "classifications": classification_batches}
    for what, pair in ways.items():
        times = {name: [] for name in pair}
        for _round in range(args.rounds):
            for name, write in pair.items():
                times[name].append(timed(write, batches[what]))
        sql, orm = (statistics.median(times[name]) for name in ("plain SQL", "ORM"))
        print(
            f"  {what:<16} plain SQL {args.leads / sql:>9,.0f} rows/s   "
            f"ORM {args.leads / orm:>9,.0f} "
            f"rows/s   plain SQL takes {sql / orm:.2f} of the ORM's time",
            flush=True,
        )


if __name__ == "__main__":
    main()
