"""Shared factory_boy factories and ready-made payloads for the tests."""

from __future__ import annotations

import copy
from typing import Any

import factory

from crm.models import Company, Contact, Lead
from qualification.models import Questionnaire, Submission

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


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Entreprise {n}")
    website = factory.LazyAttribute(lambda o: f"https://{o.name.lower().replace(' ', '-')}.example")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"prospect{n}@example.com")
    first_name = "Marie"
    last_name = factory.Sequence(lambda n: f"Gagnon{n}")
    company = factory.SubFactory(CompanyFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    contact = factory.SubFactory(ContactFactory)
    company = factory.LazyAttribute(lambda o: o.contact.company)
    answers = factory.LazyFunction(lambda: copy.deepcopy(VALID_ANSWERS))


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A stored, pending submission of questionnaire v1 (loaded by the data migration)."""

    class Meta:
        model = Submission

    questionnaire = factory.LazyFunction(lambda: Questionnaire.objects.get(version=1))
    lead = factory.SubFactory(LeadFactory)
    channel = Submission.Channel.API
    language = "fr"
    answers = factory.LazyFunction(lambda: copy.deepcopy(VALID_ANSWERS))
    status = Submission.Status.PENDING
