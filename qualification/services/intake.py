"""Storing what a prospect posted: one insert, then it is sent to be classified.

The web form and the API both call :func:`submission_intake`; views do only HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import (
    transaction,
)
from django.utils import timezone

from crm.text import cleaned, repaired, without_control_characters

from ..app_settings import app_settings
from ..consent import WORDINGS
from ..idempotency import IdempotencyKey, IdempotencyKeyReused, for_request, remembered_since
from ..intake import clean_answers, honeypot_filled
from ..models import Classification, Questionnaire, Submission
from ..selectors import (
    submission_by_idempotency_key,
)
from . import sending
from .base import retrying_races

logger = logging.getLogger(__name__)


def submission_receipt(*, submission: Submission) -> dict[str, Any]:
    """The body of the ``202`` answer. Spam gets the very same one."""
    return {"id": str(submission.public_id), "status": Submission.Status.PENDING.value}


def _first_response(submission: Submission) -> dict[str, Any]:
    return {"status_code": 202, "body": submission_receipt(submission=submission)}


def _store_once(
    store: Callable[[], Submission], idempotency: IdempotencyKey | None
) -> tuple[Submission, bool]:
    """Run ``store`` (one transaction), or return the submission this client already
    stored with this key (raising IdempotencyKeyReused when it came with another body)."""

    def attempt() -> tuple[Submission, bool]:
        if idempotency is not None:
            first = submission_by_idempotency_key(key=idempotency.key, scope=idempotency.scope)
            if first is not None:
                if first.idempotency_fingerprint != idempotency.fingerprint:
                    raise IdempotencyKeyReused(idempotency.key)
                return first, False
        return store(), True

    return retrying_races(attempt, "Submission store")


def _forget_expired_key(idempotency: IdempotencyKey) -> None:
    """Free this client's key if it was last used longer ago than keys are remembered
    (run inside the storing transaction, before the insert that takes the key)."""
    Submission.objects.filter(
        idempotency_scope=idempotency.scope,
        idempotency_key=idempotency.key,
        created_at__lt=remembered_since(),
    ).update(idempotency_key=None)


def _take_key(submission: Submission, idempotency: IdempotencyKey | None) -> None:
    if idempotency is None:
        return
    submission.idempotency_key = idempotency.key
    submission.idempotency_scope = idempotency.scope
    submission.idempotency_fingerprint = idempotency.fingerprint
    submission.first_response = _first_response(submission)


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
    idempotency: IdempotencyKey | None = None,
    verified_contact: tuple[int, str] | None = None,
) -> tuple[Submission, bool]:
    """Store a validated submission, ``pending``, then send it to be classified.

    ``verified_contact`` is ``(contact id, address)`` of a signed private-page link the
    post came with (a correction, checked by the caller): the worker then files it as
    the person's own correction (:func:`submission_file_lead`). Only the web form's
    correction passes it; a post never sets it itself.

    The durable part is one insert in one transaction: the submission with its answers
    and, in ``details``, the validated contact, company, consent and source. Once it
    has committed the task is sent; the worker then files it under its contact and
    lead (:func:`submission_file_lead`) and classifies it. If the send fails the
    submission stays pending for the sweep. Returns ``(submission, created)``: with a key
    this client already used for the same body, the first submission and ``False``
    (:mod:`qualification.idempotency`; another body raises IdempotencyKeyReused).

    Decision (issue 6): the contact, lead and consent rows are written by the worker,
    not here, so that the answer to the prospect costs one insert; the submission row
    holds everything needed to write them, so nothing is lost if the worker is late.
    """
    cleaned = clean_answers(answers, questionnaire)
    details = {
        "contact": {
            "email": contact["email"],
            "first_name": contact["first_name"],
            "last_name": contact.get("last_name", ""),
            "phone": contact.get("phone", ""),
            "job_title": contact.get("job_title", ""),
        },
        "company": {"name": company["name"], "website": company.get("website", "")},
        # Each consent as given: the answer and the exact wording the prospect saw.
        "consent": {
            purpose: {
                "granted": bool(consent.get(purpose)),
                "wording_version": wording.version,
                "wording": wording.render(language),
            }
            for purpose, wording in WORDINGS.items()
        },
        "consent_source": without_control_characters(repaired(consent_source))[:300],
        "source": {
            key: source.get(key, "")
            for key in ("utm_source", "utm_medium", "utm_campaign", "referrer")
        },
    }
    if verified_contact is not None:
        details["verified_by_link"] = {
            "contact_id": verified_contact[0],
            "email": verified_contact[1],
        }

    def store() -> Submission:
        now = timezone.now()
        submission = Submission(
            questionnaire=questionnaire,
            channel=channel,
            language=language,
            answers=cleaned,
            payload=dict(payload),
            details=details,
            status=Submission.Status.PENDING,
            # Sent as soon as this commits; a failed send clears it for the sweep.
            enqueued_at=now,
            created_at=now,
            updated_at=now,
            ip_address=ip_address,
            user_agent=without_control_characters(user_agent, allowed=frozenset())[:300],
        )
        _take_key(submission, idempotency)
        with transaction.atomic():
            if idempotency is not None:
                _forget_expired_key(idempotency)
            submission.save(force_insert=True)
            transaction.on_commit(
                partial(
                    sending.submission_send_to_classify, submission_id=submission.pk, noted=True
                ),
                robust=True,
            )
        return submission

    return _store_once(store, idempotency)


def submission_receive_spam(
    *,
    questionnaire: Questionnaire,
    language: str,
    channel: str,
    payload: Mapping[str, Any],
    ip_address: str | None = None,
    user_agent: str = "",
) -> Submission:
    """Keep a submission whose honeypot was filled, as ``spam``, for staff to see.

    Only a bounded excerpt of what was posted is kept (``QUALIFICATION_SPAM_EXCERPT_CHARS``,
    control characters removed), and :func:`submissions_purge` deletes it after
    ``QUALIFICATION_SPAM_RETENTION_DAYS``. No contact, lead or consent is created,
    nothing is sent to be classified, and it takes no idempotency key (a real post with
    the same key is not lost behind it); the sender gets the same answer as anyone else.
    """
    submission = Submission(
        questionnaire=questionnaire,
        lead=None,
        channel=channel,
        language=language,
        answers={},
        payload=spam_excerpt(payload),
        status=Submission.Status.SPAM,
        ip_address=ip_address,
        user_agent=without_control_characters(user_agent[:300], allowed=frozenset()),
    )
    submission.save(force_insert=True)
    return submission


def spam_excerpt(payload: Any) -> dict[str, Any]:
    """What is kept of a spam post: its JSON text, cut to ``SPAM_EXCERPT_CHARS``, with
    control characters and anything that cannot be stored removed."""
    limit = app_settings.SPAM_EXCERPT_CHARS
    text = json.dumps(cleaned(payload), ensure_ascii=False, default=str)
    return {"excerpt": text[:limit], "truncated": len(text) > limit, "length": len(text)}


def submissions_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete spam older than ``QUALIFICATION_SPAM_RETENTION_DAYS`` and forget idempotency
    keys older than their lifetime. Returns how many of each."""
    now = now or timezone.now()
    spam_cutoff = now - timedelta(days=app_settings.SPAM_RETENTION_DAYS)
    spam, _by_model = Submission.objects.filter(
        status=Submission.Status.SPAM, created_at__lt=spam_cutoff
    ).delete()
    keys = Submission.objects.filter(
        idempotency_key__isnull=False, created_at__lt=remembered_since(now)
    ).update(idempotency_key=None, first_response=None)
    if spam or keys:
        logger.info("Purged %s spam submission(s), forgot %s idempotency key(s)", spam, keys)
    return {"spam": spam, "keys": keys}


@dataclass(frozen=True)
class IntakeResult:
    """What became of a post: stored (``created``), the first answer replayed, spam kept
    apart, or refused (``errors`` for a 400, ``key_reused`` for a 422)."""

    submission: Submission | None = None
    created: bool = False
    spam: bool = False
    errors: Mapping[str, Any] | None = None
    key_reused: bool = False


def submission_intake(
    *,
    questionnaire: Questionnaire,
    language: str,
    channel: str,
    payload: Any,
    validate: Callable[[], tuple[Mapping[str, Any] | None, Mapping[str, Any]]],
    client: str,
    ip_address: str | None = None,
    user_agent: str = "",
    consent_source: str = "",
    idempotency_key: str | None = None,
    fingerprint_of: Any = None,
    key_reuse_makes_a_new_submission: bool = False,
    verified_contact: tuple[int, str] | None = None,
) -> IntakeResult:
    """Take a post from the web form or the API, the same way for both.

    In order: a key this ``client`` already used replays the first submission (the same
    body, by ``fingerprint_of``, default the payload) or is refused (another body; the
    web form, whose blank page carries the key, stores a new submission instead when
    ``key_reuse_makes_a_new_submission``: the browser's back button); a filled honeypot
    is kept as spam, taking no key; ``validate()`` gives ``(data, errors)``; valid data
    is stored with :func:`submission_receive`. See :mod:`qualification.idempotency`.
    """
    key_use = for_request(
        key=idempotency_key,
        client=client,
        body=payload if fingerprint_of is None else fingerprint_of,
    )
    if key_use is not None:
        first = submission_by_idempotency_key(key=key_use.key, scope=key_use.scope)
        if first is not None:
            if first.idempotency_fingerprint == key_use.fingerprint:
                return IntakeResult(submission=first)
            if not key_reuse_makes_a_new_submission:
                return IntakeResult(key_reused=True)
            key_use = None
    if honeypot_filled(payload):
        spam = submission_receive_spam(
            questionnaire=questionnaire,
            language=language,
            channel=channel,
            payload=payload,
            ip_address=ip_address,
            user_agent=user_agent,
        )
        return IntakeResult(submission=spam, spam=True)
    data, errors = validate()
    if data is None:
        return IntakeResult(errors=errors)
    receive = partial(
        submission_receive,
        questionnaire=questionnaire,
        language=language,
        contact=data["contact"],
        company=data["company"],
        answers=data["answers"],
        consent=data["consent"],
        source=data["source"],
        channel=channel,
        payload=payload,
        ip_address=ip_address,
        user_agent=user_agent,
        consent_source=consent_source,
        verified_contact=verified_contact,
    )
    try:
        submission, created = receive(idempotency=key_use)
    except IdempotencyKeyReused:
        # Another post with this key and another body won the race for it.
        if not key_reuse_makes_a_new_submission:
            return IntakeResult(key_reused=True)
        submission, created = receive(idempotency=None)
    return IntakeResult(submission=submission, created=created)


@transaction.atomic
def submissions_backdate(*, lead_id: int, created_at: datetime, classified_at: datetime) -> None:
    """Move a lead's submissions and their classifications back in time, with the lead
    (``crm.services.lead_backdate``): for leads from the past (imports, demo data)."""
    Submission.objects.filter(lead_id=lead_id).update(
        created_at=created_at, classified_at=classified_at
    )
    Classification.objects.filter(submission__lead_id=lead_id).update(created_at=classified_at)
