"""Reads for the privacy operations (Law 25, CASL), re-exported by ``crm.selectors``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import OPEN_STAGES, Activity, Consent, Contact, Lead, PrivacyRequest


def email_is_erased(email: str) -> bool:
    """Whether ``email`` (any case, any spaces) belongs to a person who was erased and is
    not back: an import must skip it (``crm.erasure_hash``, README "Privacy operations").

    A person who sends the questionnaire again after their erasure gives a new consent
    and becomes a new contact with that address: while that contact exists the address
    is not "erased" (an import then meets a known contact, as for anyone). The hash is
    kept all the same, so that erasing them again, or deleting that contact, restores
    the refusal.
    """
    from .erasure_hash import erasure_digests
    from .models import ErasedEmail
    from .services.base import normalize_email

    email = normalize_email(email)
    if not email or not ErasedEmail.objects.filter(digest__in=erasure_digests(email)).exists():
        return False
    return not Contact.objects.filter(email=email, erased_at__isnull=True).exists()


def emails_erased(emails: Iterable[str]) -> set[str]:
    """Those of ``emails`` (normalized) that :func:`email_is_erased` would refuse, in a few
    queries for a whole batch of an import (500 addresses a query)."""
    from .erasure_hash import erasure_digests
    from .models import ErasedEmail

    digests = {email: erasure_digests(email) for email in set(emails) if email}
    erased: set[str] = set()
    items = list(digests.items())
    for start in range(0, len(items), 500):
        chunk = dict(items[start : start + 500])
        stored = set(
            ErasedEmail.objects.filter(
                digest__in=[d for ds in chunk.values() for d in ds]
            ).values_list("digest", flat=True)
        )
        erased |= {email for email, ds in chunk.items() if stored.intersection(ds)}
    if not erased:
        return erased
    back = set(
        Contact.objects.filter(email__in=list(erased), erased_at__isnull=True).values_list(
            "email", flat=True
        )
    )
    return erased - back


def overdue_privacy_requests(*, now: datetime) -> QuerySet[PrivacyRequest]:
    """Open privacy requests past their due date, the most overdue first."""
    from .choices import OPEN_PRIVACY_STATUSES

    return (
        PrivacyRequest.objects.filter(status__in=OPEN_PRIVACY_STATUSES, due_at__lt=now)
        .select_related("contact")
        .order_by("due_at", "pk")
    )


def lead_has_open_follow_ups(*, lead_ids) -> bool:
    """Whether any of these leads is open with a follow-up date, or has an activity due
    and not done: an erasure asks for confirmation, the retention leaves them alone."""
    lead_ids = list(lead_ids)
    return (
        Lead.objects.filter(
            pk__in=lead_ids, stage__in=OPEN_STAGES, next_follow_up_at__isnull=False
        ).exists()
        or Activity.objects.filter(
            lead_id__in=lead_ids, due_at__isnull=False, done_at__isnull=True
        ).exists()
    )


def contact_consent_history(*, contact_id: int) -> dict[str, Any]:
    """The consent ledger of a person: for each purpose the consent in force (or None)
    and every row, newest first (what the lead page shows)."""
    from .choices import ConsentPurpose
    from .selectors import consent_in_force as _consent_in_force

    rows = list(Consent.objects.filter(contact_id=contact_id).order_by("-created_at", "-pk"))
    return {
        "current": [
            {
                "purpose": purpose,
                "label": label,
                "consent": _consent_in_force(contact_id=contact_id, purpose=purpose),
            }
            for purpose, label in ConsentPurpose.choices
        ],
        "history": rows,
    }


def privacy_handlers() -> QuerySet:
    """Active staff who handle privacy requests (``crm.export_personal_data``: the
    Privacy officer role) and the superusers: told of overdue requests."""
    User = get_user_model()
    held = Q(user_permissions__codename="export_personal_data") | Q(
        groups__permissions__codename="export_personal_data"
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | held)
        .distinct()
        .order_by(User.USERNAME_FIELD)
    )


def privacy_notice_facts() -> dict[str, Any]:
    """What a collection notice says about the crm's side: the person in charge of the
    protection of personal information (``CRM_PRIVACY_OFFICER``, empty: the head of the
    practice, as Law 25 s. 3.1 has it by default) and how long things are kept."""
    from .app_settings import app_settings

    return {
        "officer": app_settings.PRIVACY_OFFICER,
        "inactive_months": app_settings.RETENTION_INACTIVE_LEAD_MONTHS,
        "evidence_years": app_settings.RETENTION_CONSENT_EVIDENCE_YEARS,
    }
