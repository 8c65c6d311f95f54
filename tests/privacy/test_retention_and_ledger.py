"""Retention (dry run = real run), the consent ledger, the incident register, Québec's
business days, the digest and the dashboard tile."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm import selectors, services
from crm.business_days import add_business_days, easter_sunday, quebec_holidays
from crm.ledger import LedgerError
from crm.models import (
    ConfidentialityIncident,
    Consent,
    Contact,
    EmailTemplate,
    Lead,
    PrivacyExport,
    PrivacyRequest,
)
from qualification.models import Submission
from tests.factories import ConsentFactory, LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - timedelta(days=900)


def dormant(stage="lost", **kwargs) -> Lead:
    lead = LeadFactory(stage=stage, lost_reason="Budget" if stage == "lost" else "", **kwargs)
    Contact.objects.filter(pk=lead.contact_id).update(updated_at=LONG_AGO)
    Lead.objects.filter(pk=lead.pk).update(updated_at=LONG_AGO, created_at=LONG_AGO)
    return lead


def incident(discovered: date) -> ConfidentialityIncident:
    return ConfidentialityIncident.objects.create(
        information_concerned="Adresses courriel",
        circumstances="Courriel envoyé au mauvais destinataire",
        occurred_from=discovered,
        occurred_approximate=False,
        discovered_from=discovered,
        people_count=1,
        people_count_approximate=False,
        risk_assessment="Faible",
        serious_injury_risk=False,
        measures='=HYPERLINK("http://evil")',
    )


@pytest.fixture
def old_world(db):
    """One of each thing the retention policy is about, and each thing it must spare."""
    world = {
        "lost": dormant("lost"),
        "never_answered": dormant("contacted"),
        "won": dormant("won"),
        "recent": LeadFactory(stage="lost", lost_reason="Budget"),
        "follow_up": dormant("new"),
    }
    Lead.objects.filter(pk=world["follow_up"].pk).update(next_follow_up_at=timezone.now())
    # Never confirmed, given more than CRM_RETENTION_CONSENT_EVIDENCE_YEARS (3) ago.
    world["unconfirmed_consent"] = ConsentFactory(
        contact=world["recent"].contact, created_at=timezone.now() - timedelta(days=1200)
    )
    # Confirmed and still in force: its evidence stays however old.
    world["in_force"] = ConsentFactory(
        contact=world["recent"].contact,
        purpose="marketing",
        created_at=timezone.now() - timedelta(days=1200),
        confirmed_at=timezone.now() - timedelta(days=1200),
    )
    world["spam"] = SubmissionFactory(lead=None, status="spam", created_at=LONG_AGO)
    world["failed"] = SubmissionFactory(status="failed", created_at=LONG_AGO)
    export = PrivacyExport.objects.create(reason="x", format="json", content={"a": 1})
    PrivacyExport.objects.filter(pk=export.pk).update(created_at=LONG_AGO)
    world["export"] = export
    world["old_incident"] = incident(date.today() - timedelta(days=365 * 5 + 10))
    world["young_incident"] = incident(date.today() - timedelta(days=365 * 4))
    return world


def test_a_dry_run_changes_nothing_and_the_real_run_applies_exactly_its_summary(old_world):
    now = timezone.now().isoformat()
    dry = io.StringIO()
    call_command("apply_retention", "--dry-run", f"--now={now}", stdout=dry)
    assert "dry run" in dry.getvalue()
    assert not Contact.objects.filter(erased_at__isnull=False).exists()
    assert Submission.objects.filter(pk=old_world["spam"].pk).exists()
    real = io.StringIO()
    call_command("apply_retention", f"--now={now}", stdout=real, stderr=io.StringIO())
    counts = lambda text: [line.split("[")[-1] + line.split()[0] for line in text.splitlines()[1:]]  # noqa: E731
    assert counts(dry.getvalue()) == counts(real.getvalue())
    assert "      2  people anonymised" in real.getvalue()
    erased = set(Contact.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {old_world["lost"].contact_id, old_world["never_answered"].contact_id}
    assert Lead.objects.get(pk=old_world["lost"].pk).stage == "lost"  # facts kept
    assert not Submission.objects.filter(
        pk__in=[old_world["spam"].pk, old_world["failed"].pk]
    ).exists()
    assert PrivacyExport.objects.get(pk=old_world["export"].pk).content is None
    assert not ConfidentialityIncident.objects.filter(pk=old_world["old_incident"].pk).exists()
    assert ConfidentialityIncident.objects.filter(pk=old_world["young_incident"].pk).exists()
    assert Consent.objects.get(pk=old_world["unconfirmed_consent"].pk).ip_address is None
    assert Consent.objects.get(pk=old_world["in_force"].pk).ip_address == "203.0.113.7"
    again = io.StringIO()
    call_command("apply_retention", "--dry-run", f"--now={now}", stdout=again)
    assert "      0  in all" in again.getvalue()


def test_retention_never_touches_a_lead_with_open_follow_ups_or_a_customer(old_world):
    services.retention_apply(services.retention_plan())
    for key in ("won", "recent", "follow_up"):
        assert Contact.objects.get(pk=old_world[key].contact_id).erased_at is None


def test_incidents_are_kept_at_least_five_years_whatever_the_setting(old_world, settings):
    settings.CRM_RETENTION_INCIDENT_YEARS = 1  # refused by the check; the code holds anyway
    plan = services.retention_plan()
    assert plan.items["incidents"] == [old_world["old_incident"].pk]


def test_the_celery_task_applies_the_policy(old_world):
    from crm.tasks import apply_retention

    done = apply_retention.apply().get()
    assert done["people"] == 2 and done["qualification.spam_submissions"] == 1


# --- the consent ledger -----------------------------------------------------------------


def test_consents_cannot_be_changed_or_deleted():
    consent = ConsentFactory()
    consent.granted = False
    with pytest.raises(LedgerError):
        consent.save()
    with pytest.raises(LedgerError):
        consent.delete()
    with pytest.raises(LedgerError):
        Consent.objects.filter(pk=consent.pk).update(granted=False)
    with pytest.raises(LedgerError):
        Consent.objects.all().delete()
    now = timezone.now()
    Consent.objects.filter(pk=consent.pk).update(confirmed_at=now)
    Consent.objects.filter(pk=consent.pk).update(confirmed_at=now + timedelta(days=1))
    assert Consent.objects.get(pk=consent.pk).confirmed_at == now  # written once


def test_a_withdrawal_appends_and_is_logged_with_its_request():
    consent = ConsentFactory(purpose="marketing", confirmed_at=timezone.now())
    withdrawal = services.consent_withdraw(
        contact_id=consent.contact_id,
        purpose="marketing",
        wording="Plus de courriels",
        wording_version="w1",
        language="fr",
        source="one-click",
    )
    assert Consent.objects.filter(contact=consent.contact).count() == 2
    assert Consent.objects.get(pk=consent.pk).granted is True
    assert (
        selectors.consent_in_force(contact_id=consent.contact_id, purpose="marketing") == withdrawal
    )
    logged = PrivacyRequest.objects.get(kind="consent_withdrawal")
    assert logged.status == "done" and logged.contact_id == consent.contact_id


@pytest.mark.parametrize(
    ("given", "may_send"),
    [
        ("none", False),
        ("unconfirmed", False),
        ("withdrawn", False),
        ("confirmed", True),
    ],
)
def test_no_marketing_email_without_a_current_confirmed_consent(given, may_send):
    staff = UserFactory(username="mailer", roles=["Sales"])
    lead = LeadFactory()
    now = timezone.now()
    if given != "none":
        ConsentFactory(
            contact=lead.contact,
            purpose="marketing",
            confirmed_at=None if given == "unconfirmed" else now - timedelta(hours=1),
        )
    if given == "withdrawn":
        services.consent_withdraw(
            contact_id=lead.contact_id,
            purpose="marketing",
            wording="Non",
            wording_version="w",
            language="fr",
        )
    template = EmailTemplate.objects.create(
        name="Infolettre",
        purpose=EmailTemplate.Purpose.MARKETING,
        language="fr",
        subject="Nouvelles",
        body="Bonjour",
    )
    mail.outbox.clear()
    if may_send:
        services.lead_email_send(
            lead=lead, subject="Nouvelles", body="Bonjour", by=staff, template=template
        )
        assert len(mail.outbox) == 1
    else:
        with pytest.raises(services.EmailNotAllowed):
            services.lead_email_send(
                lead=lead, subject="Nouvelles", body="Bonjour", by=staff, template=template
            )
        assert mail.outbox == []


# --- the incident register ----------------------------------------------------------------


def test_the_incident_register_is_the_privacy_officers_and_exports_safe_csv(client, officer):
    recent = incident(date.today() - timedelta(days=30))
    client.force_login(officer)
    url = reverse("admin:crm_confidentialityincident_changelist")
    answer = client.post(
        url, {"action": "export_for_the_commission", "_selected_action": [recent.pk]}
    )
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode().lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][15].startswith("'=")  # formula neutralized
    delete = reverse("admin:crm_confidentialityincident_delete", args=[recent.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ConfidentialityIncident.objects.filter(pk=recent.pk).exists()
    for role in ("Sales", "Reviewer"):
        client.force_login(UserFactory(username=f"i-{role}", roles=[role]))
        assert client.get(url).status_code == 403


def test_a_new_incident_records_who_recorded_it(client, officer):
    client.force_login(officer)
    answer = client.post(
        reverse("admin:crm_confidentialityincident_add"),
        {
            "information_concerned": "Noms et courriels",
            "circumstances": "Portable volé",
            "occurred_from": "2026-11-02",
            "discovered_from": "2026-11-03",
            "people_count": "12",
            "people_count_approximate": "on",
            "risk_assessment": "Chiffré : faible",
            "measures": "Effacement à distance",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert ConfidentialityIncident.objects.get().recorded_by == officer


# --- Québec's business days ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_is_computed(year, easter):
    assert easter_sunday(year) == easter


def test_the_holidays_move_where_the_law_says():
    holidays_2029 = quebec_holidays(2029)  # June 24 and July 1 are Sundays
    assert date(2029, 6, 25) in holidays_2029 and date(2029, 7, 2) in holidays_2029
    assert date(2029, 3, 30) in holidays_2029  # Good Friday (the employer's choice)
    assert date(2029, 4, 2) not in holidays_2029  # not Easter Monday
    holidays_2026 = quebec_holidays(2026)
    assert date(2026, 5, 18) in holidays_2026  # the Monday before May 25
    assert date(2026, 9, 7) in holidays_2026 and date(2026, 10, 12) in holidays_2026
    assert date(2027, 12, 25) in quebec_holidays(2027)  # a Saturday: it does not move
    assert date(2027, 12, 27) not in quebec_holidays(2027)


def test_ten_business_days_skip_weekends_and_holidays():
    # Thursday 2026-03-26 + 10: Good Friday April 3 is skipped -> Friday April 10.
    assert add_business_days(date(2026, 3, 26), 10) == date(2026, 4, 10)
    assert add_business_days(date(2026, 12, 18), 10) == date(2027, 1, 5)
    received = timezone.make_aware(timezone.datetime(2026, 3, 26, 10, 0))
    due = services.privacy_request_due_at("consent_withdrawal", received)
    assert timezone.localtime(due).date() == date(2026, 4, 10)


# --- the dashboard tile and the digest -----------------------------------------------------


def test_overdue_requests_are_on_the_dashboard_and_in_the_officers_digest(client, officer):
    lead = LeadFactory()
    request, _ = services.privacy_request_open(contact_id=lead.contact_id, kind="access")
    PrivacyRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(days=2))
    client.force_login(UserFactory(username="boss", is_superuser=True, email=""))
    page = client.get("/admin/").content.decode()
    assert "renseignements personnels en retard" in page
    mail.outbox.clear()
    assert services.follow_up_digests_send() == 1
    assert mail.outbox[0].to == [officer.email]
    assert f"#{request.pk}" in mail.outbox[0].body
