"""What the private page shows a person, in their language: their details, answers,
consents with the wording they accepted and when, the recommendation with its factors,
and their requests. (The same facts as the download, :mod:`.export`, set out for reading.)
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from crm import selectors as crm_selectors
from crm.choices import PrivacyRequestKind

from . import outcome


def private_page_context(contact, language: str) -> dict[str, Any]:
    leads = crm_selectors.contact_leads(contact_id=contact.pk)
    # The lead with answers that is the newest: what the person last told the practice.
    lead = next((lead for lead in leads if lead.answers_display), leads[0] if leads else None)
    result = None
    factors: list[dict[str, Any]] = []
    if lead is not None and lead.recommendation_in_force:
        result = outcome.prospect_result(
            recommendation=lead.recommendation_in_force,
            alternative=lead.alternative or None,
            explanation=(lead.classification or {}).get("explanation"),
            fit_grade=lead.fit_grade,
            language=language,
        )
        factors = [
            line
            for line in crm_selectors.lead_explanation_display(lead, language)
            if line["reason"]
        ]
    requests = crm_selectors.contact_privacy_requests(contact_id=contact.pk)
    with translation.override(language):
        consents = [
            {
                "purpose": str(consent.get_purpose_display()),
                "granted": consent.granted,
                "wording": consent.wording,
                "given_at": consent.created_at,
                "confirmed_at": consent.confirmed_at,
            }
            for consent in crm_selectors.contact_consents(contact_id=contact.pk)
        ]
        shown_requests = [
            {
                "kind": str(request.get_kind_display()),
                "status": str(request.get_status_display()),
                "received_at": request.received_at,
                "due_at": request.due_at,
                "is_open": request.is_open,
            }
            for request in requests
        ]
    open_kinds = {request.kind for request in requests if request.is_open}
    marketing = crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing")
    return {
        "contact": contact,
        "company": contact.company,
        "lead": lead,
        "answers": crm_selectors.lead_answers_display(lead, language) if lead else [],
        "result": result,
        "factors": factors,
        "overridden": bool(lead and lead.override_recommendation),
        "reviewed_at": lead.reviewed_at if lead else None,
        "consents": consents,
        "requests": shown_requests,
        "review_open": PrivacyRequestKind.REVIEW in open_kinds,
        "erasure_open": PrivacyRequestKind.ERASURE in open_kinds,
        "marketing_in_force": bool(marketing and marketing.granted),
    }
