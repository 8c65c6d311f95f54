"""A consent confirmed from the person's mailbox (double opt-in), or withdrawn by them.

A consent that may not count yet (marketing, or any consent given in a post for an
address already known) is kept with no ``confirmed_at`` (``consents_record``); the
e-mail sent to the address carries a link that confirms it. A withdrawal counts at once.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..choices import ProspectAction
from ..models import Consent, Contact, Lead, PrivacyRequest
from .base import normalize_email
from .privacy import prospect_action_record
from .privacy_fulfil import privacy_request_due_at


class Confirmation(enum.Enum):
    """What became of a confirmation link."""

    CONFIRMED = "confirmed"
    #: Every consent of the link counts already: a second click changes nothing.
    ALREADY_CONFIRMED = "already_confirmed"
    #: The link's consents belong to another address than the one it was sent to.
    OTHER_ADDRESS = "other_address"
    #: The person withdrew that consent after giving it: the old grant cannot count.
    WITHDRAWN_SINCE = "withdrawn_since"
    #: No such consent (erased, or never there).
    NOT_FOUND = "not_found"


def consents_confirm(*, consent_ids: Iterable[int], email: str) -> Confirmation:
    """Make the given consents count, as confirmed now from ``email``'s mailbox.

    Every consent must belong to the contact with that address (else nothing changes:
    ``OTHER_ADDRESS``). A grant given before a withdrawal that counts is not revived
    (``WITHDRAWN_SINCE``). The record keeps both dates: given (``created_at``) and
    confirmed (``confirmed_at``); the lead's history notes the confirmation.
    """
    email = normalize_email(email)
    ids = sorted({int(pk) for pk in consent_ids})
    with transaction.atomic():
        consents = list(
            Consent.objects.select_for_update(of=("self",))
            .select_related("contact")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if not consents or len(consents) != len(ids):
            return Confirmation.NOT_FOUND
        if any(consent.contact.email != email for consent in consents):
            return Confirmation.OTHER_ADDRESS
        waiting = [c for c in consents if c.granted and c.confirmed_at is None]
        if not waiting:
            return Confirmation.ALREADY_CONFIRMED
        confirmable = [c for c in waiting if not _withdrawn_since(c)]
        if not confirmable:
            return Confirmation.WITHDRAWN_SINCE
        now = timezone.now()
        Consent.objects.filter(pk__in=[c.pk for c in confirmable]).update(
            confirmed_at=now, updated_at=now
        )
        for lead_id in sorted({c.lead_id for c in confirmable if c.lead_id}):
            prospect_action_record(
                lead_id=lead_id,
                action=ProspectAction.CONSENT_CONFIRMED,
                note=", ".join(sorted({c.purpose for c in confirmable})),
                at=now,
            )
        return Confirmation.CONFIRMED


def _withdrawn_since(consent: Consent) -> bool:
    return Consent.objects.filter(
        contact_id=consent.contact_id,
        purpose=consent.purpose,
        granted=False,
        confirmed_at__gt=consent.created_at,
    ).exists()


def consent_withdraw(
    *,
    contact_id: int,
    purpose: str,
    wording: str,
    wording_version: str,
    language: str,
    source: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
    privacy_request_id: int | None = None,
) -> Consent | None:
    """Record that the person withdrew their consent for ``purpose``; it counts at once.

    Idempotent: when a withdrawal already counts and no grant is waiting for
    confirmation since, nothing is recorded (None). Otherwise a refusal, confirmed now,
    with the wording of the act (e.g. the one-click unsubscribe), noted in the history
    of the person's latest lead. None also when the contact is gone.

    Every withdrawal is logged with its request in the privacy register: the one
    given (``privacy_request_id``, staff and API), else a withdrawal request filed and
    closed at once (the private page, the one-click link).
    """
    from ..selectors import consent_in_force

    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            return None
        in_force = consent_in_force(contact_id=contact_id, purpose=purpose)
        if in_force is not None and not in_force.granted:
            waiting = Consent.objects.filter(
                contact_id=contact_id,
                purpose=purpose,
                granted=True,
                confirmed_at__isnull=True,
                created_at__gt=in_force.confirmed_at,
            ).exists()
            if not waiting:
                return None
        now = timezone.now()
        lead_id = (
            Lead.objects.filter(contact_id=contact_id)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        consent = Consent.objects.create(
            contact=contact,
            lead_id=lead_id,
            purpose=purpose,
            granted=False,
            wording_version=wording_version,
            wording=wording,
            language=language if language in ("fr", "en") else "fr",
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300],
            source=(source or "")[:300],
            created_at=now,
            confirmed_at=now,
        )
        prospect_action_record(
            lead_id=lead_id, action=ProspectAction.CONSENT_WITHDRAWN, note=purpose, at=now
        )
        if privacy_request_id is None:
            PrivacyRequest.objects.create(
                kind=PrivacyRequest.Kind.CONSENT_WITHDRAWAL,
                status=PrivacyRequest.Status.DONE,
                contact=contact,
                lead_id=lead_id,
                language=consent.language,
                received_at=now,
                due_at=privacy_request_due_at(PrivacyRequest.Kind.CONSENT_WITHDRAWAL, now),
                handled_at=now,
                details={"purpose": purpose, "source": consent.source},
                resolution=f"consent #{consent.pk}",
            )
        return consent
