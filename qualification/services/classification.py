"""Scoring a submission with the current ruleset and writing the result."""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from crm import services as crm_services

from ..app_settings import app_settings
from ..models import Classification, Submission
from ..selectors import (
    ruleset_current_for_scoring,
)
from . import batches, claims
from .base import TRANSIENT_ERRORS
from .filing import file_lead_quietly
from .rulesets import NoPublishedRuleset

if TYPE_CHECKING:
    from crm.models import Lead

logger = logging.getLogger(__name__)


# --- Classification: scoring a submission with a ruleset ----------------------------


def submission_classify(*, submission_id: int) -> Classification | None:
    """File a submission under its lead if not done yet, score it with the current
    ruleset and write the result onto its lead; with it, up to
    ``QUALIFICATION_CLASSIFY_BATCH_SIZE - 1`` other pending submissions never tried
    (:mod:`.claims`, :mod:`.batches`). Returns its classification.

    Idempotent: one Classification per (submission, ruleset version), held by the
    database; a run for a submission already classified with the current ruleset (its
    own message after a batch took it, a redelivery) changes nothing. Returns None,
    quietly, when the submission is gone, spam, or marked failed (staff retry those).
    Each run first counts an attempt, committed on its own, so that a run that never
    ends (a worker killed mid-batch) still counts; past ``QUALIFICATION_MAX_ATTEMPTS``
    the submission is marked failed instead of tried, and a submission tried before is
    tried alone. When another live run has it in hand, this one claims and classifies
    other waiting submissions meanwhile, or waits, at most until that claim ends.
    An error is kept in ``last_error`` and raised again; one that is not transient
    (see :data:`TRANSIENT_ERRORS`), or on the last attempt, marks the submission failed.
    The result is written onto the lead only when this is the lead's adopted and latest
    submission (an older one classified late must not hide a newer one).
    """
    pause = 0.005
    while True:
        state = claims.submission_state(submission_id)
        if state is None or state.status in (Submission.Status.SPAM, Submission.Status.FAILED):
            return None
        if state.done_id is not None:
            return Classification.objects.filter(pk=state.done_id).first()
        current = ruleset_current_for_scoring()
        if state.status == Submission.Status.CLASSIFIED and current is None:
            return None
        if state.claimed:
            # Another run has it (or had it, if its worker died: then until the claim ends).
            if not (current and _help(current)):
                time.sleep(pause)
                pause = min(pause * 2, 0.2)
            continue
        batch_size = app_settings.CLASSIFY_BATCH_SIZE if current else 1
        ids = claims.claim(submission_id=submission_id, seen=state, batch_size=batch_size)
        if ids is not None:
            return _run(submission_id, ids, state, current)


def _gives_up(row: batches.Row) -> bool:
    return row.attempts >= app_settings.MAX_ATTEMPTS or not isinstance(row.error, TRANSIENT_ERRORS)


def _run(submission_id, ids, state, current) -> Classification | None:
    """Classify the claimed ``ids`` (``submission_id``'s run, its own first)."""
    cap = app_settings.MAX_ATTEMPTS
    attempts = state.attempts + 1
    # A classified submission scored again (a newer ruleset) has nothing to give up.
    if attempts > cap and state.status != Submission.Status.CLASSIFIED:
        _submission_give_up(
            submission_id=submission_id,
            error=f"Gave up after {cap} attempts (the last run did not finish).",
        )
        if state.lead_id is None:
            file_lead_quietly(submission_id)
        return None
    try:
        if current is None:
            raise NoPublishedRuleset("No ruleset is published: publish one in the admin.")
        ruleset_id, _version, compiled = current
        rescoring = frozenset(
            [submission_id] if state.status == Submission.Status.CLASSIFIED else []
        )
        try:
            done = batches.write_batch(
                batches.score_rows(ids, compiled),
                ruleset_id=ruleset_id,
                gives_up=_gives_up,
                rescoring=rescoring,
            )
        except Exception:
            if len(ids) == 1:
                raise
            # Nothing of the batch stays: the others go back to their own messages.
            logger.warning(
                "A batch of %s failed; trying submission %s alone",
                len(ids),
                submission_id,
                exc_info=True,
            )
            claims.release([pk for pk in ids if pk != submission_id])
            done = batches.write_batch(
                batches.score_rows([submission_id], compiled),
                ruleset_id=ruleset_id,
                gives_up=_gives_up,
                rescoring=rescoring,
            )
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if state.lead_id is None:
            file_lead_quietly(submission_id)
        try:
            if attempts >= cap or not isinstance(exc, TRANSIENT_ERRORS):
                _submission_give_up(submission_id=submission_id, error=error)
            else:
                Submission.objects.filter(pk=submission_id).update(
                    last_error=error[:2000], claimed_until=None
                )
        except TRANSIENT_ERRORS:
            logger.warning("Could not record the error of submission %s", submission_id)
        raise
    if submission_id in done.errors:
        raise done.errors[submission_id]  # already kept on the submission
    return Classification.objects.filter(submission_id=submission_id, ruleset_id=ruleset_id).first()


def _help(current) -> bool:
    """Claim and classify submissions never tried, while waiting for another run's claim.
    Returns whether there were any."""
    ids = claims.claim_fresh(batch_size=app_settings.CLASSIFY_BATCH_SIZE)
    if not ids:
        return False
    ruleset_id, _version, compiled = current
    try:
        batches.write_batch(
            batches.score_rows(ids, compiled), ruleset_id=ruleset_id, gives_up=_gives_up
        )
    except Exception:
        logger.warning(
            "A batch of %s failed; each goes back to its own message", len(ids), exc_info=True
        )
        claims.release(ids)
    return True


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
    ).update(status=Submission.Status.FAILED, last_error=error[:2000], claimed_until=None)
