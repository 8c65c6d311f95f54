"""People brought in by a staff import (a CSV of past contacts): new ones written in bulk,
known ones only completed.

An import is staff's own list, not a post from anyone: new people are created with their
company, an open lead (source ``import``) and the consents the list proves. A person
already known is never overwritten: :func:`contact_fill_empty` fills only the details
that are empty, and the caller reports the differences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import fast_sql
from ..models import Company, Consent, Contact, Lead, LeadEvent, LeadSource, Stage
from ..models_webhooks import WebhookEventType
from .base import normalize_email
from .webhooks import webhook_lead_event

#: What an import may fill on a known contact when it is empty (never overwrite).
FILLABLE_CONTACT_FIELDS = ("first_name", "last_name", "phone", "job_title")
FILLABLE_COMPANY_FIELDS = ("website",)


@dataclass
class ImportedPerson:
    """One new person of an import, validated by the caller. ``consents`` maps a purpose
    to ``granted``, ``wording_version``, ``wording`` and ``given_at`` (a datetime)."""

    email: str
    first_name: str
    company_name: str
    language: str
    last_name: str = ""
    phone: str = ""
    job_title: str = ""
    company_website: str = ""
    utm: Mapping[str, str] = field(default_factory=dict)
    referrer: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)
    answers_display: list = field(default_factory=list)
    consents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    consent_source: str = ""


def people_import(
    *, people: Sequence[ImportedPerson], at: datetime | None = None
) -> dict[str, int]:
    """Create each person (none may be known: the caller checked, in this transaction)
    with a company, an open lead from source ``import``, its history line and the
    consents given; a ``lead.created`` webhook event for each lead. Returns each
    normalized e-mail's new lead id.

    A handful of statements for the whole batch (``crm.fast_sql``: plain multi-row
    inserts, returning the ids where they are needed): an import may bring 100,000 people
    (bench/bench_import.py). No e-mail goes to the practice for imported leads. A
    contact created meanwhile by a post breaks the e-mail's unique constraint and rolls
    the whole batch back (the caller plans it again).
    """
    if not people:
        return {}
    now = at or timezone.now()
    stamp = fast_sql.time_param(Lead, "created_at", now)
    emails = [normalize_email(p.email) for p in people]
    with transaction.atomic(savepoint=False):
        company_ids = fast_sql.insert_rows_returning_ids(
            Company,
            ("created_at", "updated_at", "name", "website"),
            ((stamp, stamp, p.company_name, p.company_website) for p in people),
        )
        contact_ids = fast_sql.insert_rows_returning_ids(
            Contact,
            (
                "created_at", "updated_at", "email", "first_name", "last_name", "phone",
                "job_title", "language", "company",
            ),
            (
                (stamp, stamp, email, p.first_name, p.last_name, p.phone, p.job_title,
                 p.language, company_id)
                for p, email, company_id in zip(people, emails, company_ids, strict=True)
            ),
        )  # fmt: skip
        lead_ids = fast_sql.insert_rows_returning_ids(
            Lead,
            (
                "created_at", "updated_at", "contact", "company", "stage", "language", "source",
                "utm_source", "utm_medium", "utm_campaign", "referrer", "submission_count",
                "lost_reason", "answers", "answers_display", "recommendation", "alternative",
                "fit_grade", "needs_review", "override_recommendation", "override_reason",
            ),
            (
                (
                    stamp, stamp, contact_id, company_id, Stage.NEW.value, p.language,
                    LeadSource.IMPORT.value, p.utm.get("utm_source", "")[:200],
                    p.utm.get("utm_medium", "")[:200], p.utm.get("utm_campaign", "")[:200],
                    p.referrer[:500], 1, "",
                    fast_sql.json_param(Lead, "answers", json.dumps(dict(p.answers))),
                    fast_sql.json_param(
                        Lead, "answers_display", json.dumps(list(p.answers_display))
                    ),
                    "", "", "", False, "", "",
                )
                for p, contact_id, company_id in zip(people, contact_ids, company_ids, strict=True)
            ),
        )  # fmt: skip
        fast_sql.insert_rows(
            LeadEvent,
            ("created_at", "updated_at", "lead", "kind", "from_value", "to_value", "note"),
            (
                (stamp, stamp, lead_id, LeadEvent.Kind.CREATED.value, "", "", "")
                for lead_id in lead_ids
            ),
        )
        fast_sql.insert_rows(
            Consent,
            (
                "created_at", "updated_at", "contact", "lead", "purpose", "granted",
                "wording_version", "wording", "language", "user_agent", "source", "confirmed_at",
            ),
            (
                (
                    fast_sql.time_param(Consent, "created_at", given["given_at"]), stamp,
                    contact_id, lead_id, purpose, bool(given["granted"]),
                    given["wording_version"], given["wording"], p.language, "",
                    p.consent_source[:300],
                    fast_sql.time_param(Consent, "confirmed_at", given["given_at"]),
                )
                for p, contact_id, lead_id in zip(people, contact_ids, lead_ids, strict=True)
                for purpose, given in p.consents.items()
            ),
        )  # fmt: skip
        webhook_lead_event(WebhookEventType.LEAD_CREATED, lead_ids=lead_ids)
    return dict(zip(emails, lead_ids, strict=True))


def contact_fill_empty(
    *, contact_id: int, contact: Mapping[str, str], company: Mapping[str, str]
) -> list[str]:
    """Fill the known contact's details (and its company's) that are empty with the values
    given; never change one that is filled. Returns the names filled (``company.website``
    for the company's). Each field is written only while still empty, so a person's
    edit made meanwhile is kept."""
    filled: list[str] = []
    now = timezone.now()
    with transaction.atomic():
        for name in FILLABLE_CONTACT_FIELDS:
            value = (contact.get(name) or "").strip()
            if value and Contact.objects.filter(pk=contact_id, **{name: ""}).update(
                **{name: value, "updated_at": now}
            ):
                filled.append(name)
        company_id = Contact.objects.filter(pk=contact_id).values_list("company_id", flat=True)
        for name in FILLABLE_COMPANY_FIELDS:
            value = (company.get(name) or "").strip()
            if value and Company.objects.filter(pk__in=company_id, **{name: ""}).update(
                **{name: value, "updated_at": now}
            ):
                filled.append(f"company.{name}")
    return filled


def contact_record_refusals(
    *, contact_id: int, refused: Mapping[str, Mapping[str, Any]], language: str, source: str = ""
) -> list[Consent]:
    """Record refusals an import holds for a known contact (``refused`` maps a purpose to
    its ``wording_version``, ``wording`` and ``given_at``). A refusal counts at once,
    whoever reports it (CASL: a withdrawal is honoured); an import never turns a known
    person's consent on."""
    now = timezone.now()
    return Consent.objects.bulk_create(
        Consent(
            created_at=given.get("given_at") or now,
            updated_at=now,
            contact_id=contact_id,
            purpose=purpose,
            granted=False,
            wording_version=given["wording_version"],
            wording=given["wording"],
            language=language,
            source=source[:300],
            confirmed_at=given.get("given_at") or now,
        )
        for purpose, given in refused.items()
    )
