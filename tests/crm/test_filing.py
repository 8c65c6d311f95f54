"""Issue 14: first-time prospects filed many at once, and results recorded many at once.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): both must give each new row its id
from ``bulk_create`` (``RETURNING``), which the filing relies on.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm import services
from crm.models import Company, Consent, Contact, Lead, LeadEvent
from crm.results import QualificationResult
from tests.factories import ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db

CONSENTS = {
    "contact": {"granted": True, "wording_version": "c1", "wording": "Vous pouvez me joindre."},
    "marketing": {"granted": False, "wording_version": "m1", "wording": "Infolettre."},
}


def prospect(email: str, **fields) -> services.NewProspect:
    return services.NewProspect(
        email=email,
        company_name=fields.pop("company_name", "Acme"),
        language="fr",
        at=fields.pop("at", timezone.now() - timedelta(minutes=5)),
        first_name="Josée",
        consents=CONSENTS,
        **fields,
    )


def test_the_database_returns_the_ids_of_rows_created_in_bulk():
    assert connection.features.can_return_rows_from_bulk_insert, connection.vendor
    companies = Company.objects.bulk_create([Company(name="A"), Company(name="B")])
    assert all(company.pk for company in companies)


def test_new_prospects_are_filed_with_their_rows_and_counted_consents():
    written = timezone.now() - timedelta(minutes=5)
    filed = services.leads_bulk_open_new(
        prospects=[
            prospect(" Josee@Acme.CA ", at=written, utm={"utm_source": "linkedin"}),
            prospect("marc@example.com", company_name="Bouchard inc.", source="api"),
        ]
    )

    assert set(filed) == {"josee@acme.ca", "marc@example.com"}
    josee = Lead.objects.select_related("contact", "company").get(pk=filed["josee@acme.ca"].lead_id)
    assert josee.contact_id == filed["josee@acme.ca"].contact_id
    assert (josee.contact.email, josee.company.name, josee.utm_source) == (
        "josee@acme.ca",
        "Acme",
        "linkedin",
    )
    assert josee.created_at == written
    assert josee.company_id == josee.contact.company_id
    assert Lead.objects.get(pk=filed["marc@example.com"].lead_id).source == "api"
    assert list(LeadEvent.objects.filter(lead=josee).values_list("kind", flat=True)) == ["created"]
    consents = Consent.objects.filter(lead=josee)
    assert {(c.purpose, c.granted) for c in consents} == {("contact", True), ("marketing", False)}
    assert all(c.confirmed_at == written for c in consents)  # a first post's consents count


def test_a_known_address_is_left_to_the_caller_and_nothing_is_written_for_it():
    known = ContactFactory(email="josee@acme.ca", first_name="Josée")

    filed = services.leads_bulk_open_new(prospects=[prospect("JOSEE@acme.ca"), prospect("n@x.ca")])

    assert set(filed) == {"n@x.ca"}
    known.refresh_from_db()
    assert known.first_name == "Josée"
    assert Contact.objects.count() == 2
    assert not Lead.objects.filter(contact=known).exists()


def test_an_address_given_twice_is_refused():
    with pytest.raises(ValueError):
        services.leads_bulk_open_new(prospects=[prospect("a@x.ca"), prospect(" A@x.ca")])
    assert not Contact.objects.exists()


def result(fit_score: int, recommendation: str = "fractional_cmo") -> QualificationResult:
    return QualificationResult(
        recommendation=recommendation,
        confidence=0.8,
        needs_review=False,
        alternative=None,
        fit_score=fit_score,
        fit_grade="A" if fit_score >= 70 else "C",
        explanation=[{"question": "q", "reason": "r"}],
        ruleset_version=1,
    )


def test_many_results_are_recorded_as_one_at_a_time_would(
    admin_user, settings, django_capture_on_commit_callbacks
):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    one, many, again, modest = (LeadFactory(pending=True) for _ in range(4))
    Lead.objects.filter(pk=again.pk).update(classified_at=timezone.now(), reviewed_by=admin_user)
    with django_capture_on_commit_callbacks() as alone_callbacks:
        services.lead_record_qualification(lead_id=one.pk, result=result(85))
    with django_capture_on_commit_callbacks() as bulk_callbacks:
        written = services.leads_record_qualification(
            results=[(many.pk, result(85)), (again.pk, result(85)), (modest.pk, result(40))]
        )

    assert sorted(written) == sorted([many.pk, again.pk, modest.pk])
    fields = ["recommendation", "confidence", "fit_score", "fit_grade", "needs_review"]
    fields += ["ruleset_version", "classification", "reviewed_by_id"]
    one.refresh_from_db()
    many.refresh_from_db()
    assert [getattr(many, f) for f in fields] == [getattr(one, f) for f in fields]
    assert many.classified_at is not None
    again.refresh_from_db()
    assert again.reviewed_by is None  # they reviewed another result
    events = LeadEvent.objects.filter(kind=LeadEvent.Kind.CLASSIFIED)
    assert {(e.lead_id, e.to_value, e.note) for e in events} == {
        (lead.pk, "fractional_cmo", "ruleset v1") for lead in (one, many, again)
    } | {(modest.pk, "fractional_cmo", "ruleset v1")}
    # The practice is told about a promising lead's first result only.
    names = [[c.__qualname__ for c in callbacks] for callbacks in (alone_callbacks, bulk_callbacks)]
    assert names == [["send crm.tasks.notify_new_lead"]] * 2
