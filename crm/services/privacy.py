"""The register of privacy requests, and what a prospect does themselves, in the history.

A person asks (their private page: a review of the automated recommendation, erasure);
staff handle the request in the admin's queue; the answer goes back to the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..choices import OPEN_PRIVACY_STATUSES, ProspectAction
from ..models import Contact, Lead, LeadEvent, PrivacyRequest
from .privacy_fulfil import privacy_request_due_at

#: The history line each kind of request leaves on the lead when it comes in.
_ACTION_OF_KIND = {
    PrivacyRequest.Kind.REVIEW: ProspectAction.REVIEW_REQUESTED,
    PrivacyRequest.Kind.ERASURE: ProspectAction.ERASURE_REQUESTED,
}


def prospect_action_record(
    *, lead_id: int | None, action: str, note: str = "", at: datetime | None = None
) -> LeadEvent | None:
    """Write in the lead's history that the prospect did ``action`` (a
    :class:`crm.choices.ProspectAction`) themselves, and when. None without a lead."""
    if lead_id is None or not Lead.objects.filter(pk=lead_id).exists():
        return None
    return LeadEvent.objects.create(
        lead_id=lead_id,
        kind=LeadEvent.Kind.PROSPECT,
        to_value=ProspectAction(action).value,
        note=note[:2000],
        created_at=at or timezone.now(),
    )


def privacy_request_open(
    *,
    contact_id: int,
    kind: str,
    lead_id: int | None = None,
    details: Mapping[str, Any] | None = None,
    language: str = "fr",
    at: datetime | None = None,
) -> tuple[PrivacyRequest | None, bool]:
    """File a person's request in the queue, due ``CRM_PRIVACY_REQUEST_DUE_DAYS`` after
    it came in (a withdrawal: 10 business days, ``privacy_request_due_at``); the lead's
    history notes it.

    Returns ``(request, created)``: with a request of this kind still open for the
    person, that one and False (nothing is created: asking twice is one request). A
    contact that is gone gives ``(None, False)``.
    """
    kind = PrivacyRequest.Kind(kind)
    now = at or timezone.now()
    try:
        with transaction.atomic():
            # The person's row is the lock: two requests at once file one.
            if not Contact.objects.select_for_update().filter(pk=contact_id).exists():
                return None, False
            existing = _open_request(contact_id, kind)
            if existing is not None:
                return existing, False
            request = PrivacyRequest.objects.create(
                kind=kind,
                contact_id=contact_id,
                lead_id=lead_id,
                language=language if language in ("fr", "en") else "fr",
                received_at=now,
                due_at=privacy_request_due_at(kind, now),
                details=dict(details or {}),
                created_at=now,
            )
            if kind in _ACTION_OF_KIND:
                prospect_action_record(
                    lead_id=lead_id, action=_ACTION_OF_KIND[kind], note=f"#{request.pk}", at=now
                )
            return request, True
    except IntegrityError:
        # The one-open-per-kind constraint: another request won the race.
        existing = _open_request(contact_id, kind)
        if existing is None:
            raise
        return existing, False


def _open_request(contact_id: int, kind: str) -> PrivacyRequest | None:
    return PrivacyRequest.objects.filter(
        contact_id=contact_id, kind=kind, status__in=OPEN_PRIVACY_STATUSES
    ).first()


@transaction.atomic
def privacy_request_handle(
    *,
    privacy_request: PrivacyRequest,
    status: str,
    resolution: str = "",
    by: AbstractBaseUser | None,
) -> PrivacyRequest:
    """Staff move a request along: in progress, handled or refused, with their notes.

    Closing it (handled or refused) records who and when; closing a review with notes
    sends ``crm.signals.privacy_request_answered`` so that the answer is e-mailed to the
    person (once: ``answer_sent_at``). Reopening clears who closed it.
    """
    stored = PrivacyRequest.objects.select_for_update().get(pk=privacy_request.pk)
    status = PrivacyRequest.Status(status)
    was_open = stored.is_open
    stored.status = status
    stored.resolution = resolution or ""
    if status in OPEN_PRIVACY_STATUSES:
        stored.handled_by = None
        stored.handled_at = None
    elif was_open or stored.handled_at is None:
        stored.handled_by = by if by is not None and by.pk else None
        stored.handled_at = timezone.now()
    stored.save()
    if (
        not stored.is_open
        and stored.resolution.strip()
        and stored.answer_sent_at is None
        and stored.kind == PrivacyRequest.Kind.REVIEW
    ):
        from ..signals import privacy_request_answered

        privacy_request_answered.send(sender=PrivacyRequest, privacy_request=stored)
    return stored


def privacy_request_claim_answer(*, request_id: int) -> PrivacyRequest | None:
    """Note that the answer to this request is being e-mailed now, once: the request
    (with its contact) when this call claimed it, None when it was claimed before, is
    gone or has no contact left. Claimed in one statement before sending, so that two
    runs never send it twice (a sender that then fails calls
    :func:`privacy_request_release_answer`)."""
    claimed = PrivacyRequest.objects.filter(
        pk=request_id, answer_sent_at__isnull=True, contact__isnull=False
    ).update(answer_sent_at=timezone.now(), updated_at=timezone.now())
    if not claimed:
        return None
    return PrivacyRequest.objects.select_related("contact").get(pk=request_id)


def privacy_request_release_answer(*, request_id: int) -> None:
    """The answer could not be sent after all: another run may send it."""
    PrivacyRequest.objects.filter(pk=request_id).update(answer_sent_at=None)


#: What a prospect may correct of their own details from a verified link.
_CONTACT_FIELDS = ("first_name", "last_name", "phone", "job_title", "language")
_COMPANY_FIELDS = ("name", "website")


@transaction.atomic
def lead_correct_by_prospect(
    *,
    lead_id: int,
    contact: Mapping[str, str],
    company: Mapping[str, str],
    answers: Mapping[str, Any],
    answers_display: list,
    reference: str = "",
    at: datetime | None = None,
) -> Lead | None:
    """The person corrected their own details and answers from their private page's
    link (a verified post: the link was sent to their address): they replace what is
    stored, as given (a blank optional detail clears it). The history notes it. The
    caller brings the result computed from the new answers onto the lead. None if the
    lead is gone."""
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact__company")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        return None
    person, firm = lead.contact, lead.contact.company
    for name in _CONTACT_FIELDS:
        if name in contact:
            setattr(person, name, contact[name] or "")
    person.full_clean(validate_unique=False, validate_constraints=False)
    person.save(update_fields=[*_CONTACT_FIELDS, "updated_at"])
    for name in _COMPANY_FIELDS:
        if name in company and (company[name] or name != "name"):
            setattr(firm, name, company[name] or "")
    firm.full_clean(validate_unique=False, validate_constraints=False)
    firm.save(update_fields=[*_COMPANY_FIELDS, "updated_at"])
    lead.answers = dict(answers)
    lead.answers_display = list(answers_display)
    lead.save(update_fields=["answers", "answers_display", "updated_at"])
    prospect_action_record(
        lead_id=lead.pk, action=ProspectAction.ANSWERS_CORRECTED, note=reference, at=at
    )
    return lead
