"""Scoring a submission with the current ruleset and writing the result."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    transaction,
)
from django.db.models import F
from django.utils import timezone

from crm import services as crm_services

from .. import scoring
from ..app_settings import app_settings
from ..models import Classification, Submission
from ..results import qualification_result
from ..selectors import (
    ruleset_current_for_scoring,
)
from .base import retrying_races
from .filing import file_lead_in_transaction, file_lead_quietly
from .prospect_mail import submission_confirmation_after_commit
from .rulesets import NoPublishedRuleset

if TYPE_CHECKING:
    from crm.models import Lead

logger = logging.getLogger(__name__)


# --- Classification: scoring a submission with a ruleset ----------------------------


#: Errors worth another try later (a locked or unreachable database); anything else
#: is a defect that trying again will not fix.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


def submission_classify(*, submission_id: int) -> Classification | None:
    """File a submission under its lead if not done yet (:func:`submission_file_lead`),
    score it with the current ruleset and write the result onto its lead.

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
        .values_list("status", "attempts", "lead_id", "language", "answers", "confirmation_sent_at")
        .first()
    )
    if row is None:
        return None
    status, attempts, lead_id, language, answers, confirmation_sent_at = row
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
        if lead_id is None:
            file_lead_quietly(submission_id)
        return None
    try:
        if current is None:
            raise NoPublishedRuleset("No ruleset is published: publish one in the admin.")
        ruleset_id, _, compiled = current
        outcome = compiled.score(answers or {}, language)

        @transaction.atomic
        def write() -> Classification | None:
            # Filed (if it was not yet) and scored in one transaction: one commit.
            filed_lead_id, latest = file_lead_in_transaction(submission_id, note_lead=False)
            if filed_lead_id is None:
                return None
            return _submission_record_classification(
                submission_id=submission_id,
                lead_id=filed_lead_id,
                latest=latest,
                ruleset_id=ruleset_id,
                outcome=outcome,
                confirm=confirmation_sent_at is None,
            )

        return retrying_races(write, f"Classifying submission {submission_id}")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if lead_id is None:
            file_lead_quietly(submission_id)
        try:
            if attempts >= cap or not isinstance(exc, TRANSIENT_ERRORS):
                _submission_give_up(submission_id=submission_id, error=error)
            else:
                Submission.objects.filter(pk=submission_id).update(last_error=error[:2000])
        except TRANSIENT_ERRORS:
            logger.warning("Could not record the error of submission %s", submission_id)
        raise


def _submission_record_classification(
    *,
    submission_id: int,
    lead_id: int,
    latest: bool,
    ruleset_id: int,
    outcome: scoring.Outcome,
    confirm: bool = True,
) -> Classification:
    result = qualification_result(outcome)
    try:
        with transaction.atomic():
            classification = Classification.objects.create(
                submission_id=submission_id,
                ruleset_id=ruleset_id,
                **Classification.fields_from(result),
            )
    except IntegrityError:
        # Another run got there first: its result stands (and the filing just done is noted).
        Submission.objects.filter(pk=submission_id, lead__isnull=True).update(lead_id=lead_id)
        return Classification.objects.get(submission_id=submission_id, ruleset_id=ruleset_id)
    now = timezone.now()
    Submission.objects.filter(pk=submission_id).update(
        lead_id=lead_id,
        status=Submission.Status.CLASSIFIED,
        classified_at=now,
        updated_at=now,
        last_error="",
    )
    if latest:
        crm_services.lead_record_qualification(lead_id=lead_id, result=result, savepoint=False)
    elif not Submission.objects.filter(pk=submission_id, answers_adopted=True).exists():
        # A returning prospect's answers, not adopted: the lead keeps its result, and its
        # history says what the new answers give (never a silent change).
        crm_services.lead_note_returning_result(lead_id=lead_id, result=result)
    if confirm:
        # The prospect's confirmation e-mail, once this commits (sent once per submission).
        submission_confirmation_after_commit(submission_id)
    return classification


def submission_adopt_answers(*, lead: Lead, public_id: str) -> bool:
    """Staff accepted this submission's answers for the lead (a proposed change): its
    answers are now the lead's, so its result is too. The result is written now when the
    submission is classified, else by its classification when it comes. Returns whether
    the submission was found on this lead."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return False
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(public_id=public_id, lead_id=lead.pk)
            .exclude(status=Submission.Status.SPAM)
            .first()
        )
        if submission is None:
            return False
        Submission.objects.filter(pk=submission.pk).update(
            answers_adopted=True, updated_at=timezone.now()
        )
        classification = (
            Classification.objects.filter(submission=submission)
            .select_related("ruleset")
            .order_by("-ruleset__version", "-pk")
            .first()
        )
        if classification is not None:
            crm_services.lead_record_qualification(lead_id=lead.pk, result=classification.result())
        return True


def _submission_give_up(*, submission_id: int, error: str) -> None:
    Submission.objects.filter(pk=submission_id).exclude(
        status__in=[Submission.Status.CLASSIFIED, Submission.Status.SPAM]
    ).update(status=Submission.Status.FAILED, last_error=error[:2000])
