"""Apply the retention policy (README "Privacy operations"), or with ``--dry-run`` print
what it would change. The summary of a dry run is exactly what the next real run does
(same moment: ``--now``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from crm import services

#: What each kind of the summary means, for the person reading it.
KINDS = {
    "people": "people anonymised (leads lost, disqualified or never answered, inactive)",
    "consent_evidence": "consents whose evidence (IP, user agent, source) is blanked",
    "exports": "stored exports emptied",
    "incidents": "confidentiality incidents deleted (kept 5 years or more)",
    "qualification.spam_submissions": "spam submissions deleted",
    "qualification.failed_submissions": "failed submissions deleted",
}


class Command(BaseCommand):
    help = "Apply the retention policy; --dry-run prints what would change and changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the summary, change nothing."
        )
        parser.add_argument(
            "--now", help="The moment to apply the policy at (ISO date-time), now by default."
        )

    def handle(self, *args, dry_run=False, now=None, **options):
        moment = timezone.now()
        if now:
            moment = parse_datetime(now)
            if moment is None:
                raise CommandError(f"--now: not an ISO date-time: {now!r}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        plan = services.retention_plan(now=moment)
        if dry_run:
            self._summary("Would change (dry run, nothing changed):", plan.summary())
            return
        with tqdm(total=plan.total, unit="row", disable=plan.total == 0, file=self.stderr) as bar:
            done = services.retention_apply(plan, progress=bar.update)
        self._summary("Changed:", done)

    def _summary(self, title: str, counts: dict[str, int]) -> None:
        self.stdout.write(title)
        for kind, count in counts.items():
            self.stdout.write(f"  {count:>6}  {KINDS.get(kind, kind)} [{kind}]")
        self.stdout.write(f"  {sum(counts.values()):>6}  in all")
