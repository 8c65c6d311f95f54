"""First-time prospects filed many at once (the classification worker's batches).

:func:`contact_find_or_create`, :func:`lead_open_or_attach` and :func:`consents_record`
file one prospect in about ten statements. A burst of posts from people never seen
before needs the same rows for each, and nothing else: :func:`leads_bulk_open_new`
writes them for a whole batch in one statement per table (``bulk_create``, the
database giving each row its id: ``RETURNING`` on PostgreSQL and on SQLite 3.35 or
later, which Django requires for SQLite anyway; ``tests/crm/test_filing.py`` checks
the ids on both). An address already known is never touched here: the caller files
that post one by one, as a returning prospect's (proposals, unconfirmed consents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from ..models import Company, Consent, Contact, Lead, LeadEvent, LeadSource
from ..models_webhooks import WebhookEventType
from .base import normalize_email
from .contacts import consent_counts_from
from .webhooks import webhook_lead_event


@dataclass(frozen=True)
class NewProspect:
    """What one first-time prospect's post gives, as the filing of one post takes it."""

    email: str
    company_name: str
    language: str
    at: datetime  # when the prospect wrote: the lead's and the consents' time
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    job_title: str = ""
    company_website: str = ""
    source: str = LeadSource.WEB_FORM
    utm: Mapping[str, str] = field(default_factory=dict)
    referrer: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)
    answers_display: Sequence[Any] = ()
    #: purpose -> {"granted", "wording_version", "wording"}, as :func:`consents_record`.
    consents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ip_address: str | None = None
    user_agent: str = ""
    consent_source: str = ""


@dataclass(frozen=True)
class Filed:
    contact_id: int
    lead_id: int


def leads_bulk_open_new(*, prospects: Sequence[NewProspect]) -> dict[str, Filed]:
    """File first-time prospects: for each, its company, contact, open lead (with the
    "created" history line and a ``lead.created`` webhook event) and its consents,
    which count (confirmed when given), as for a first post filed alone.

    Returns normalized e-mail -> the new contact's and lead's ids. An e-mail already
    known is left out of the result and nothing is written for it: the caller files
    that post as a returning prospect's. Each e-mail may appear once (``ValueError``
    otherwise: the second post of a new person is a returning one, filed after the
    first). A race with another writer on a new e-mail raises ``IntegrityError`` from
    the unique e-mail, rolling back the caller's transaction, which it retries.
    """
    emails = [normalize_email(p.email) for p in prospects]
    if len(set(emails)) != len(emails):
        raise ValueError("Each e-mail may be filed once per call.")
    if not prospects:
        return {}
    with transaction.atomic(savepoint=False):
        known = set(Contact.objects.filter(email__in=emails).values_list("email", flat=True))
        new = [(email, p) for email, p in zip(emails, prospects, strict=True) if email not in known]
        if not new:
            return {}
        companies = Company.objects.bulk_create(
            [Company(name=p.company_name, website=p.company_website) for _e, p in new]
        )
        contacts = Contact.objects.bulk_create(
            [
                Contact(
                    email=email,
                    company=company,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    phone=p.phone,
                    job_title=p.job_title,
                    language=p.language,
                )
                for (email, p), company in zip(new, companies, strict=True)
            ]
        )
        leads = Lead.objects.bulk_create(
            [
                Lead(
                    contact=contact,
                    company=contact.company,
                    language=p.language,
                    source=p.source,
                    utm_source=p.utm.get("utm_source", "")[:200],
                    utm_medium=p.utm.get("utm_medium", "")[:200],
                    utm_campaign=p.utm.get("utm_campaign", "")[:200],
                    referrer=p.referrer[:500],
                    answers=dict(p.answers),
                    answers_display=list(p.answers_display),
                    created_at=p.at,
                )
                for (_email, p), contact in zip(new, contacts, strict=True)
            ]
        )
        if any(lead.pk is None for lead in leads):  # a backend without RETURNING
            raise RuntimeError("The database did not return the ids of the new rows.")
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=lead, kind=LeadEvent.Kind.CREATED, created_at=p.at)
            for (_email, p), lead in zip(new, leads, strict=True)
        )
        Consent.objects.bulk_create(
            Consent(
                created_at=p.at,
                updated_at=p.at,
                contact=contact,
                lead=lead,
                purpose=purpose,
                granted=bool(consent["granted"]),
                wording_version=consent["wording_version"],
                wording=consent["wording"],
                language=p.language,
                ip_address=p.ip_address,
                user_agent=p.user_agent[:300],
                source=p.consent_source[:300],
                # A first-time prospect's consents count, but for double opt-in purposes.
                confirmed_at=consent_counts_from(
                    p.at, purpose=purpose, granted=bool(consent["granted"])
                ),
            )
            for (_email, p), contact, lead in zip(new, contacts, leads, strict=True)
            for purpose, consent in p.consents.items()
        )
        webhook_lead_event(WebhookEventType.LEAD_CREATED, lead_ids=[lead.pk for lead in leads])
    return {
        email: Filed(contact_id=contact.pk, lead_id=lead.pk)
        for (email, _p), contact, lead in zip(new, contacts, leads, strict=True)
    }
