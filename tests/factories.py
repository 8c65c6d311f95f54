"""factory_boy factories shared by the tests. Each area keeps its own section."""

from __future__ import annotations

import factory

from crm.models import Company, Contact, Lead
from qualification.models import Questionnaire, Submission

# --- Classification (scoring): prospects, new leads and answered questionnaires -------
# Names of their own, so this section sits beside the others without clashing.

#: A textbook consultant profile: a precise mandate, executed, then gone.
TEXTBOOK_CONSULTANT_ANSWERS = {
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

#: A textbook fractional-CMO profile: a part-time marketing leader with no end date.
TEXTBOOK_CMO_ANSWERS = {
    "needs": ["align_strategy", "structure_team"],
    "horizon": "ongoing",
    "involvement": "join_leadership",
    "represent_company": "yes",
    "supervise_team": "yes",
    "time_commitment": "one_or_two_days_week",
    "marketing_team_size": "one_or_two",
    "marketing_leader": "none",
    "strategy_state": "none_or_fragile",
    "employees": "50_199",
    "annual_revenue": "10m_50m",
    "monthly_budget": "over_10k",
    "start": "now",
    "decision_role": "owner_or_ceo",
}


class ProspectCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Cabinet {n} inc.")


class ProspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"scored.prospect{n}@example.com")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Tremblay{n}")
    company = factory.SubFactory(ProspectCompanyFactory)


class NewLeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    contact = factory.SubFactory(ProspectFactory)
    company = factory.SelfAttribute("contact.company")
    language = "fr"


class AnsweredSubmissionFactory(factory.django.DjangoModelFactory):
    """A pending submission of questionnaire v1 (loaded by a data migration)."""

    class Meta:
        model = Submission

    questionnaire = factory.LazyFunction(lambda: Questionnaire.objects.get(version=1))
    lead = factory.SubFactory(NewLeadFactory)
    channel = Submission.Channel.API
    language = factory.SelfAttribute("lead.language")
    answers = factory.LazyFunction(lambda: dict(TEXTBOOK_CMO_ANSWERS))
