"""What is kept about a person, as they may see and download it (their private page).

:func:`person_data` gathers it, split as Law 25's right of access and portability
calls for: what the person **provided** (contact and company details, each
questionnaire they sent with its answers as question and answer text, their consents
with the wording they accepted and when, their requests) apart from what was
**inferred** from it (each recommendation, alternative, confidence, fit and the
explanation's factors). :func:`as_json` and :func:`as_csv` write it; the CSV, for
people, is one value a row and neutralizes spreadsheet formulas (OWASP CSV injection,
``crm.csv_safety``).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation

from crm import personal_data
from crm import selectors as crm_selectors

from ..consent import practice_name
from ..intake import answers_display
from ..models import Classification, Submission
from ..selectors import questionnaire_by_id

FORMAT = "cmo-leads/person-data/1"


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _answers(submission: Submission, language: str) -> list[dict[str, str]]:
    rows = answers_display(
        submission.answers or {}, questionnaire_by_id(submission.questionnaire_id)
    )
    return [{"question": r["question"][language], "answer": r["answer"][language]} for r in rows]


def _explanation(lines, language: str) -> list[dict[str, Any]]:
    return [
        {
            "question": line.get("question", ""),
            "answer": line.get("answer", ""),
            "effect": line.get("effect", ""),
            "reason": line.get(f"reason_{language}") or line.get("reason", ""),
        }
        for line in lines or []
        if isinstance(line, dict)
    ]


def submissions_data(contact, language: str) -> dict[str, dict[str, Any]]:
    """The questionnaires the person sent (``provided``) and what was computed from each
    (``inferred``): this app's part of a person's export, here and in the crm's
    (registered in ``qualification.apps``)."""
    submissions = list(
        Submission.objects.filter(lead__contact_id=contact.pk)
        .exclude(status=Submission.Status.SPAM)
        .order_by("created_at", "pk")
    )
    classifications: dict[int, Classification] = {}
    for row in (
        Classification.objects.filter(submission__in=submissions)
        .select_related("ruleset")
        .order_by("pk")
    ):
        classifications[row.submission_id] = row  # the latest ruleset's, by id
    with translation.override(language):
        return {
            "provided": {
                "questionnaires": [
                    {
                        "id": str(s.public_id),
                        "received_at": _time(s.created_at),
                        "language": s.language,
                        "channel": s.channel,
                        "ip_address": s.ip_address,
                        "answers": _answers(s, language),
                    }
                    for s in submissions
                ],
            },
            "inferred": {
                "questionnaires": [
                    {
                        "id": str(s.public_id),
                        "recommendation": c.recommendation,
                        "alternative": c.alternative or None,
                        "confidence": c.confidence,
                        "needs_review": c.needs_review,
                        "fit_score": c.fit_score,
                        "fit_grade": c.fit_grade,
                        "ruleset_version": c.ruleset.version,
                        "computed_at": _time(c.created_at),
                        "explanation": _explanation(c.explanation, language),
                    }
                    for s in submissions
                    if (c := classifications.get(s.pk)) is not None
                ],
            },
        }


def person_data(contact, language: str) -> dict[str, Any]:
    """Everything kept about ``contact`` (a crm Contact), texts in ``language``."""
    leads = crm_selectors.contact_leads(contact_id=contact.pk)
    mine = submissions_data(contact, language)
    consents = crm_selectors.contact_consents(contact_id=contact.pk)
    requests = crm_selectors.contact_privacy_requests(contact_id=contact.pk)
    with translation.override(language):
        return {
            "format": FORMAT,
            "exported_at": _time(timezone.now()),
            "kept_by": practice_name(),
            "provided": {
                "contact": {
                    "email": contact.email,
                    "first_name": contact.first_name,
                    "last_name": contact.last_name,
                    "phone": contact.phone,
                    "job_title": contact.job_title,
                    "language": contact.language,
                },
                "company": {"name": contact.company.name, "website": contact.company.website},
                "questionnaires": mine["provided"]["questionnaires"],
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
                    }
                    for c in consents
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
                    for r in requests
                ],
            },
            "inferred": {
                "questionnaires": mine["inferred"]["questionnaires"],
                "leads": [
                    {
                        "opened_at": _time(lead.created_at),
                        "recommendation": lead.recommendation or None,
                        "revised_by_a_person": lead.override_recommendation or None,
                        "reviewed_by_a_person_at": _time(lead.reviewed_at),
                        "alternative": lead.alternative or None,
                        "confidence": lead.confidence,
                        "needs_review": lead.needs_review,
                        "fit_score": lead.fit_score,
                        "fit_grade": lead.fit_grade or None,
                        "classified_at": _time(lead.classified_at),
                        "explanation": _explanation(
                            (lead.classification or {}).get("explanation"), language
                        ),
                    }
                    for lead in leads
                ],
            },
        }


#: The writers are the crm's (one value a row, formulas neutralized), shared with the
#: staff's export.
as_json = personal_data.as_json
as_csv = personal_data.as_csv
