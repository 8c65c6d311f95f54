"""Privacy requests filed by staff or the staff API, and carried out (fulfilled).

Due dates: Law 25 gives 30 days (``CRM_PRIVACY_REQUEST_DUE_DAYS``) to answer a request;
CASL gives 10 business days to give effect to an unsubscribe (``crm.business_days``:
Québec's statutory holidays are not business days), so a withdrawal is due then, at the
end of that day (it takes effect at once anyway).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..app_settings import app_settings
from ..business_days import add_business_days
from ..choices import OPEN_PRIVACY_STATUSES, ConsentPurpose
from ..models import Contact, PrivacyExport, PrivacyRequest
from .base import normalize_email
from .erasure import ERASE_PERMISSION, AlreadyErased, person_erase
from .privacy_export import EXPORT_PERMISSION, person_export

#: CASL s. 11(3): an unsubscribe takes effect within 10 business days.
WITHDRAWAL_BUSINESS_DAYS = 10
#: What a withdrawal recorded by staff says, as the ledger keeps it.
STAFF_WITHDRAWAL_VERSION = "staff-withdrawal-2026-12"


def privacy_request_due_at(kind: str, received_at: datetime) -> datetime:
    """When a request of ``kind`` received at ``received_at`` must be answered."""
    if kind == PrivacyRequest.Kind.CONSENT_WITHDRAWAL:
        local = timezone.localtime(received_at)
        day = add_business_days(local.date(), WITHDRAWAL_BUSINESS_DAYS)
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)), local.tzinfo)
    return received_at + timedelta(days=app_settings.PRIVACY_REQUEST_DUE_DAYS)


class RequestClosed(Exception):
    """The request is handled or refused already."""


def _staff(by):
    return by if by is not None and getattr(by, "pk", None) else None


def _require(by, permission: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(
            gettext("You may not do this: it needs the %(perm)s permission.") % {"perm": permission}
        )


@transaction.atomic
def privacy_request_file(
    *,
    kind: str,
    email: str,
    note: str = "",
    by: AbstractBaseUser | None,
    channel: str = "staff",
    language: str | None = None,
) -> PrivacyRequest:
    """File a request a person made by e-mail, phone or letter, typed in by staff (or
    sent through the staff API). The address finds the person; an address nobody has
    gives a request already done that says nothing is kept. A withdrawal is recorded at
    once (CASL: it takes effect at once) and the request closed. A request of a kind
    still open for the person is that one (asking twice is one request)."""
    from .privacy import privacy_request_open

    kind = PrivacyRequest.Kind(kind)
    email = normalize_email(email)
    note = (note or "").strip()[:5000]
    now = timezone.now()
    details = {"email": email, "note": note, "channel": channel}
    contact = Contact.objects.filter(email=email, erased_at__isnull=True).first()
    if contact is None:
        return PrivacyRequest.objects.create(
            kind=kind,
            status=PrivacyRequest.Status.DONE,
            language=language if language in ("fr", "en") else "fr",
            received_at=now,
            due_at=privacy_request_due_at(kind, now),
            details=details,
            handled_by=_staff(by),
            handled_at=now,
            resolution=gettext("Nothing is kept about this address."),
        )
    lead_id = contact.leads.order_by("-created_at", "-pk").values_list("pk", flat=True).first()
    request, _created = privacy_request_open(
        contact_id=contact.pk,
        kind=kind,
        lead_id=lead_id,
        details=details,
        language=language or contact.language,
        at=now,
    )
    if kind == PrivacyRequest.Kind.CONSENT_WITHDRAWAL and request.is_open:
        request = privacy_request_fulfil(privacy_request=request, by=by)
    return request


@transaction.atomic
def privacy_request_fulfil(
    *,
    privacy_request: PrivacyRequest,
    by: AbstractBaseUser | None,
    confirm: bool = False,
    resolution: str = "",
    fmt: str = PrivacyExport.Format.JSON,
    reason: str = "",
) -> PrivacyRequest:
    """Carry the request out and close it (``done``), recording who and when.

    - access, portability: the person's export (``person_export``), kept for the API;
      needs ``crm.export_personal_data``;
    - erasure: the anonymisation (``person_erase``; ``confirm`` to go ahead despite open
      follow-ups); needs ``crm.erase_personal_data``; a person erased before raises
      :class:`AlreadyErased`;
    - consent withdrawal: the marketing consent withdrawn now (a ledger row);
    - review, rectification: done by a person in the admin; ``resolution`` says how.

    A request with no person (an unknown address) is closed saying nothing is kept.
    Raises :class:`RequestClosed` for a request handled or refused already.
    """
    from .consents import consent_withdraw

    stored = PrivacyRequest.objects.select_for_update().get(pk=privacy_request.pk)
    if stored.status not in OPEN_PRIVACY_STATUSES:
        raise RequestClosed
    kind = stored.kind
    resolution = (resolution or "").strip()
    if stored.contact_id is None:
        text = gettext("Nothing is kept about this address.")
    elif kind in (PrivacyRequest.Kind.ACCESS, PrivacyRequest.Kind.PORTABILITY):
        _require(by, EXPORT_PERMISSION)
        person_export(
            contact_id=stored.contact_id,
            by=by,
            reason=reason or gettext("Privacy request #%(id)s") % {"id": stored.pk},
            fmt=fmt,
            privacy_request=stored,
            language=stored.language,
        )
        text = gettext("The person's data was exported.")
    elif kind == PrivacyRequest.Kind.ERASURE:
        _require(by, ERASE_PERMISSION)
        if Contact.objects.filter(pk=stored.contact_id, erased_at__isnull=False).exists():
            raise AlreadyErased
        person_erase(
            contact_id=stored.contact_id,
            by=by,
            confirm_open_follow_ups=confirm,
            privacy_request=stored,
        )
        text = gettext("The person's information was erased (anonymised).")
    elif kind == PrivacyRequest.Kind.CONSENT_WITHDRAWAL:
        consent_withdraw(
            contact_id=stored.contact_id,
            purpose=ConsentPurpose.MARKETING,
            wording=gettext("Withdrawal of the marketing consent, on request #%(id)s.")
            % {"id": stored.pk},
            wording_version=STAFF_WITHDRAWAL_VERSION,
            language=stored.language,
            source=f"privacy request #{stored.pk}",
            privacy_request_id=stored.pk,
        )
        text = gettext("The marketing consent is withdrawn.")
    else:
        if not resolution:
            raise ValueError(gettext("Say how the request was handled."))
        text = ""
    now = timezone.now()
    PrivacyRequest.objects.filter(pk=stored.pk).update(
        status=PrivacyRequest.Status.DONE,
        handled_by=_staff(by),
        handled_at=now,
        resolution="\n".join(part for part in (text, resolution) if part),
        updated_at=now,
    )
    return PrivacyRequest.objects.get(pk=stored.pk)
