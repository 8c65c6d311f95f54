"""Filing and classifying claimed submissions together: one transaction for a batch.

Decision (issue 14): the classify task stays one message per submission, acknowledged
late; a run claims its own submission and, on its first attempt, other pending ones
never tried (:mod:`.claims`), scores them outside any lock, then writes them all in one
transaction with a few statements for the whole batch: first-time prospects filed by
``crm.services.leads_bulk_open_new``, the classifications and submissions in plain SQL
(``crm.fast_sql``), the results on the leads by ``crm.services.leads_record_qualification``
(history, the practice's e-mail, ``lead.created``/``lead.classified`` webhook events, in
the same transaction). A post for an address already known, or a second post of a new
person in the same batch, is filed one by one as before (:func:`.filing.file_lead_in_transaction`:
proposals, unconfirmed consents, nothing stored overwritten). The messages of the
submissions a batch took are then no-ops (one query each).

A submission whose scoring fails does not hold the batch back: it is filed, its error
kept (a defect, or the last attempt, marks it failed), its claim ended, and the others
are written. When the write itself fails, nothing of it stays: the claims on the others
are ended (their own messages classify each alone) and the caller tries its own
submission alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from crm import fast_sql
from crm import services as crm_services
from crm.choices import LeadSource

from .. import scoring
from ..intake import answers_display
from ..models import Classification, Submission
from ..results import qualification_result
from ..selectors import questionnaire_by_id
from .base import TRANSIENT_ERRORS, retrying_races
from .filing import file_lead_in_transaction
from .prospect_mail import submission_confirmation_after_commit

logger = logging.getLogger(__name__)

#: What a batch reads of each claimed submission.
_FIELDS = (
    "pk", "status", "attempts", "lead_id", "language", "answers", "details", "channel",
    "created_at", "questionnaire_id", "ip_address", "user_agent", "answers_adopted",
    "confirmation_sent_at",
)  # fmt: skip


@dataclass
class Row:
    pk: int
    status: str
    attempts: int
    lead_id: int | None
    language: str
    answers: object
    details: dict
    channel: str
    created_at: datetime
    questionnaire_id: int
    ip_address: str | None
    user_agent: str
    answers_adopted: bool
    confirmation_sent_at: datetime | None
    outcome: scoring.Outcome | None = None
    error: Exception | None = None
    latest: bool = False
    filed_now: bool = False
    unfileable: bool = False


@dataclass
class BatchResult:
    """What a batch did: ids classified now, and the error of each that failed."""

    classified: list[int] = field(default_factory=list)
    errors: dict[int, Exception] = field(default_factory=dict)
    #: Submissions left as they were (done or taken by another run meanwhile).
    skipped: list[int] = field(default_factory=list)


def score_rows(ids: list[int], compiled: scoring.CompiledRuleset) -> list[Row]:
    """Read the claimed submissions and score each (no lock held: they are claimed)."""
    rows = [Row(*values) for values in Submission.objects.filter(pk__in=ids).values_list(*_FIELDS)]
    for row in rows:
        try:
            row.outcome = compiled.score(row.answers or {}, row.language)
        except Exception as exc:  # one bad row must not hold the batch back
            row.error = exc
    rows.sort(key=lambda r: r.pk)
    return rows


def write_batch(
    rows: list[Row], *, ruleset_id: int, gives_up, rescoring: frozenset[int] = frozenset()
) -> BatchResult:
    """File and record the scored ``rows`` in one transaction (retried whole after a
    race on a new e-mail). ``gives_up(row)`` says whether a row's error marks it failed.
    ``rescoring``: classified submissions scored again with a newer ruleset."""

    @transaction.atomic
    def write() -> BatchResult:
        return _write(rows, ruleset_id=ruleset_id, gives_up=gives_up, rescoring=rescoring)

    return retrying_races(write, f"Classifying a batch of {len(rows)} submission(s)")


def _write(rows, *, ruleset_id, gives_up, rescoring) -> BatchResult:
    result = BatchResult()
    locked = dict(
        Submission.objects.select_for_update()
        .filter(pk__in=[r.pk for r in rows])
        .order_by("pk")
        .values_list("pk", "status")
    )
    live = []
    for row in rows:
        status = locked.get(row.pk)
        if status == Submission.Status.PENDING or (
            status == Submission.Status.CLASSIFIED and row.pk in rescoring
        ):
            live.append(row)
        else:
            result.skipped.append(row.pk)
    _file(live)
    _mark_latest([r for r in live if not r.filed_now])

    scored = [r for r in live if r.outcome is not None]
    existing = set(
        Classification.objects.filter(
            ruleset_id=ruleset_id, submission_id__in=[r.pk for r in scored]
        ).values_list("submission_id", flat=True)
    )
    now = timezone.now()
    stamp = fast_sql.time_param(Classification, "created_at", now)
    fast_sql.insert_rows(
        Classification,
        (
            "created_at", "updated_at", "submission", "ruleset", "recommendation",
            "alternative", "confidence", "needs_review", "fit_score", "fit_grade",
            "explanation",
        ),
        (
            (
                stamp, stamp, r.pk, ruleset_id, o.recommendation, o.alternative or "",
                o.confidence, o.needs_review, o.fit_score, o.fit_grade,
                fast_sql.json_param(Classification, "explanation", o.explanation_json),
            )
            for r in scored
            if r.pk not in existing and (o := r.outcome) is not None
        ),
        ignore_conflicts=True,
    )  # fmt: skip
    fast_sql.update_rows(
        Submission,
        ("lead", "status", "classified_at", "updated_at", "last_error", "claimed_until"),
        (
            (r.lead_id, Submission.Status.CLASSIFIED.value, stamp, stamp, "", None, r.pk)
            for r in scored
        ),
    )
    result.classified = [r.pk for r in scored]
    # Another run's classification by this ruleset stands: the lead keeps its result.
    results = [
        (r.lead_id, qualification_result(r.outcome))
        for r in scored
        if r.latest and r.pk not in existing and r.outcome is not None
    ]
    crm_services.leads_record_qualification(results=results)
    fresh = [r for r in scored if r.pk not in existing and r.outcome is not None]
    # A returning prospect's answers, not adopted: the lead keeps its result, and its
    # history says what the new answers give (never a silent change).
    not_latest = [r for r in fresh if not r.latest]
    if not_latest:
        unadopted = set(
            Submission.objects.filter(
                pk__in=[r.pk for r in not_latest], answers_adopted=False
            ).values_list("pk", flat=True)
        )
        for r in not_latest:
            if r.pk in unadopted:
                crm_services.lead_note_returning_result(
                    lead_id=r.lead_id, result=qualification_result(r.outcome)
                )
    # The prospect's confirmation e-mail, once this commits (sent once per submission).
    for r in fresh:
        if r.confirmation_sent_at is None:
            submission_confirmation_after_commit(r.pk)
    for row in live:
        if row.error is not None:
            _record_error(row, failed=gives_up(row))
            result.errors[row.pk] = row.error
    return result


def _file(rows: list[Row]) -> None:
    """File the rows not filed yet: first-time prospects in bulk, the others one by one.

    A row that cannot be filed (stored details or answers no code can read) gets that
    error and stays unfiled; the others are filed all the same."""
    unfiled = [r for r in rows if r.lead_id is None]
    if not unfiled:
        return
    first_of_email: dict[str, tuple[Row, crm_services.NewProspect]] = {}
    for row in unfiled:
        try:
            prospect = _new_prospect(row)
        except Exception as exc:
            row.error, row.outcome, row.unfileable = exc, None, True
            continue
        first_of_email.setdefault(crm_services.normalize_email(prospect.email), (row, prospect))
    filed = crm_services.leads_bulk_open_new(prospects=[p for _r, p in first_of_email.values()])
    for email, (row, _prospect) in first_of_email.items():
        if email in filed:
            row.lead_id, row.latest, row.filed_now = filed[email].lead_id, True, True
    for row in unfiled:
        if row.filed_now or row.unfileable:
            continue
        # A known address (or this batch's second post of a new one): as a lone post.
        try:
            with transaction.atomic():
                row.lead_id, row.latest = file_lead_in_transaction(row.pk, note_lead=False)
        except (IntegrityError, *TRANSIENT_ERRORS):
            raise  # a race, or the database: the whole batch again, or back to the messages
        except Exception as exc:
            row.error, row.outcome = exc, None
            continue
        row.filed_now = True


def _new_prospect(row: Row) -> crm_services.NewProspect:
    details = row.details
    contact, company, source = details["contact"], details["company"], details["source"]
    return crm_services.NewProspect(
        email=contact["email"],
        first_name=contact["first_name"],
        last_name=contact["last_name"],
        phone=contact["phone"],
        job_title=contact["job_title"],
        language=row.language,
        company_name=company["name"],
        company_website=company["website"],
        source=LeadSource(row.channel),
        utm={key: source[key] for key in ("utm_source", "utm_medium", "utm_campaign")},
        referrer=source["referrer"],
        answers=row.answers,
        answers_display=answers_display(row.answers, questionnaire_by_id(row.questionnaire_id)),
        at=row.created_at,
        consents=details["consent"],
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        consent_source=details["consent_source"],
    )


def _mark_latest(rows: list[Row]) -> None:
    """Rows filed before this batch: is each its lead's adopted and latest submission?"""
    if not rows:
        return
    latest = dict(
        Submission.objects.filter(lead_id__in={r.lead_id for r in rows}, answers_adopted=True)
        .exclude(status=Submission.Status.SPAM)
        .values("lead_id")
        .annotate(latest=Max("pk"))
        .values_list("lead_id", "latest")
    )
    for row in rows:
        row.latest = row.answers_adopted and latest.get(row.lead_id) == row.pk


def _record_error(row: Row, *, failed: bool) -> None:
    error = f"{type(row.error).__name__}: {row.error}"[:2000]
    changes = {"last_error": error, "claimed_until": None, "updated_at": timezone.now()}
    if row.lead_id is not None:
        changes["lead_id"] = row.lead_id  # filed all the same, so that staff see the prospect
    submission = Submission.objects.filter(pk=row.pk)
    if failed:
        submission = submission.filter(status=Submission.Status.PENDING)
        changes["status"] = Submission.Status.FAILED
    submission.update(**changes)
