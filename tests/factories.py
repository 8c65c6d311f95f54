"""factory_boy factories and ready-made payloads shared by the test suite.

Each area keeps its own section."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from crm.models import Activity, Company, Consent, Contact, Lead
from qualification.models import Questionnaire, Submission

ROOT = Path(__file__).resolve().parent.parent

# --- Follow-up (crm): staff, companies, contacts, leads, activities, consents ------------

#: Questionnaire v1 as the intake stores it, to build ``answers_display`` like it does.
QUESTIONNAIRE_V1 = json.loads(
    (ROOT / "qualification" / "questionnaires" / "v1.json").read_text(encoding="utf-8")
)

FRACTIONAL_CMO_ANSWERS = {
    "needs": ["align_strategy", "structure_team"],
    "horizon": "ongoing",
    "involvement": "join_leadership",
    "represent_company": "yes",
    "supervise_team": "yes",
    "time_commitment": "one_or_two_days_week",
    "marketing_team_size": "one_or_two",
    "marketing_leader": "none",
    "strategy_state": "none_or_fragile",
    "employees": "10_49",
    "annual_revenue": "2m_10m",
    "monthly_budget": "5k_10k",
    "start": "this_quarter",
    "decision_role": "owner_or_ceo",
}

CONSULTANT_ANSWERS = {
    "needs": ["optimize_channel"],
    "horizon": "quarter",
    "involvement": "execute_mandate",
    "represent_company": "no",
    "supervise_team": "no",
    "time_commitment": "few_days_total",
    "marketing_team_size": "three_to_ten",
    "marketing_leader": "in_place",
    "strategy_state": "documented_solid",
    "employees": "10_49",
    "annual_revenue": "2m_10m",
    "monthly_budget": "5k_10k",
    "start": "this_quarter",
    "decision_role": "owner_or_ceo",
}


def answers_display_for(answers: dict) -> list[dict]:
    """``Lead.answers_display`` as the intake writes it: questionnaire order, both languages."""
    rows = []
    for question in QUESTIONNAIRE_V1["questions"]:
        key = question["key"]
        if key not in answers:
            continue
        value = answers[key]
        if question["kind"] == "text":
            answer = {"fr": value, "en": value}
        else:
            labels = {choice["key"]: choice for choice in question["choices"]}
            keys = value if isinstance(value, list) else [value]
            answer = {
                language: ", ".join(labels[k][f"label_{language}"] for k in keys)
                for language in ("fr", "en")
            }
        rows.append(
            {
                "key": key,
                "question": {"fr": question["label_fr"], "en": question["label_en"]},
                "answer": answer,
            }
        )
    return rows


#: Explanation lines as the scoring writes them (reason in both languages).
EXPLANATIONS = {
    "fractional_cmo": [
        {
            "question": "involvement",
            "answer": "join_leadership",
            "effect": "fractional_cmo",
            "weight": 3.0,
            "reason_fr": "Siéger au comité de direction : c'est le rôle d'un CMO sur demande.",
            "reason_en": "A seat on the leadership team is a fractional CMO's role.",
        },
        {
            "question": "horizon",
            "answer": "ongoing",
            "effect": "fractional_cmo",
            "weight": 2.0,
            "reason_fr": "Aucune fin prévisible : un engagement continu.",
            "reason_en": "No predictable end: an ongoing engagement.",
        },
        {
            "question": "monthly_budget",
            "answer": "5k_10k",
            "effect": "fit",
            "weight": 1.0,
            "reason_fr": "Un budget mensuel suffisant.",
            "reason_en": "A sufficient monthly budget.",
        },
    ],
    "consultant": [
        {
            "question": "involvement",
            "answer": "execute_mandate",
            "effect": "consultant",
            "weight": 3.0,
            "reason_fr": "Exécuter un mandat puis partir : le travail d'un consultant.",
            "reason_en": "Carry out a mandate and leave: a consultant's work.",
        },
        {
            "question": "needs",
            "answer": ["optimize_channel"],
            "effect": "consultant",
            "weight": 1.5,
            "reason_fr": "Un besoin précis et ciblé.",
            "reason_en": "A precise, targeted need.",
        },
    ],
}


def classification_for(lead: Lead) -> dict | None:
    """``Lead.classification`` as the scoring writes it, from the lead's own fields."""
    if not lead.recommendation:
        return None
    explanation = [
        {**line, "reason": line[f"reason_{lead.language}"]}
        for line in EXPLANATIONS[lead.recommendation]
    ]
    return {
        "recommendation": lead.recommendation,
        "confidence": lead.confidence,
        "needs_review": lead.needs_review,
        "alternative": lead.alternative or None,
        "fit_score": lead.fit_score,
        "fit_grade": lead.fit_grade,
        "explanation": explanation,
        "ruleset_version": lead.ruleset_version,
        "reviewed_by": None,
    }


class UserFactory(factory.django.DjangoModelFactory):
    """A staff member; ``roles=["Sales"]`` puts them in the groups of that name."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-staff-2026")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Entreprise {n} inc.")
    website = factory.LazyAttribute(lambda c: f"https://{c.name.split()[1]}.example.com")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = factory.Sequence(lambda n: f"Nom{n}")
    email = factory.Sequence(lambda n: f"prospect{n}@example.com")
    phone = "514 555-0100"
    job_title = "Présidente"
    language = "fr"
    company = factory.SubFactory(CompanyFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    """A classified lead (fractional CMO by default); ``pending=True`` for one not yet."""

    class Meta:
        model = Lead

    class Params:
        pending = factory.Trait(
            recommendation="",
            confidence=None,
            fit_score=None,
            fit_grade="",
            ruleset_version=None,
            classified_at=None,
        )

    contact = factory.SubFactory(ContactFactory)
    company = factory.SelfAttribute("contact.company")
    language = factory.SelfAttribute("contact.language")
    recommendation = "fractional_cmo"
    confidence = 0.82
    fit_score = 74
    fit_grade = "B"
    needs_review = False
    alternative = ""
    ruleset_version = 1
    classified_at = factory.LazyFunction(timezone.now)
    answers = factory.LazyAttribute(
        lambda lead: dict(
            CONSULTANT_ANSWERS if lead.recommendation == "consultant" else FRACTIONAL_CMO_ANSWERS
        )
    )
    answers_display = factory.LazyAttribute(lambda lead: answers_display_for(lead.answers))
    classification = factory.LazyAttribute(classification_for)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    lead = factory.SubFactory(LeadFactory)
    kind = Activity.Kind.CALL
    body = "Appeler pour planifier la découverte"
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    owner = factory.SubFactory(UserFactory)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    contact = factory.SubFactory(ContactFactory)
    lead = None
    purpose = Consent.Purpose.CONTACT
    granted = True
    wording_version = "2026-01"
    wording = "J'accepte d'être contacté au sujet de ma demande."
    language = "fr"
    ip_address = "203.0.113.7"


# --- Intake (qualification): payloads and submissions ----------------------------

#: A complete, valid set of answers to questionnaire v1 (a fractional-CMO profile).
VALID_ANSWERS: dict[str, Any] = {
    "needs": ["structure_team", "align_strategy"],
    "horizon": "ongoing",
    "involvement": "join_leadership",
    "represent_company": "yes",
    "supervise_team": "yes",
    "time_commitment": "one_or_two_days_week",
    "marketing_team_size": "three_to_ten",
    "marketing_leader": "none",
    "strategy_state": "informal",
    "employees": "50_199",
    "annual_revenue": "10m_50m",
    "monthly_budget": "5k_10k",
    "start": "this_quarter",
    "decision_role": "owner_or_ceo",
    "context": "Nous grandissons vite et le marketing ne suit plus.",
}


def submission_payload(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /api/v1/submissions/`` body; keyword arguments replace top-level parts."""
    payload: dict[str, Any] = {
        "language": "fr",
        "contact": {
            "first_name": "Josée",
            "last_name": "Tremblay",
            "email": "josee.tremblay@example.com",
            "phone": "514 555-0199",
            "job_title": "Présidente",
        },
        "company": {"name": "Boulangerie Tremblay", "website": "https://tremblay.example.com"},
        "answers": copy.deepcopy(VALID_ANSWERS),
        "consent": {"contact": True, "marketing": False},
        "source": {"utm_source": "linkedin", "utm_medium": "social", "utm_campaign": "automne"},
    }
    payload.update(copy.deepcopy(overrides))
    return payload


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A stored, pending submission of questionnaire v1 (loaded by the data migration)."""

    class Meta:
        model = Submission

    questionnaire = factory.LazyFunction(lambda: Questionnaire.objects.get(version=1))
    lead = factory.SubFactory(LeadFactory, pending=True)
    channel = Submission.Channel.API
    language = "fr"
    answers = factory.LazyFunction(lambda: copy.deepcopy(VALID_ANSWERS))
    status = Submission.Status.PENDING


# --- Classification (scoring): textbook profiles, new leads, answered submissions -----

#: A textbook fractional-CMO profile: a part-time marketing leader with no end date.
TEXTBOOK_CMO_ANSWERS = {
    **FRACTIONAL_CMO_ANSWERS,
    "employees": "50_199",
    "annual_revenue": "10m_50m",
    "monthly_budget": "over_10k",
    "start": "now",
}


class NewLeadFactory(LeadFactory):
    """A lead that has never been classified."""

    class Params:
        pending = True


class AnsweredSubmissionFactory(SubmissionFactory):
    """A pending submission answering as a textbook fractional-CMO prospect would."""

    lead = factory.SubFactory(NewLeadFactory)
    language = factory.SelfAttribute("lead.language")
    answers = factory.LazyFunction(lambda: dict(TEXTBOOK_CMO_ANSWERS))


def file_pending_submissions() -> int:
    """What the worker does first with each stored submission (before classifying it):
    file it under its contact and lead. Returns how many were filed."""
    from qualification.services import submission_file_lead

    pending = (
        Submission.objects.filter(lead__isnull=True)
        .exclude(status=Submission.Status.SPAM)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(submission_file_lead(submission_id=pk) is not None for pk in list(pending))


def receive_submission(payload: dict[str, Any] | None = None, **arguments: Any):
    """What the public intake stores for ``payload`` (default: ``submission_payload()``):
    ``services.submission_receive``'s ``(submission, created)``, through the API unless
    ``channel`` says otherwise; other keyword arguments go to it as they are."""
    from qualification.selectors import questionnaire_current
    from qualification.services import submission_receive

    payload = payload or submission_payload()
    defaults = {
        "questionnaire": questionnaire_current(),
        "language": payload.get("language", "fr"),
        "contact": payload["contact"],
        "company": payload["company"],
        "answers": payload["answers"],
        "consent": payload["consent"],
        "source": payload.get("source", {}),
        "channel": Submission.Channel.API,
        "payload": payload,
    }
    return submission_receive(**{**defaults, **arguments})
