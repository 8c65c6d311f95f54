"""Fill a development database with demo leads, through the real intake and rules.

Each demo prospect (``config.demo.prospects``) is stored by ``submission_receive`` as if
it had posted the form or the API, classified here by ``submission_classify`` (the
worker may not be up yet), then moved along the pipeline by the crm services: assigned,
reviewed or overridden, moved from stage to stage, with activities done and to do.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from tqdm import tqdm

from config.demo.prospects import (
    DEMO_STAFF,
    DISQUALIFIED_REASONS,
    FOLLOW_UPS,
    IP_PREFIXES,
    LOST_REASONS,
    NOTES,
    OVERRIDE_REASONS,
    REVIEW_NOTES,
    SPREAD_DAYS,
    STAGE_ACTIVITIES,
    USER_AGENTS,
    Prospect,
    follow_up_due,
    prospect_make,
    stages_plan,
    working_hours,
)
from crm import services as crm_services
from crm.models import (
    OPEN_STAGES,
    Activity,
    Contact,
    Lead,
    LeadEvent,
    Recommendation,
    Stage,
)
from qualification import services
from qualification.intake import validate_answers
from qualification.models import Questionnaire, Submission
from qualification.selectors import questionnaire_current, ruleset_get_current

#: Leads stored per transaction: fewer commits, yet the web and the worker can write between.
BATCH_SIZE = 25
#: A progress bar from this many leads (shown only on a terminal).
PROGRESS_FROM = 200
#: The same development password as ``ensure_demo_staff``; printed when an account is made.
STAFF_PASSWORD = "demo-cmo-2026"
#: The account of ``ensure_demo_staff``, which owns leads too when it exists.
DEMO_USERNAME = "demo"


@dataclass
class Staff:
    owners: list
    reviewers: list
    created: list[str] = field(default_factory=list)


# --- The command -------------------------------------------------------------------------


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Keep a logger to errors: a broker that is down would warn once per lead."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Fill a development database with realistic demo leads in French and English, "
        "stored and classified by the real services and moved along the pipeline. "
        "Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=60, help="how many leads (default 60)")
        parser.add_argument("--seed", type=int, help="random seed, to get the same leads again")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when there are leads already"
        )
        parser.add_argument("--force", action="store_true", help="Allow it with DEBUG off.")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(
        self, *args, leads=60, seed=None, if_empty=False, force=False, no_progress=False, **opts
    ):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to add demo leads with DEBUG off (use --force).")
        if leads < 1:
            raise CommandError("--leads must be at least 1.")
        if if_empty and Lead.objects.exists():
            self.stdout.write("There are leads already: no demo leads added (--if-empty).")
            return
        questionnaire = questionnaire_current()
        if questionnaire is None or ruleset_get_current() is None:
            raise CommandError("No published questionnaire or ruleset: run migrate first.")
        if seed is None:
            seed = random.SystemRandom().randrange(1_000_000)
        rng = random.Random(seed)
        staff = self.staff_ensure()
        for username in staff.created:
            self.stdout.write(
                f"Created demo staff account {username!r} (password {STAFF_PASSWORD!r})."
            )

        started = time.perf_counter()
        lead_ids: list[int] = []
        with (
            _quiet("qualification.services"),
            # On the terminal itself: through self.stderr each refresh would be a new line.
            tqdm(
                total=leads,
                unit="lead",
                file=sys.stderr,
                disable=True if no_progress or leads < PROGRESS_FROM else None,
            ) as bar,
        ):
            seeder = Seeder(rng=rng, questionnaire=questionnaire, staff=staff)
            for start in range(0, leads, BATCH_SIZE):
                count = min(BATCH_SIZE, leads - start)
                lead_ids += seeder.seed_batch(count, on_lead=lambda: bar.update(1))
        self.report(lead_ids, seed=seed, elapsed=time.perf_counter() - started)

    def staff_ensure(self) -> Staff:
        """The demo staff accounts, created when absent (an existing one is left as it is)."""
        User = get_user_model()
        groups = {
            group.name: group for group in Group.objects.filter(name__in=["Sales", "Reviewer"])
        }
        staff = Staff(owners=[], reviewers=[])
        for member in DEMO_STAFF:
            user = User.objects.filter(username=member.username).first()
            if user is None:
                user = User(
                    username=member.username,
                    first_name=member.first_name,
                    last_name=member.last_name,
                    email=f"{member.username}@example.com",
                    is_staff=True,
                )
                user.set_password(STAFF_PASSWORD)
                user.save()
                if member.group in groups:
                    user.groups.add(groups[member.group])
                crm_services.staff_profile_set_language(user=user, language=member.language)
                staff.created.append(member.username)
            (staff.owners if member.group == "Sales" else staff.reviewers).append(user)
        demo = User.objects.filter(username=DEMO_USERNAME).first()
        if demo is not None:
            staff.owners.append(demo)
        return staff

    def report(self, lead_ids: Sequence[int], *, seed: int, elapsed: float) -> None:
        out = self.stdout.write
        leads = Lead.objects.filter(pk__in=lead_ids)
        languages = Counter(leads.values_list("language", flat=True))
        out(
            f"Added {len(lead_ids)} demo leads (seed {seed}) in {elapsed:.1f} s: "
            f"{languages['fr']} in French, {languages['en']} in English."
        )
        recommendations = dict(
            leads.values_list("recommendation").annotate(n=Count("id")).order_by()
        )
        out(
            "By recommendation: "
            + ", ".join(
                f"{value} {recommendations.get(value, 0)}" for value in Recommendation.values
            )
            + f" ({leads.filter(needs_review=True).count()} needing review, "
            f"{leads.exclude(override_recommendation='').count()} overridden, "
            f"{leads.filter(reviewed_at__isnull=False).count()} reviewed)."
        )
        stages = dict(leads.values_list("stage").annotate(n=Count("id")).order_by())
        out("By stage: " + ", ".join(f"{s} {stages.get(s, 0)}" for s in Stage.values) + ".")
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        days = [today + timedelta(days=n) for n in range(3)]
        to_do = Q(done_at__isnull=True, due_at__isnull=False)
        activities = Activity.objects.filter(lead_id__in=lead_ids).aggregate(
            total=Count("id"),
            to_do=Count("id", filter=to_do),
            overdue=Count("id", filter=to_do & Q(due_at__lt=days[0])),
            today=Count("id", filter=to_do & Q(due_at__gte=days[0], due_at__lt=days[1])),
            tomorrow=Count("id", filter=to_do & Q(due_at__gte=days[1], due_at__lt=days[2])),
        )
        out(
            f"Activities: {activities['total']}, {activities['to_do']} of them to do: "
            f"{activities['overdue']} from earlier days, {activities['today']} today, "
            f"{activities['tomorrow']} tomorrow."
        )
        unsent = Submission.objects.filter(lead_id__in=lead_ids, enqueued_at__isnull=True).count()
        if unsent:
            out(
                f"{unsent} classification task(s) could not be sent (broker unreachable): "
                "harmless, every lead was classified here and the sweep only resends pending ones."
            )
        self.stdout.write(self.style.SUCCESS("Demo leads ready: /admin/crm/lead/"))


class Seeder:
    """Makes leads one after another with one random generator, so a seed replays them."""

    def __init__(self, *, rng: random.Random, questionnaire: Questionnaire, staff: Staff):
        self.rng = rng
        self.questionnaire = questionnaire
        self.staff = staff
        self.taken: set[str] = set()
        self.choices = {
            question.key: [choice.key for choice in question.choices.all()]
            for question in questionnaire.questions.all()
        }
        self.form_paths = {
            language: reverse("qualification:questionnaire", kwargs={"lang": language})
            for language in ("fr", "en")
        }

    @transaction.atomic
    def seed_batch(self, count: int, on_lead) -> list[int]:
        """Add ``count`` leads in one transaction; the tasks are sent once it commits."""
        prospects = [self.prospect() for _ in range(count)]
        events: list[LeadEvent] = []
        activities: list[Activity] = []
        lead_ids = []
        for prospect in prospects:
            lead_ids.append(self.seed_lead(prospect, events, activities))
            on_lead()
        crm_services.history_backdate(
            events=[(event.pk, event.created_at) for event in events],
            activities=[(activity.pk, activity.created_at) for activity in activities],
        )
        return lead_ids

    def prospect(self) -> Prospect:
        prospect = prospect_make(self.rng, self.choices, self.email_taken)
        self.taken.add(prospect.contact["email"])
        return prospect

    def email_taken(self, email: str) -> bool:
        """Used earlier in this run, or by a contact already stored (an earlier run's)."""
        return email in self.taken or Contact.objects.filter(email=email).exists()

    def seed_lead(self, prospect: Prospect, events: list, activities: list) -> int:
        rng, now = self.rng, timezone.now()
        errors = validate_answers(prospect.answers, self.questionnaire)
        if errors:
            raise CommandError(f"Generated answers are not valid (a defect): {errors}")
        payload = {
            "language": prospect.language,
            "contact": prospect.contact,
            "company": prospect.company,
            "answers": prospect.answers,
            "consent": prospect.consent,
            "source": {k: v for k, v in prospect.source_fields.items() if v},
        }
        web = prospect.source.channel == Submission.Channel.WEB_FORM
        submission, _created = services.submission_receive(
            questionnaire=self.questionnaire,
            language=prospect.language,
            contact=prospect.contact,
            company=prospect.company,
            answers=prospect.answers,
            consent=prospect.consent,
            source=prospect.source_fields,
            channel=prospect.source.channel,
            payload=payload,
            ip_address=f"{rng.choice(IP_PREFIXES)}{rng.randint(1, 254)}",
            user_agent=rng.choice(USER_AGENTS) if web else "partner-site/1.0",
            consent_source=self.form_paths[prospect.language] if web else "api",
        )
        # What the worker does first; done here so the lead can be marked before it is scored.
        lead_id = services.submission_file_lead(submission_id=submission.pk)
        # Demo leads are not news: mark them announced, so that classifying them
        # e-mails nobody (and tries no broker for it).
        crm_services.lead_backdate(lead_id=lead_id, notified_at=now)
        # Nobody wrote them: no confirmation e-mail to their made-up addresses.
        services.submissions_skip_confirmation(submission_ids=[submission.pk])
        services.submission_classify(submission_id=submission.pk)
        lead = Lead.objects.select_related("contact").get(pk=lead_id)

        # Its story, back in time: created ``age_days`` ago (more of them lately),
        # classified seconds later, then each step at a later moment up to now.
        age_days = max(SPREAD_DAYS * rng.random() ** 1.4, 0.05)
        created_at = now - timedelta(days=age_days)
        classified_at = created_at + timedelta(seconds=rng.uniform(2, 40))
        path = stages_plan(
            rng, age_days=age_days, fit_grade=lead.fit_grade, archetype=prospect.archetype.name
        )
        review = self.review_plan(lead, contacted=bool(path))
        owner = rng.choice(self.staff.owners) if (path or rng.random() < 0.3) else None
        steps = (["review"] if review else []) + (["assign"] if owner else []) + path
        window_start = classified_at + timedelta(minutes=10)
        window = (now - window_start).total_seconds() - 60
        times = sorted(
            working_hours(
                rng,
                window_start + timedelta(seconds=rng.uniform(0, window)),
                not_before=window_start,
                now=now,
            )
            for _ in steps
        )
        stamps = [created_at, classified_at]  # the lead's CREATED and CLASSIFIED events
        reviewed_at = override_at = None
        language = lead.language
        for step, at in zip(steps, times, strict=True):
            if step == "review":
                reviewer = rng.choice(self.staff.reviewers or self.staff.owners)
                if review == "override":
                    target = (
                        Recommendation.CONSULTANT
                        if lead.recommendation == Recommendation.FRACTIONAL_CMO
                        else Recommendation.FRACTIONAL_CMO
                    )
                    crm_services.lead_override_recommendation(
                        lead=lead,
                        recommendation=target,
                        reason=rng.choice(OVERRIDE_REASONS[target][language]),
                        by=reviewer,
                    )
                    override_at = at
                else:
                    crm_services.lead_mark_reviewed(
                        lead=lead, by=reviewer, note=rng.choice(REVIEW_NOTES[language])
                    )
                reviewed_at = at
            elif step == "assign":
                crm_services.lead_assign(lead=lead, owner=owner, by=owner)
            else:
                reason = ""
                if step == Stage.LOST:
                    reason = rng.choice(LOST_REASONS[language])
                elif step == Stage.DISQUALIFIED:
                    reason = rng.choice(DISQUALIFIED_REASONS[language])
                crm_services.lead_move_stage(lead=lead, stage=step, by=owner, reason=reason)
                if step in STAGE_ACTIVITIES:
                    kind, body = STAGE_ACTIVITIES[step]
                    activity = crm_services.activity_create(
                        lead=lead,
                        kind=kind,
                        body=body[language],
                        due_at=None if kind == Activity.Kind.NOTE else at,
                        done_at=at,
                        owner=owner,
                    )
                    activities.append(Activity(pk=activity.pk, created_at=at))
            stamps.append(at)
        last_step = times[-1] if times else classified_at

        if owner is not None and path and rng.random() < 0.25:
            activity = crm_services.activity_create(
                lead=lead, kind=Activity.Kind.NOTE, body=rng.choice(NOTES[language]), owner=owner
            )
            activities.append(Activity(pk=activity.pk, created_at=last_step))
        if owner is not None and lead.stage in OPEN_STAGES:
            kind, body = rng.choice(FOLLOW_UPS[lead.stage])
            due = follow_up_due(rng, now=now, not_before=last_step)
            activity = crm_services.activity_create(
                lead=lead, kind=kind, body=body[language], due_at=due, owner=owner
            )
            activities.append(Activity(pk=activity.pk, created_at=min(last_step, due)))

        self.backdate(
            lead,
            created_at=created_at,
            classified_at=classified_at,
            reviewed_at=reviewed_at,
            override_at=override_at,
        )
        event_ids = (
            LeadEvent.objects.filter(lead_id=lead_id).order_by("pk").values_list("pk", flat=True)
        )
        events += [
            LeadEvent(pk=pk, created_at=at) for pk, at in zip(event_ids, stamps, strict=False)
        ]
        return lead_id

    def review_plan(self, lead: Lead, *, contacted: bool) -> str | None:
        """``override``, ``reviewed`` or None: a person looks before anyone replies to a
        lead that needs review; a few others get a spot check."""
        roll = self.rng.random()
        if lead.needs_review and contacted:
            return "override" if roll < 0.3 else "reviewed"
        if lead.needs_review:
            return "override" if roll < 0.1 else ("reviewed" if roll < 0.35 else None)
        return "reviewed" if roll < 0.08 else None

    @staticmethod
    def backdate(lead: Lead, *, created_at, classified_at, reviewed_at, override_at) -> None:
        """Move the lead's rows back to when its story happened.

        Demo data only: the services stamp everything "now", and a pipeline spread over
        weeks is what the demo is for, so the backdating services rewrite the times after
        the fact (never do this to real leads).
        """
        crm_services.lead_backdate(
            lead_id=lead.pk,
            created_at=created_at,
            classified_at=classified_at,
            notified_at=classified_at,
            reviewed_at=reviewed_at,
            override_at=override_at,
        )
        services.submissions_backdate(
            lead_id=lead.pk, created_at=created_at, classified_at=classified_at
        )
