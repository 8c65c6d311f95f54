"""Sending submissions to be classified: on commit, by the periodic sweep, on retry."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from celery import current_app
from django.db import (
    transaction,
)
from django.db.models import Q
from django.utils import timezone

from .. import publish
from ..app_settings import app_settings
from ..models import Submission

logger = logging.getLogger(__name__)


#: The classification task, sent by name: sending needs only its name, not its module.
CLASSIFY_TASK = "qualification.tasks.classify_submission"


def submission_send_to_classify(*, submission_id: int, noted: bool = False) -> bool:
    """Send one submission to the classification task. Never raises.

    On success ``enqueued_at`` is set, unless ``noted``: the intake stores it already
    set, so that a healthy post costs no second write. When the broker cannot be
    reached it logs, leaves the submission pending with ``enqueued_at`` empty (so that
    the next sweep sends it) and returns ``False``; if even that write fails, the sweep
    sends it again after ``QUALIFICATION_RESEND_PENDING_AFTER``.
    """
    try:
        publish.send_task(current_app, CLASSIFY_TASK, args=[submission_id])
        sent = True
    except Exception as exc:
        logger.warning(
            "Could not send submission %s to be classified; it stays pending for the sweep (%s)",
            submission_id,
            exc,
        )
        sent = False
    if sent and noted:
        return True
    now = timezone.now()
    try:
        Submission.objects.filter(pk=submission_id).update(
            enqueued_at=now if sent else None, updated_at=now
        )
    except Exception:
        # At worst the sweep sends it once more (classifying is idempotent).
        logger.warning("Could not note the send of submission %s", submission_id, exc_info=True)
    return sent


def submission_sweep_pending(
    *, resend_after: float | None = None, batch_size: int | None = None
) -> int:
    """Send every pending submission that was never sent, or sent over ``resend_after``
    seconds ago (default ``QUALIFICATION_RESEND_PENDING_AFTER``). Never raises.

    Reads them in batches of ``batch_size`` (default ``QUALIFICATION_SWEEP_BATCH_SIZE``),
    oldest first, and stops at the first send that fails: the broker is down, the next
    sweep will try again. Returns how many were sent.
    """
    resend_after = app_settings.RESEND_PENDING_AFTER if resend_after is None else resend_after
    batch_size = batch_size or app_settings.SWEEP_BATCH_SIZE
    sent = 0
    try:
        cutoff = timezone.now() - timedelta(seconds=resend_after)
        due = Submission.objects.filter(status=Submission.Status.PENDING).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff)
        )
        last_id = 0
        while True:
            batch = list(
                due.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            for submission_id in batch:
                if not submission_send_to_classify(submission_id=submission_id):
                    logger.warning("Sweep stopped after %s sent: the broker is unreachable", sent)
                    return sent
                sent += 1
            last_id = batch[-1]
    except Exception:
        logger.exception("The sweep of pending submissions failed; the next one will try again")
    if sent:
        logger.info("Sweep sent %s pending submission(s) to be classified", sent)
    return sent


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
        status=Submission.Status.PENDING,
        attempts=0,
        last_error="",
        enqueued_at=None,
        claimed_until=None,
    )
    for submission_id in ids:
        transaction.on_commit(
            partial(submission_send_to_classify, submission_id=submission_id), robust=True
        )
    return len(ids)
