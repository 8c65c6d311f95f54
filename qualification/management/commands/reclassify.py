"""Re-score stored leads with a published ruleset, in batches, and say what changed."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as dt_time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from crm.selectors import lead_ids_in_order
from qualification.app_settings import app_settings
from qualification.models import Ruleset
from qualification.selectors import ruleset_get_published
from qualification.services import ReclassifySummary, leads_reclassify


def parse_since(value: str) -> datetime:
    """``YYYY-MM-DD`` (midnight, local time) or an ISO date-time."""
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValueError(value)
        moment = datetime.combine(day, dt_time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Re-score leads (each from its latest submission that is not spam) with a published "
        "ruleset, the current one by default, and print what changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ruleset", type=int, help="published ruleset version")
        parser.add_argument("--since", help="only leads created on or after (YYYY-MM-DD)")
        parser.add_argument(
            "--batch-size", type=int, help="leads per transaction (default from settings)"
        )
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, ruleset=None, since=None, batch_size=None, no_progress=False, **opts):
        try:
            chosen = ruleset_get_published(version=ruleset)
        except Ruleset.DoesNotExist as exc:
            which = f"version {ruleset}" if ruleset else "current"
            raise CommandError(f"No published ruleset ({which}).") from exc
        try:
            since_at = parse_since(since) if since else None
        except ValueError as exc:
            raise CommandError(f"--since: expected YYYY-MM-DD, got {since!r}") from exc
        batch_size = batch_size or app_settings.RECLASSIFY_BATCH_SIZE
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        total = lead_ids_in_order(since=since_at).count()
        started = time.perf_counter()
        with tqdm(total=total, unit="lead", disable=no_progress, file=self.stderr) as bar:
            summary = leads_reclassify(
                ruleset=chosen, since=since_at, batch_size=batch_size, on_batch=bar.update
            )
        self.report(summary, time.perf_counter() - started)

    def report(self, summary: ReclassifySummary, elapsed: float) -> None:
        out = self.stdout.write
        rate = summary.leads / elapsed if elapsed > 0 else 0.0
        out(
            f"Re-scored {summary.rescored} of {summary.leads} leads with ruleset "
            f"v{summary.ruleset_version} in {elapsed:.1f} s ({rate:,.0f} leads/s)."
        )
        out(
            f"Classifications: {summary.classifications_created} added, "
            f"{summary.classifications_kept} already there (one per submission and version). "
            f"Leads without a submission: {summary.without_submission}."
        )
        out("Recommendation (before -> after):")
        if not summary.recommendation:
            out("  (no lead re-scored)")
        for (before, after), count in sorted(summary.recommendation.items()):
            out(f"  {before:<15} -> {after:<15} {count:>8}")
        on = summary.needs_review.get((False, True), 0)
        off = summary.needs_review.get((True, False), 0)
        same = sum(n for (b, a), n in summary.needs_review.items() if b == a)
        out(f"Needs review: {on} turned on, {off} turned off, {same} unchanged.")
        grades = {k: n for k, n in summary.fit_grade.items() if k[0] != k[1]}
        if grades:
            changes = ", ".join(f"{b}->{a} {n}" for (b, a), n in sorted(grades.items()))
            out(f"Fit grade changes: {changes}.")
        else:
            out("Fit grade changes: none.")
        self.stdout.write(
            self.style.SUCCESS(f"Recommendation changed on {summary.changed} lead(s).")
        )
