"""The public pages: the questionnaire at /fr/ and /en/, and the thank-you page."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache

from crm.models import Consent, Contact, Lead
from qualification.models import Submission
from tests.factories import VALID_ANSWERS, SubmissionFactory, file_pending_submissions
from tests.qualification.test_forms import form_data

pytestmark = pytest.mark.django_db


def page(client, lang="fr", **query):
    response = client.get(f"/{lang}/questionnaire/", query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_site_root_leads_to_the_french_questionnaire(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/fr/questionnaire/"


def test_the_french_page_is_french_whatever_the_browser_prefers(client):
    html = client.get("/fr/questionnaire/", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="fr">' in html
    assert "Consultant marketing ou CMO sur demande ?" in html
    assert "Sur quel horizon voyez-vous ce mandat ?" in html
    assert "Envoyer mes réponses" in html


def test_the_english_page_is_english_and_says_so(client):
    response = client.get("/en/questionnaire/", headers={"Accept-Language": "fr"})
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Over what time frame do you see this engagement?" in html
    assert "Send my answers" in html


def test_each_page_switches_to_the_other_language_keeping_the_campaign(client):
    """The switch is a button of the form (it carries what was typed, issue 15) posting
    to the other language's page, campaign included."""
    html = page(client, "fr", utm_source="newsletter")
    assert re.search(
        r'<button[^>]*form="questionnaire"[^>]*name="switch_language"[^>]*'
        r'formaction="/en/questionnaire/\?utm_source=newsletter"[^>]*lang="en"',
        html,
        re.S,
    )
    assert 'formaction="/fr/questionnaire/"' in page(client, "en")


def test_every_question_is_on_the_page_with_radio_groups_in_fieldsets(client):
    html = page(client)
    for key in VALID_ANSWERS:
        assert f'name="{key}"' in html
    horizon = re.search(r'<fieldset[^>]*id="field-horizon".*?</fieldset>', html, re.S).group(0)
    assert "<legend" in horizon
    assert horizon.count('type="radio"') == 4
    needs = re.search(r'<fieldset[^>]*id="field-needs".*?</fieldset>', html, re.S).group(0)
    assert needs.count('type="checkbox"') == 8
    assert 'aria-describedby="id_needs_helptext"' in needs


def test_the_page_has_contact_fields_both_consents_and_the_privacy_notice(client):
    html = page(client)
    for name in ("first_name", "last_name", "email", "phone", "job_title", "company_name"):
        assert f'name="{name}"' in html
    assert 'autocomplete="email"' in html
    assert "J’accepte que CMO sur demande communique avec moi" in html
    marketing = re.search(r'<input[^>]*name="consent_marketing"[^>]*>', html).group(0)
    assert "checked" not in marketing
    assert "utilise vos réponses et vos coordonnées uniquement" in html


def test_the_honeypot_is_hidden_from_people_and_keyboards(client):
    html = page(client)
    honeypot = re.search(r'<div class="hp" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert re.search(r'<input[^>]*name="fax"[^>]*tabindex="-1"', honeypot)
    assert 'autocomplete="off"' in honeypot


def test_the_page_uses_the_apps_stylesheet_and_no_cdn(client):
    html = page(client)
    assert "/static/qualification/questionnaire.css" in html
    assert "cdn" not in html.lower()
    assert "<script" not in html


def test_the_campaign_and_referrer_are_carried_in_hidden_fields(client):
    response = client.get(
        "/fr/questionnaire/",
        {"utm_source": "linkedin", "utm_campaign": "automne"},
        headers={"Referer": "https://www.google.ca/"},
    )
    html = response.content.decode()
    assert re.search(r'type="hidden" name="utm_source" value="linkedin"', html)
    assert re.search(r'type="hidden" name="utm_campaign" value="automne"', html)
    assert re.search(r'type="hidden" name="referrer" value="https://www.google.ca/"', html)


def test_a_complete_post_stores_the_lead_and_shows_the_thank_you_page(
    client, no_send, django_capture_on_commit_callbacks
):
    data = form_data(utm_source="linkedin", submission_token=uuid.uuid4().hex)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/fr/questionnaire/", data, REMOTE_ADDR="192.0.2.4")

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/fr/questionnaire/thanks/{submission.public_id}/"
    assert submission.channel == Submission.Channel.WEB_FORM
    assert submission.answers == VALID_ANSWERS
    no_send.assert_called_once_with(submission_id=submission.pk, noted=True)
    assert file_pending_submissions() == 1  # what the worker does first
    lead = Lead.objects.get()
    assert lead.source == "web_form"
    assert lead.utm_source == "linkedin"
    assert lead.contact.email == "josee@acme.ca"
    consent = Consent.objects.get(purpose="contact")
    assert consent.source == "http://testserver/fr/questionnaire/"
    assert consent.ip_address == "192.0.2.4"
    thanks = client.get(response["Location"]).content.decode()
    assert "Merci !" in thanks


def test_posting_the_same_form_twice_stores_it_once(client, no_send):
    data = form_data(submission_token=uuid.uuid4().hex)
    first = client.post("/fr/questionnaire/", data)
    second = client.post("/fr/questionnaire/", data)
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1


def test_a_missing_answer_shows_the_french_error_beside_its_field_and_keeps_the_rest(
    client, no_send
):
    data = form_data(horizon=None, first_name="Josée", context="Nous grandissons.")
    response = client.post("/fr/questionnaire/", data)

    assert response.status_code == 400
    html = response.content.decode()
    horizon = re.search(r'<fieldset[^>]*id="field-horizon".*?</fieldset>', html, re.S).group(0)
    assert "Veuillez répondre à cette question." in horizon
    assert 'aria-describedby="id_horizon_helptext id_horizon_error"' in horizon
    assert 'aria-invalid="true"' in horizon
    # What was typed and chosen is still there.
    assert re.search(r'name="first_name" value="Josée"', html)
    assert "Nous grandissons.</textarea>" in html
    assert re.search(r'name="involvement" value="join_leadership"[^>]*checked', html)
    assert re.search(r'name="needs" value="structure_team"[^>]*checked', html)
    # The summary at the top links to the field.
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'href="#id_horizon_0"' in summary
    assert "Il y a 1 problème dans vos réponses" in summary
    assert re.search(r"<title>Erreur\s:", html)
    assert Submission.objects.count() == Contact.objects.count() == 0


def test_a_bad_email_is_marked_invalid_and_described_by_its_error(client, no_send):
    html = client.post("/en/questionnaire/", form_data(email="josee@")).content.decode()
    email = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in email
    assert 'aria-describedby="id_email_error"' in email
    assert 'id="id_email_error"' in html
    assert "Enter a valid e-mail address, such as name@example.com." in html


def test_a_filled_honeypot_gets_the_thank_you_page_and_is_kept_as_spam(client, no_send):
    response = client.post("/fr/questionnaire/", form_data(fax="+1 555 0100"))
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/fr/questionnaire/thanks/{submission.public_id}/"
    assert submission.status == Submission.Status.SPAM
    assert Lead.objects.count() == 0
    no_send.assert_not_called()


def test_the_form_post_is_throttled_too(client, no_send, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.QUALIFICATION_SUBMISSION_RATE = "1/minute"
    cache.clear()
    client.post("/fr/questionnaire/", form_data(submission_token=uuid.uuid4().hex))
    response = client.post("/fr/questionnaire/", form_data(first_name="Ginette"))
    cache.clear()

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "Trop de soumissions depuis votre connexion" in html
    assert re.search(r'name="first_name" value="Ginette"', html)
    assert Submission.objects.count() == 1


def test_the_thank_you_page_hides_the_result_when_the_practice_hides_it(client, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = False
    submission = SubmissionFactory(status=Submission.Status.CLASSIFIED)
    Lead.objects.filter(pk=submission.lead_id).update(recommendation="fractional_cmo")
    html = client.get(f"/fr/questionnaire/thanks/{submission.public_id}/").content.decode()
    assert "Merci !" in html
    assert "Un CMO sur demande" not in html
    assert "live-region.js" not in html


def test_the_thank_you_page_shows_the_recommendation_when_allowed(client, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    submission = SubmissionFactory(status=Submission.Status.CLASSIFIED)
    Lead.objects.filter(pk=submission.lead_id).update(recommendation="fractional_cmo")
    french = client.get(f"/fr/questionnaire/thanks/{submission.public_id}/").content.decode()
    english = client.get(f"/en/questionnaire/thanks/{submission.public_id}/").content.decode()
    assert "Un CMO sur demande" in french
    assert "A fractional CMO" in english


def test_the_thank_you_page_looks_for_the_result_while_it_is_computed(client, settings):
    """A script reads the page again and shows the result in place (the browser test
    tests/browser/test_accessibility.py sees it appear); never a timed refresh of the
    page (WCAG 2.2.1), and a link does it by hand without JavaScript."""
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    submission = SubmissionFactory()
    html = client.get(f"/en/questionnaire/thanks/{submission.public_id}/").content.decode()
    assert 'http-equiv="refresh"' not in html
    assert re.search(r'<script src="[^"]*qualification/live-region\.js" defer></script>', html)
    assert re.search(
        r'<div id="result" role="status" data-live-region="waiting"[^>]*data-waiting>', html
    )
    assert "We are reading your answers" in html
    assert '<a href="?r=1">Refresh the page</a>' in html


def test_an_unknown_thank_you_page_is_not_found(client):
    assert client.get(f"/fr/questionnaire/thanks/{uuid.uuid4()}/").status_code == 404


def test_only_french_and_english_pages_exist(client):
    assert client.get("/de/questionnaire/").status_code == 404
