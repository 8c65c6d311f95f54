"""Every write of the qualification app: ``<noun>_<verb>``, keyword-only, typed, atomic."""

from __future__ import annotations

# --- Intake: storing submissions and sending them to be classified ------------------


# --- Classification: scoring a submission with a ruleset ----------------------------
# Written by the scoring side; the Intake section above belongs to the intake side.
# isort: split

import logging  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Iterable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime  # noqa: E402
from functools import partial  # noqa: E402

from django.contrib.auth.models import AbstractBaseUser  # noqa: E402
from django.db import (  # noqa: E402
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    router,
    transaction,
)
from django.db.models import F  # noqa: E402
from django.db.models.constants import OnConflict  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm import services as crm_services  # noqa: E402
from crm.models import Lead  # noqa: E402

from . import scoring  # noqa: E402
from .app_settings import app_settings  # noqa: E402
from .models import Classification, Ruleset, Submission  # noqa: E402
from .selectors import (  # noqa: E402
    questionnaire_answer_keys,
    ruleset_compiled,
    ruleset_current_for_scoring,
    ruleset_get_current,
    submissions_latest_per_lead,
)

logger = logging.getLogger(__name__)

#: Errors worth another try later (a locked or unreachable database); anything else
#: is a defect that trying again will not fix.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class NoPublishedRuleset(Exception):
    """Nothing can be classified before a ruleset is published."""


def _lead_fields(outcome: scoring.Outcome) -> dict:
    return {
        "recommendation": outcome.recommendation,
        "alternative": outcome.alternative,
        "confidence": outcome.confidence,
        "fit_score": outcome.fit_score,
        "fit_grade": outcome.fit_grade,
        "needs_review": outcome.needs_review,
        "ruleset_version": outcome.ruleset_version,
        "classification": outcome.as_dict(),
    }


def _classification_fields(outcome: scoring.Outcome) -> dict:
    return {
        "recommendation": outcome.recommendation,
        "alternative": outcome.alternative or "",
        "confidence": outcome.confidence,
        "needs_review": outcome.needs_review,
        "fit_score": outcome.fit_score,
        "fit_grade": outcome.fit_grade,
        "explanation": outcome.explanation,
    }


def _classification_as_dict(classification: Classification, version: int) -> dict:
    return {
        "recommendation": classification.recommendation,
        "confidence": classification.confidence,
        "needs_review": classification.needs_review,
        "alternative": classification.alternative or None,
        "fit_score": classification.fit_score,
        "fit_grade": classification.fit_grade,
        "explanation": classification.explanation,
        "ruleset_version": version,
        "reviewed_by": None,
    }


def submission_classify(*, submission_id: int) -> Classification | None:
    """Score a submission with the current ruleset and write the result onto its lead.

    Idempotent: one Classification per (submission, ruleset version), held by the
    database; a second run with the same ruleset changes nothing and returns it. Returns
    None, quietly, when the submission is gone, spam, or marked failed (staff retry
    those). Each run first counts an attempt, committed on its own, so that a run that
    never ends (a worker killed mid-task) still counts; past
    ``QUALIFICATION_MAX_ATTEMPTS`` the submission is marked failed instead of tried.
    An error is kept in ``last_error`` and raised again; one that is not transient
    (see :data:`TRANSIENT_ERRORS`), or on the last attempt, marks the submission failed.
    The result is written in one transaction, onto the lead only when this is the
    lead's latest submission (an older one classified late must not hide a newer one).
    """
    row = (
        Submission.objects.filter(pk=submission_id)
        .values_list("status", "attempts", "lead_id", "language", "answers")
        .first()
    )
    if row is None:
        return None
    status, attempts, lead_id, language, answers = row
    if status in (Submission.Status.SPAM, Submission.Status.FAILED):
        return None
    current = ruleset_current_for_scoring()
    if status == Submission.Status.CLASSIFIED and current is not None:
        done = Classification.objects.filter(
            submission_id=submission_id, ruleset_id=current[0]
        ).first()
        if done is not None:
            return done

    cap = app_settings.MAX_ATTEMPTS
    attempts += 1
    Submission.objects.filter(pk=submission_id).update(attempts=F("attempts") + 1)
    # A classified submission scored again (a newer ruleset) has nothing to give up.
    if attempts > cap and status != Submission.Status.CLASSIFIED:
        _submission_give_up(
            submission_id=submission_id,
            error=f"Gave up after {cap} attempts (the last run did not finish).",
        )
        return None
    try:
        if current is None:
            raise NoPublishedRuleset("No ruleset is published: publish one in the admin.")
        ruleset_id, _, compiled = current
        outcome = compiled.score(answers or {}, language)
        with transaction.atomic():
            return _submission_record_classification(
                submission_id=submission_id,
                lead_id=lead_id,
                ruleset_id=ruleset_id,
                outcome=outcome,
            )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        try:
            if attempts >= cap or not isinstance(exc, TRANSIENT_ERRORS):
                _submission_give_up(submission_id=submission_id, error=error)
            else:
                Submission.objects.filter(pk=submission_id).update(last_error=error[:2000])
        except TRANSIENT_ERRORS:
            logger.warning("Could not record the error of submission %s", submission_id)
        raise


def _submission_record_classification(
    *, submission_id: int, lead_id: int | None, ruleset_id: int, outcome: scoring.Outcome
) -> Classification:
    try:
        with transaction.atomic():
            classification = Classification.objects.create(
                submission_id=submission_id,
                ruleset_id=ruleset_id,
                **_classification_fields(outcome),
            )
    except IntegrityError:
        # Another run got there first: its result stands.
        return Classification.objects.get(submission_id=submission_id, ruleset_id=ruleset_id)
    Submission.objects.filter(pk=submission_id).update(
        status=Submission.Status.CLASSIFIED, classified_at=timezone.now(), last_error=""
    )
    if lead_id is not None and _is_latest_for_lead(submission_id=submission_id, lead_id=lead_id):
        crm_services.lead_record_qualification(lead_id=lead_id, **_lead_fields(outcome))
    return classification


def _is_latest_for_lead(*, submission_id: int, lead_id: int) -> bool:
    return (
        not Submission.objects.filter(lead_id=lead_id, pk__gt=submission_id)
        .exclude(status=Submission.Status.SPAM)
        .exists()
    )


def _submission_give_up(*, submission_id: int, error: str) -> None:
    Submission.objects.filter(pk=submission_id).exclude(
        status__in=[Submission.Status.CLASSIFIED, Submission.Status.SPAM]
    ).update(status=Submission.Status.FAILED, last_error=error[:2000])


def _classification_send(submission_id: int) -> None:
    from .tasks import classify_submission

    classify_submission.delay(submission_id)


@transaction.atomic
def submissions_retry_classification(*, submission_ids: Iterable[int]) -> int:
    """Give failed submissions a fresh count of attempts and send them to be classified.

    Sent once the transaction commits; if the broker is down they stay pending, and
    the periodic sweep of pending submissions sends them later. Returns how many.
    """
    ids = list(
        Submission.objects.select_for_update()
        .filter(pk__in=list(submission_ids), status=Submission.Status.FAILED)
        .values_list("pk", flat=True)
    )
    Submission.objects.filter(pk__in=ids).update(
        status=Submission.Status.PENDING, attempts=0, last_error="", enqueued_at=timezone.now()
    )
    for submission_id in ids:
        transaction.on_commit(partial(_classification_send, submission_id), robust=True)
    return len(ids)


# Rulesets: drafts are edited, published versions are frozen.


class RulesetLocked(Exception):
    """A published ruleset is never changed: past results must stay explainable."""


@transaction.atomic
def ruleset_create_draft(*, source: Ruleset, by: AbstractBaseUser | None = None) -> Ruleset:
    """A new draft, numbered after the highest version, with ``source``'s weights."""
    latest = Ruleset.objects.select_for_update().order_by("-version").first()
    return Ruleset.objects.create(
        version=(latest.version if latest else 0) + 1,
        status=Ruleset.Status.DRAFT,
        weights=source.weights,
        notes=f"Draft from version {source.version}.\n{source.notes}".strip(),
        created_by=by,
    )


@transaction.atomic
def ruleset_add_draft(*, draft: Ruleset, by: AbstractBaseUser | None = None) -> Ruleset:
    """Store a new draft written by hand (not saved yet), numbered after the highest version.

    Raises scoring.RulesetError when its weights cannot be used.
    """
    errors = scoring.validate_ruleset(draft.weights, questions=questionnaire_answer_keys())
    if errors:
        raise scoring.RulesetError(errors)
    latest = Ruleset.objects.select_for_update().order_by("-version").first()
    draft.version = (latest.version if latest else 0) + 1
    draft.status = Ruleset.Status.DRAFT
    draft.published_at = None
    draft.created_by = by
    draft.save()
    return draft


@transaction.atomic
def ruleset_update_draft(*, ruleset: Ruleset, weights: dict, notes: str = "") -> Ruleset:
    """Change a draft's weights and notes. Raises RulesetLocked or scoring.RulesetError."""
    locked = Ruleset.objects.select_for_update().get(pk=ruleset.pk)
    if locked.status != Ruleset.Status.DRAFT:
        raise RulesetLocked(f"Ruleset v{locked.version} is published and cannot change.")
    errors = scoring.validate_ruleset(weights, questions=questionnaire_answer_keys())
    if errors:
        raise scoring.RulesetError(errors)
    locked.weights = weights
    locked.notes = notes
    locked.save(update_fields=["weights", "notes", "updated_at"])
    return locked


@transaction.atomic
def ruleset_publish(*, ruleset: Ruleset, by: AbstractBaseUser | None = None) -> Ruleset:
    """Publish a draft: it becomes the current ruleset for new classifications.

    Past classifications keep the version that produced them; ``reclassify`` re-scores
    stored leads on purpose. A draft older than the current version cannot be
    published (it would never be current). Raises RulesetLocked or scoring.RulesetError.
    """
    locked = Ruleset.objects.select_for_update().get(pk=ruleset.pk)
    if locked.status != Ruleset.Status.DRAFT:
        raise RulesetLocked(f"Ruleset v{locked.version} is already published.")
    current = ruleset_get_current()
    if current is not None and current.version > locked.version:
        raise RulesetLocked(
            f"Version {current.version} is already current; make a new draft from this one."
        )
    errors = scoring.validate_ruleset(locked.weights, questions=questionnaire_answer_keys())
    if errors:
        raise scoring.RulesetError(errors)
    locked.status = Ruleset.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("Ruleset v%s published by %s", locked.version, by)
    return locked


# Re-scoring stored leads in bulk (the reclassify command and staff requests).


@dataclass
class ReclassifySummary:
    """What a re-scoring run did and changed."""

    ruleset_version: int
    leads: int = 0
    rescored: int = 0
    without_submission: int = 0
    classifications_created: int = 0
    classifications_kept: int = 0
    recommendation: Counter = field(default_factory=Counter)
    needs_review: Counter = field(default_factory=Counter)
    fit_grade: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(n for (before, after), n in self.recommendation.items() if before != after)


def leads_reclassify(
    *,
    ruleset: Ruleset | None = None,
    lead_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ReclassifySummary:
    """Re-score leads (each from its latest submission that is not spam) with ``ruleset``.

    ``ruleset`` defaults to the current one and must be published. ``lead_ids`` and
    ``since`` (leads created at or after) narrow the leads. Works through them by
    ascending id in batches of ``batch_size``, one transaction each, with bounded
    memory: a batch adds the missing Classifications (the (submission, ruleset)
    constraint keeps existing ones), marks those submissions classified, and writes
    the results onto the leads in bulk. ``on_batch(n)`` is called after each batch.
    """
    if ruleset is None:
        ruleset = ruleset_get_current()
        if ruleset is None:
            raise NoPublishedRuleset("No ruleset is published.")
    if ruleset.status != Ruleset.Status.PUBLISHED:
        raise RulesetLocked(f"Ruleset v{ruleset.version} is a draft: publish it first.")
    compiled = ruleset_compiled(ruleset)
    batch_size = batch_size or app_settings.RECLASSIFY_BATCH_SIZE
    leads = Lead.objects.order_by("pk")
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    wanted = None if lead_ids is None else sorted(set(lead_ids))
    summary = ReclassifySummary(ruleset_version=ruleset.version)
    last_id = 0
    while True:
        if wanted is not None:
            batch_ids = wanted[:batch_size]
            wanted = wanted[batch_size:]
            batch_ids = list(leads.filter(pk__in=batch_ids).values_list("pk", flat=True))
            if not batch_ids and not wanted:
                break
        else:
            batch_ids = list(leads.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
            if not batch_ids:
                break
            last_id = batch_ids[-1]
        with transaction.atomic():
            _leads_reclassify_batch(batch_ids, ruleset, compiled, summary)
        if on_batch is not None:
            on_batch(len(batch_ids))
    return summary


def _classifications_insert(
    new: list[tuple[int, scoring.Outcome]], *, ruleset_id: int, now: datetime
) -> None:
    """Insert many Classifications in one statement, skipping any that exist already.

    ``bulk_create`` would build a model instance and prepare every field of every row;
    at 100,000 leads that is most of the run, so the rows go to the driver as they are
    (the JSON adapted by its field, the time once), with the backend's own "ignore
    conflicts" form of INSERT so the (submission, ruleset) constraint is respected.
    """
    if not new:
        return
    meta = Classification._meta
    names = [
        "created_at", "updated_at", "submission", "ruleset", "recommendation", "alternative",
        "confidence", "needs_review", "fit_score", "fit_grade", "explanation",
    ]  # fmt: skip
    fields = [meta.get_field(name) for name in names]
    connection = connections[router.db_for_write(Classification)]
    quote = connection.ops.quote_name
    sql = (
        f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
        f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        + connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    )
    stamp = meta.get_field("created_at").get_db_prep_save(now, connection)
    explanation = meta.get_field("explanation")
    rows = [
        (
            stamp,
            stamp,
            submission_id,
            ruleset_id,
            o.recommendation,
            o.alternative or "",
            o.confidence,
            o.needs_review,
            o.fit_score,
            o.fit_grade,
            crm_services.json_param_from_encoded(connection, explanation, o.explanation_json),
        )  # fmt: skip
        for submission_id, o in new
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _leads_reclassify_batch(
    lead_ids: list[int],
    ruleset: Ruleset,
    compiled: scoring.CompiledRuleset,
    summary: ReclassifySummary,
) -> None:
    summary.leads += len(lead_ids)
    latest = submissions_latest_per_lead(lead_ids=lead_ids)
    summary.without_submission += len(lead_ids) - len(latest)
    if not latest:
        return
    rows = Submission.objects.filter(pk__in=list(latest.values())).values_list(
        "pk", "lead_id", "language", "answers", "status"
    )
    kept = set(
        Classification.objects.filter(
            ruleset=ruleset, submission_id__in=list(latest.values())
        ).values_list("submission_id", flat=True)
    )
    now = timezone.now()
    new, results, to_mark = [], [], []
    for submission_id, lead_id, language, answers, status in rows:
        outcome = compiled.score(answers or {}, language)
        if submission_id not in kept:
            new.append((submission_id, outcome))
        if status != Submission.Status.CLASSIFIED:
            to_mark.append(submission_id)
        results.append(
            crm_services.LeadQualification(
                lead_id=lead_id,
                recommendation=outcome.recommendation,
                alternative=outcome.alternative,
                confidence=outcome.confidence,
                fit_score=outcome.fit_score,
                fit_grade=outcome.fit_grade,
                needs_review=outcome.needs_review,
                ruleset_version=outcome.ruleset_version,
                classification_json=outcome.as_json(),
            )
        )
    _classifications_insert(new, ruleset_id=ruleset.pk, now=now)
    summary.classifications_created += len(new)
    summary.classifications_kept += len(kept)
    if to_mark:
        Submission.objects.filter(pk__in=to_mark).update(
            status=Submission.Status.CLASSIFIED, classified_at=now, last_error=""
        )
    previous = crm_services.leads_bulk_record_qualification(
        results=results, note=f"ruleset v{ruleset.version} (re-scored)"
    )
    for result in results:
        before = previous.get(result.lead_id)
        if before is None:
            continue
        summary.rescored += 1
        summary.recommendation[(before[0] or "-", result.recommendation)] += 1
        summary.needs_review[(before[2], result.needs_review)] += 1
        summary.fit_grade[(before[3] or "-", result.fit_grade)] += 1
