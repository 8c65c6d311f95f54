"""Every write of the qualification app: ``<noun>_<verb>``, keyword-only, typed, atomic."""

from __future__ import annotations

# --- Intake: storing submissions and sending them to be classified ------------------
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from crm import services as crm_services
from crm.models import LeadSource

from .app_settings import app_settings
from .consent import WORDINGS
from .intake import answers_display, clean_answers
from .models import Questionnaire, Submission
from .selectors import submission_by_idempotency_key

logger = logging.getLogger(__name__)

#: The classification task, sent by name: the intake never imports the scoring code.
CLASSIFY_TASK = "qualification.tasks.classify_submission"

# A race on a unique row (the same new e-mail or Idempotency-Key posted twice at once)
# rolls back the loser's whole transaction; it then tries again and finds the winner.
_STORE_ATTEMPTS = 3


def submission_receipt(*, submission: Submission) -> dict[str, Any]:
    """The body of the ``202`` answer. Spam gets the very same one."""
    return {"id": str(submission.public_id), "status": Submission.Status.PENDING.value}


def _first_response(submission: Submission) -> dict[str, Any]:
    return {"status_code": 202, "body": submission_receipt(submission=submission)}


def _store_once(
    store: Callable[[], Submission], idempotency_key: str | None
) -> tuple[Submission, bool]:
    """Run ``store`` (one transaction), or return the submission that already has this key."""
    for attempt in range(1, _STORE_ATTEMPTS + 1):
        if idempotency_key:
            first = submission_by_idempotency_key(idempotency_key)
            if first is not None:
                return first, False
        try:
            return store(), True
        except IntegrityError:
            if attempt == _STORE_ATTEMPTS:
                raise
            logger.info("Submission store raced with another one (attempt %s); retrying", attempt)
    raise AssertionError("unreachable")


def submission_receive(
    *,
    questionnaire: Questionnaire,
    language: str,
    contact: Mapping[str, str],
    company: Mapping[str, str],
    answers: Mapping[str, Any],
    consent: Mapping[str, bool],
    source: Mapping[str, str],
    channel: str,
    payload: Mapping[str, Any],
    ip_address: str | None = None,
    user_agent: str = "",
    consent_source: str = "",
    idempotency_key: str | None = None,
) -> tuple[Submission, bool]:
    """Store a validated submission and all it creates, then send it to be classified.

    One transaction stores the contact (matched on the normalized e-mail), the open
    lead (a returning prospect's existing one, marked as returned), both consents
    with their wording, and the submission, ``pending``. Only once it has committed
    is the classification task sent; if that fails the submission stays pending for
    the sweep. Returns ``(submission, created)``: with an ``idempotency_key`` already
    used, the first submission and ``False``.
    """

    @transaction.atomic
    def store() -> Submission:
        cleaned = clean_answers(answers, questionnaire)
        person = crm_services.contact_upsert(
            email=contact["email"],
            first_name=contact["first_name"],
            last_name=contact.get("last_name", ""),
            phone=contact.get("phone", ""),
            job_title=contact.get("job_title", ""),
            language=language,
            company_name=company["name"],
            company_website=company.get("website", ""),
        )
        lead, _created = crm_services.lead_open_or_attach(
            contact=person,
            language=language,
            source=LeadSource(channel),
            utm={key: source.get(key, "") for key in ("utm_source", "utm_medium", "utm_campaign")},
            referrer=source.get("referrer", ""),
            answers=cleaned,
            answers_display=answers_display(cleaned, questionnaire),
        )
        submission = Submission(
            questionnaire=questionnaire,
            lead=lead,
            channel=channel,
            language=language,
            answers=cleaned,
            payload=dict(payload),
            status=Submission.Status.PENDING,
            ip_address=ip_address,
            user_agent=user_agent[:300],
            idempotency_key=idempotency_key or None,
        )
        if idempotency_key:
            submission.first_response = _first_response(submission)
        submission.save()
        for purpose, wording in WORDINGS.items():
            crm_services.consent_record(
                contact=person,
                lead=lead,
                purpose=purpose,
                granted=bool(consent.get(purpose)),
                wording_version=wording.version,
                wording=wording.render(language),
                language=language,
                ip_address=ip_address,
                user_agent=user_agent,
                source=consent_source,
            )
        transaction.on_commit(
            partial(submission_send_to_classify, submission_id=submission.pk), robust=True
        )
        return submission

    return _store_once(store, idempotency_key)


def submission_receive_spam(
    *,
    questionnaire: Questionnaire,
    language: str,
    channel: str,
    payload: Mapping[str, Any],
    ip_address: str | None = None,
    user_agent: str = "",
    idempotency_key: str | None = None,
) -> tuple[Submission, bool]:
    """Keep a submission whose honeypot was filled, as ``spam``, for staff to see.

    No contact, lead or consent is created and nothing is sent to be classified; the
    sender gets the same answer as anyone else. Returns ``(submission, created)``.
    """

    @transaction.atomic
    def store() -> Submission:
        answers = payload.get("answers")
        submission = Submission(
            questionnaire=questionnaire,
            lead=None,
            channel=channel,
            language=language,
            answers=answers if isinstance(answers, dict) else {},
            payload=dict(payload),
            status=Submission.Status.SPAM,
            ip_address=ip_address,
            user_agent=user_agent[:300],
            idempotency_key=idempotency_key or None,
        )
        if idempotency_key:
            submission.first_response = _first_response(submission)
        submission.save()
        return submission

    return _store_once(store, idempotency_key)


def submission_send_to_classify(*, submission_id: int) -> bool:
    """Send one submission to the classification task. Never raises.

    On success the submission's ``enqueued_at`` is set. When the broker cannot be
    reached it logs, leaves the submission as it is (pending, so the sweep sends it
    later) and returns ``False``.
    """
    try:
        current_app.send_task(CLASSIFY_TASK, args=[submission_id], retry=False)
    except Exception as exc:
        logger.warning(
            "Could not send submission %s to be classified; it stays pending for the sweep (%s)",
            submission_id,
            exc,
        )
        return False
    now = timezone.now()
    try:
        Submission.objects.filter(pk=submission_id).update(enqueued_at=now, updated_at=now)
    except Exception:
        # Sent all the same: at worst the sweep sends it once more (classifying is idempotent).
        logger.warning("Sent submission %s but could not note it", submission_id, exc_info=True)
    return True


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


# --- Classification: scoring a submission with a ruleset ----------------------------
