"""Access and portability (Law 25, ss. 27 and 27 para. 3): everything kept about a
person across the apps, in a structured export, each export logged (who, when, why)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation

from .. import personal_data
from ..models import (
    Activity,
    Contact,
    Lead,
    LeadEvent,
    PrivacyExport,
    PrivacyRequest,
    ProposedChange,
)

FORMAT = "cmo-leads/person-data/1"


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _merge(into: dict[str, Any], part: dict[str, Any]) -> None:
    for section, content in (part or {}).items():
        into[section] = content


def person_data(contact: Contact, language: str = "fr") -> dict[str, Any]:
    """Everything kept about ``contact``: ``provided`` (what they gave), ``inferred``
    (what was computed from it) and ``recorded`` (what staff wrote about them), with the
    parts other apps keep (``crm.personal_data`` providers)."""
    leads = list(Lead.objects.filter(contact_id=contact.pk).order_by("created_at", "pk"))
    lead_ids = [lead.pk for lead in leads]
    with translation.override(language):
        provided: dict[str, Any] = {
            "contact": {
                "email": contact.email,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "phone": contact.phone,
                "job_title": contact.job_title,
                "language": contact.language,
            },
            "company": {"name": contact.company.name, "website": contact.company.website},
            "consents": [
                {
                    "purpose": c.purpose,
                    "purpose_label": str(c.get_purpose_display()),
                    "granted": c.granted,
                    "wording": c.wording,
                    "wording_version": c.wording_version,
                    "language": c.language,
                    "given_at": _time(c.created_at),
                    "confirmed_at": _time(c.confirmed_at),
                    "source": c.source,
                    "ip_address": c.ip_address,
                    "user_agent": c.user_agent,
                }
                for c in contact.consents.order_by("created_at", "pk")
            ],
            "requests": [
                {
                    "kind": r.kind,
                    "kind_label": str(r.get_kind_display()),
                    "status": r.status,
                    "received_at": _time(r.received_at),
                    "due_at": _time(r.due_at),
                    "handled_at": _time(r.handled_at),
                    "details": r.details,
                }
                for r in PrivacyRequest.objects.filter(contact_id=contact.pk).order_by("pk")
            ],
            "leads": [
                {
                    "opened_at": _time(lead.created_at),
                    "source": lead.source,
                    "utm_source": lead.utm_source,
                    "utm_medium": lead.utm_medium,
                    "utm_campaign": lead.utm_campaign,
                    "referrer": lead.referrer,
                    "answers": lead.answers_display,
                }
                for lead in leads
            ],
        }
        inferred: dict[str, Any] = {
            "leads": [
                {
                    "opened_at": _time(lead.created_at),
                    "stage": lead.stage,
                    "recommendation": lead.recommendation or None,
                    "revised_by_a_person": lead.override_recommendation or None,
                    "alternative": lead.alternative or None,
                    "confidence": lead.confidence,
                    "needs_review": lead.needs_review,
                    "fit_score": lead.fit_score,
                    "fit_grade": lead.fit_grade or None,
                    "classified_at": _time(lead.classified_at),
                    "explanation": (lead.classification or {}).get("explanation") or [],
                }
                for lead in leads
            ]
        }
        recorded: dict[str, Any] = {
            "leads": [
                {
                    "opened_at": _time(lead.created_at),
                    "lost_reason": lead.lost_reason,
                    "override_reason": lead.override_reason,
                    "next_follow_up_at": _time(lead.next_follow_up_at),
                }
                for lead in leads
            ],
            "activities": [
                {
                    "kind": a.kind,
                    "body": a.body,
                    "created_at": _time(a.created_at),
                    "due_at": _time(a.due_at),
                    "done_at": _time(a.done_at),
                }
                for a in Activity.objects.filter(lead_id__in=lead_ids).order_by("created_at")
            ],
            "history": [
                {
                    "what": e.kind,
                    "from": e.from_value,
                    "to": e.to_value,
                    "note": e.note,
                    "at": _time(e.created_at),
                }
                for e in LeadEvent.objects.filter(lead_id__in=lead_ids).order_by("created_at")
            ],
            "proposed_changes": [
                {
                    "field": p.field,
                    "value_when_proposed": p.current,
                    "proposed": p.proposed,
                    "status": p.status,
                    "at": _time(p.created_at),
                }
                for p in ProposedChange.objects.filter(lead_id__in=lead_ids).order_by("pk")
            ],
        }
        for provider in personal_data.providers():
            if provider.export is not None:
                parts = provider.export(contact, language)
                _merge(provided, parts.get("provided"))
                _merge(inferred, parts.get("inferred"))
                _merge(recorded, parts.get("recorded"))
    return {
        "format": FORMAT,
        "exported_at": _time(timezone.now()),
        "provided": provided,
        "inferred": inferred,
        "recorded": recorded,
    }


class ExportNotAllowed(Exception):
    """The person was erased: there is nothing left to export but tombstones."""


EXPORT_PERMISSION = "crm.export_personal_data"


@transaction.atomic
def person_export(
    *,
    contact_id: int,
    by: AbstractBaseUser | None,
    reason: str,
    fmt: str = PrivacyExport.Format.JSON,
    privacy_request: PrivacyRequest | None = None,
    language: str | None = None,
) -> tuple[PrivacyExport, str]:
    """Export everything kept about the person and log it: returns the log row (which
    keeps the data for the staff API until ``CRM_RETENTION_EXPORT_DAYS``) and the text
    in ``fmt`` (JSON, or CSV for people)."""
    if not (reason or "").strip():
        raise ValueError("An export needs a reason (why it is made).")
    contact = Contact.objects.select_related("company").get(pk=contact_id)
    if contact.erased_at is not None:
        raise ExportNotAllowed
    data = person_data(contact, language or contact.language)
    fmt = PrivacyExport.Format(fmt)
    export = PrivacyExport.objects.create(
        request=privacy_request,
        contact=contact,
        by=by if by is not None and by.pk else None,
        reason=reason.strip()[:2000],
        format=fmt,
        content=data,
    )
    text = (
        personal_data.as_csv(data)
        if fmt == PrivacyExport.Format.CSV
        else (personal_data.as_json(data))
    )
    return export, text
