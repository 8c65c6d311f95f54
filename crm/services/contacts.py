"""Contacts, their companies and the evidence of their consents."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.db import transaction
from django.utils import timezone

from ..choices import ConsentPurpose
from ..models import Company, Consent, Contact, Lead
from .base import normalize_email


class ContactDetails(TypedDict, total=False):
    """What a person says about themselves, apart from the e-mail that identifies them."""

    first_name: str
    last_name: str
    phone: str
    job_title: str
    language: str


def contact_find_or_create(
    *,
    email: str,
    company_name: str,
    company_website: str = "",
    savepoint: bool = True,
    **details: Unpack[ContactDetails],
) -> tuple[Contact, bool]:
    """The contact with this e-mail (normalized), or a new one with its company.

    Returns ``(contact, created)``. An existing contact is returned as it is stored,
    whatever details are given: a post proves nothing about who sent it, so it never
    replaces what a known person gave before (issue 10). The caller proposes the
    differences to staff instead (:func:`lead_propose_changes`). ``savepoint=False``,
    for a caller that runs it inside its own transaction and retries that whole: no
    savepoint of its own (two statements fewer), an error spoils the caller's
    transaction.
    """
    email = normalize_email(email)
    with transaction.atomic(savepoint=savepoint):
        contact = (
            Contact.objects.select_for_update()
            .select_related("company")
            .filter(email=email)
            .first()
        )
        if contact is not None:
            return contact, False
        company = Company.objects.create(name=company_name, website=company_website)
        return Contact.objects.create(email=email, company=company, **details), True


#: Purposes whose grant counts only once confirmed from the person's mailbox (double
#: opt-in), even for a first-time prospect.
DOUBLE_OPT_IN = (ConsentPurpose.MARKETING,)


def consent_counts_from(
    at: datetime,
    *,
    purpose: str,
    granted: bool,
    confirmed: bool = True,
    needs_confirmation: Collection[str] = DOUBLE_OPT_IN,
) -> datetime | None:
    """The ``confirmed_at`` of a consent given at ``at``: ``at`` when it counts at once,
    None while it waits for the person's confirmation. A refusal counts at once, whoever
    sent it (never contacting someone is safe); a grant counts at once only when given by
    a first-time prospect (``confirmed``) for a purpose outside ``needs_confirmation``."""
    if not granted or (confirmed and purpose not in needs_confirmation):
        return at
    return None


def consents_record(
    *,
    contact: Contact,
    lead: Lead | None,
    given: Mapping[str, Mapping[str, Any]],
    language: str,
    ip_address: str | None = None,
    user_agent: str = "",
    source: str = "",
    given_at: datetime | None = None,
    confirmed: bool = True,
    needs_confirmation: Collection[str] = (),
) -> list[Consent]:
    """Keep the evidence of several consents given at once, in one insert: ``given`` maps
    each purpose to its ``granted``, ``wording_version`` and ``wording`` (as shown).

    ``confirmed=False`` for consents that may not count yet: given in a post for an
    address already known, which proves nothing about who sent it. A grant is then kept
    as evidence with no ``confirmed_at`` and changes nothing in force
    (:func:`crm.selectors.consent_in_force`); a refusal counts at once (CASL: a
    withdrawal is honoured; turning a consent off can wrong nobody).
    ``needs_confirmation`` names purposes whose grant waits for confirmation even when
    ``confirmed`` (double opt-in: marketing, confirmed from the e-mail's link with
    :func:`consents_confirm`).
    """
    at = given_at or timezone.now()
    return Consent.objects.bulk_create(
        Consent(
            created_at=at,
            updated_at=at,
            contact=contact,
            lead=lead,
            purpose=purpose,
            granted=bool(consent["granted"]),
            wording_version=consent["wording_version"],
            wording=consent["wording"],
            language=language,
            ip_address=ip_address,
            user_agent=user_agent[:300],
            source=source[:300],
            confirmed_at=consent_counts_from(
                at,
                purpose=purpose,
                granted=consent["granted"],
                confirmed=confirmed,
                needs_confirmation=needs_confirmation,
            ),
        )
        for purpose, consent in given.items()
    )


@transaction.atomic
def contact_update(*, contact: Contact, email: str, **details: Unpack[ContactDetails]) -> Contact:
    """Correct a contact's e-mail (stored normalized) and the details given."""
    contact.email = normalize_email(email)
    for name, value in details.items():
        setattr(contact, name, value)
    contact.save()
    return contact


@transaction.atomic
def company_update(*, company: Company, name: str, website: str = "") -> Company:
    """Correct a company's name or web site."""
    company.name = name
    company.website = website
    company.save(update_fields=["name", "website", "updated_at"])
    return company
