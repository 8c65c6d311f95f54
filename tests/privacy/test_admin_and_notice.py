"""The admin's privacy pages (permissions, confirmation) and the collection notice."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import Contact, Lead, PrivacyExport, PrivacyRequest
from tests.factories import UserFactory

from .conftest import EMAIL

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["Sales", "Reviewer"])
def test_sales_and_reviewer_get_403_on_the_export_and_erase_pages(client, person, role):
    request = services.privacy_request_file(kind="erasure", email=EMAIL, by=None)
    client.force_login(UserFactory(username=f"a-{role}", roles=[role]))
    for view in ("export", "erase"):
        url = reverse(f"admin:crm_privacyrequest_{view}", args=[request.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"reason": "x", "format": "json"}).status_code == 403
    assert Contact.objects.get(pk=person.pk).erased_at is None
    assert not PrivacyExport.objects.exists()


def test_the_officer_files_a_request_typed_in_from_an_email(client, person, officer):
    client.force_login(officer)
    answer = client.post(
        reverse("admin:crm_privacyrequest_add"),
        {"kind": "rectification", "email": " JOSEE@acme.ca ", "note": "Nouveau numéro"},
    )
    assert answer.status_code == 302
    request = PrivacyRequest.objects.get(kind="rectification")
    assert request.contact == person and request.details["note"] == "Nouveau numéro"


def test_erasing_with_follow_ups_asks_for_the_box(client, person, officer):
    Lead.objects.filter(contact=person).update(next_follow_up_at=timezone.now())
    request = services.privacy_request_file(kind="erasure", email=EMAIL, by=None)
    client.force_login(officer)
    url = reverse("admin:crm_privacyrequest_erase", args=[request.pk])
    page = client.get(url).content.decode()
    assert 'name="confirm"' in page
    refused = client.post(url, {})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert Contact.objects.get(pk=person.pk).erased_at is None
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert Contact.objects.get(pk=person.pk).erased_at is not None
    again = client.post(url, {"confirm": "on"}, follow=True)
    assert "déjà été effacée" in again.content.decode()


def test_an_export_from_the_admin_is_logged_with_who_and_why(client, person, officer):
    request = services.privacy_request_file(kind="portability", email=EMAIL, by=None)
    client.force_login(officer)
    url = reverse("admin:crm_privacyrequest_export", args=[request.pk])
    assert client.post(url, {"reason": "", "format": "csv"}).status_code == 200  # reason needed
    answer = client.post(url, {"reason": "Portabilité", "format": "csv"})
    assert answer["Content-Disposition"].startswith("attachment")
    assert EMAIL in answer.content.decode()
    log = PrivacyExport.objects.get()
    assert (log.by, log.reason, log.format, log.request_id) == (
        officer,
        "Portabilité",
        "csv",
        request.pk,
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "fr",
            [
                "traitement automatisé",
                "adresse IP",
                "anonymisés après 24 mois",
                "Responsable de la protection",
            ],
        ),
        (
            "en",
            [
                "automated processing",
                "IP address",
                "anonymised after 24 months",
                "Person in charge",
            ],
        ),
    ],
)
def test_the_form_names_purposes_automation_technical_data_retention_and_the_officer(
    client, settings, lang, words
):
    settings.CRM_PRIVACY_OFFICER = "Jeanne Roy, vie.privee@example.com"
    settings.QUALIFICATION_PRIVACY_POLICY_URL = "https://practice.example/privacy"
    html = client.get(f"/{lang}/questionnaire/").content.decode()
    for word in [*words, "Jeanne Roy, vie.privee@example.com", "https://practice.example/privacy"]:
        assert word in html, word
    # Privacy by default: no optional collection is ticked.
    assert 'name="consent_marketing"' in html
    assert 'name="consent_marketing" checked' not in html
    api = client.get(f"/api/v1/questionnaire/?lang={lang}").json()
    assert any(words[0] in line for line in api["privacy_notice"]["details"])
