"""Issue 12: the private page, its actions, its downloads, and a new link by address."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from unittest import mock

import pytest

from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.models import Consent, Contact, Lead, LeadEvent, PrivacyRequest
from qualification import services
from qualification.models import Submission
from qualification.prospect import links

from .conftest import JOSEE, signed_long_ago

pytestmark = pytest.mark.django_db


def page_path(token: str, lang: str = "fr", rest: str = "") -> str:
    return f"/{lang}/my-data/{token}/{rest}"


def test_the_page_shows_what_is_kept_in_the_persons_language(client, private_token, contact):
    french = client.get(page_path(private_token))
    assert french.status_code == 200
    html = french.content.decode()
    assert french["Cache-Control"] == "no-store"
    assert french["Referrer-Policy"] == "same-origin"
    for text in [
        "Votre page privée",
        "josee@acme.ca",
        "514 555-0199",
        "Acme",
        "Sur quel horizon voyez-vous ce mandat ?",  # the answers as question and answer text
        "En continu, sans fin prévue",
        "Un CMO sur demande",  # the recommendation
        "Les principaux facteurs",
        "traitement automatisé",
        "J’accepte que CMO sur demande communique avec moi",  # the wording accepted
        "non confirmé : ne compte pas",  # marketing waits for its confirmation
        'lang="en" hreflang="en"',  # the language switch
    ]:
        assert text in html, text
    english = client.get(page_path(private_token, "en")).content.decode()
    assert "Over what time frame do you see this engagement?" in english
    assert "A fractional CMO" in english


@pytest.mark.parametrize(
    ("make_path", "status", "words"),
    [
        (lambda t, c: page_path(t[:-4] + "abcd"), 403, "Ce lien ne fonctionne pas"),
        (lambda t, c: page_path("not-a-token"), 403, "Ce lien ne fonctionne pas"),
        (
            lambda t, c: page_path(
                signed_long_ago(
                    lambda: links.private_token(contact_id=c.pk, email=c.email), days=15
                )
            ),
            410,
            "Ce lien a expiré",
        ),
        (
            lambda t, c: page_path(links.private_token(contact_id=c.pk + 99, email=c.email)),
            410,
            "Aucune information n’est conservée sous ce lien",
        ),
    ],
)
def test_a_bad_link_is_refused_in_the_persons_language(
    client, private_token, contact, make_path, status, words
):
    answer = client.get(make_path(private_token, contact))
    assert answer.status_code == status
    assert words in answer.content.decode()
    assert "josee@acme.ca" not in answer.content.decode()


def test_a_link_for_a_changed_address_leads_nowhere(client, private_token, contact):
    crm_services.contact_update(contact=contact, email="autre@acme.ca", first_name="Josée")
    assert client.get(page_path(private_token)).status_code == 410
    assert client.post(page_path(private_token, rest="erasure/")).status_code == 410
    assert PrivacyRequest.objects.count() == 0


# --- Actions ---------------------------------------------------------------------------------


def test_asking_for_a_review_files_a_request_due_in_30_days_once(client, private_token, contact):
    path = page_path(private_token, rest="review/")
    first = client.post(path, {"observations": "Nous avons déjà une VP marketing."})
    assert first.status_code == 201
    assert "Votre demande de révision est reçue" in first.content.decode()
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.status, request.contact) == ("review", "open", contact)
    assert request.due_at - request.received_at == timedelta(days=30)
    assert request.details["observations"] == "Nous avons déjà une VP marketing."
    assert request.lead == contact.leads.get()
    assert LeadEvent.objects.filter(kind="prospect", to_value="review_requested").count() == 1

    again = client.post(path, {"observations": "Encore."}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    assert "Vous avez déjà demandé une révision" in again.content.decode()
    assert PrivacyRequest.objects.count() == 1
    assert LeadEvent.objects.filter(kind="prospect", to_value="review_requested").count() == 1


def test_empty_observations_are_a_field_error_and_file_nothing(client, private_token):
    answer = client.post(page_path(private_token, "en", "review/"), {"observations": "  "})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "Write what you would like the person reviewing it to know." in html
    assert 'aria-invalid="true"' in html
    assert PrivacyRequest.objects.count() == 0


def test_a_closed_review_lets_the_person_ask_again(client, private_token, contact):
    path = page_path(private_token, rest="review/")
    client.post(path, {"observations": "Première."})
    crm_services.privacy_request_handle(
        privacy_request=PrivacyRequest.objects.get(), status="done", resolution="", by=None
    )
    assert client.post(path, {"observations": "Deuxième."}).status_code == 201
    assert PrivacyRequest.objects.count() == 2


def test_asking_for_erasure_records_the_request_only(client, private_token, contact):
    answer = client.post(page_path(private_token, rest="erasure/"))
    assert answer.status_code == 201
    assert PrivacyRequest.objects.get().kind == "erasure"
    assert Contact.objects.filter(pk=contact.pk).exists()  # handled by the privacy operations
    assert client.post(page_path(private_token, rest="erasure/")).status_code == 409
    assert PrivacyRequest.objects.count() == 1


def test_withdrawing_marketing_from_the_page(client, private_token, contact):
    crm_services.consents_confirm(
        consent_ids=[Consent.objects.get(contact=contact, purpose="marketing").pk],
        email=contact.email,
    )
    page = client.get(page_path(private_token)).content.decode()
    assert "Ne plus recevoir vos nouvelles" in page
    answer = client.post(page_path(private_token, rest="withdraw-marketing/"))
    assert answer.status_code == 200
    assert "Votre consentement au marketing est retiré" in answer.content.decode()
    assert not crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing").granted
    again = client.post(page_path(private_token, rest="withdraw-marketing/"))
    assert "Rien à retirer" in again.content.decode()


def test_the_actions_need_the_csrf_token(private_token):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(page_path(private_token, rest="erasure/")).status_code == 403
    assert PrivacyRequest.objects.count() == 0


# --- Downloads --------------------------------------------------------------------------------


def test_the_json_download_separates_what_was_provided_from_what_was_inferred(
    client, private_token, contact
):
    answer = client.get(page_path(private_token, "en", "data.json"))
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(answer.content)
    provided, inferred = data["provided"], data["inferred"]
    assert provided["contact"]["email"] == "josee@acme.ca"
    assert provided["company"]["name"] == "Acme"
    (questionnaire,) = provided["questionnaires"]
    assert {
        "question": "Over what time frame do you see this engagement?",
        "answer": "Ongoing, no set end",
    } in questionnaire["answers"] or any(
        row["question"].startswith("Over what time frame") for row in questionnaire["answers"]
    )
    purposes = {
        (c["purpose"], c["granted"], c["confirmed_at"] is None) for c in provided["consents"]
    }
    assert purposes == {("contact", True, False), ("marketing", True, True)}
    assert all(c["wording"] for c in provided["consents"])
    # What was inferred: the recommendation, the fit and the explanation, nowhere in "provided".
    (lead,) = inferred["leads"]
    assert lead["recommendation"] == "fractional_cmo"
    assert lead["fit_grade"] and lead["explanation"]
    assert inferred["questionnaires"][0]["recommendation"] == "fractional_cmo"
    assert "recommendation" not in json.dumps(provided)
    assert LeadEvent.objects.filter(kind="prospect", to_value="data_downloaded").count() == 1


def test_the_csv_download_is_one_value_a_row_with_no_formula(client, private_token, contact):
    crm_services.company_update(company=contact.company, name='=HYPERLINK("http://x","y")')
    answer = client.get(page_path(private_token, rest="data.csv"))
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == ["part", "section", "field", "value"]
    assert ["provided", "company", "name", '\'=HYPERLINK("http://x","y")'] in rows
    assert ["provided", "contact", "email", "josee@acme.ca"] in rows
    assert ["inferred", "leads", "[1].recommendation", "fractional_cmo"] in rows
    assert {row[0] for row in rows[1:]} == {"provided", "inferred"}


def test_a_download_with_a_bad_link_gives_nothing(client, private_token):
    answer = client.get(page_path(private_token[:-3] + "xyz", rest="data.json"))
    assert answer.status_code == 403
    assert "josee" not in answer.content.decode()


# --- A new link by address -------------------------------------------------------------------


def test_asking_for_a_link_answers_the_same_whether_the_address_is_known(
    client, contact, throttle_cache, no_send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/fr/my-data/", {"email": "josee@acme.ca"})
        unknown = client.post("/fr/my-data/", {"email": "personne@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert "Vérifiez votre boîte de réception" in known.content.decode()
    # The worker decides: the same task is queued for both.
    names = [call.args[1] for call in no_send.publish.call_args_list]
    assert names == ["qualification.tasks.send_private_link"] * 2


def test_asking_for_a_link_is_rate_limited(
    client, contact, throttle_cache, no_send, settings, django_capture_on_commit_callbacks
):
    settings.QUALIFICATION_PRIVATE_LINK_RATE = "2/hour"
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert client.post("/en/my-data/", {"email": "josee@acme.ca"}).status_code == 200
        limited = client.post("/en/my-data/", {"email": "josee@acme.ca"})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Too many requests" in limited.content.decode()
    assert no_send.publish.call_count == 2


def test_a_bad_address_is_a_field_error(client, throttle_cache, no_send):
    answer = client.post("/fr/my-data/", {"email": "pas une adresse"})
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.content.decode()
    assert no_send.publish.call_count == 0


# --- Correcting one's answers --------------------------------------------------------------


def test_the_correction_link_opens_the_form_filled_in(client, private_token):
    html = client.get(f"/fr/questionnaire/?correct={private_token}").content.decode()
    assert "Vous corrigez vos réponses" in html
    assert 'value="514 555-0199"' in html
    assert 'value="ongoing" required' in html or 'value="ongoing"' in html
    assert f'value="{private_token}"' in html
    assert client.get("/fr/questionnaire/?correct=bad").status_code == 403


def test_a_correction_from_the_link_is_adopted_and_classified_again(
    client, private_token, contact, no_send, throttle_cache
):
    lead = contact.leads.get()
    form = client.get(f"/fr/questionnaire/?correct={private_token}")
    posted = {
        **{k: v for k, v in JOSEE["answers"].items() if k != "needs"},
        "needs": JOSEE["answers"]["needs"],
        "horizon": "quarter",
        "involvement": "execute_mandate",
        "represent_company": "no",
        "supervise_team": "no",
        "first_name": "Josée",
        "last_name": "Tremblay-Roy",
        "email": "JOSEE@acme.ca",
        "phone": "",
        "job_title": "PDG",
        "company_name": "Acme inc.",
        "company_website": "https://acme.ca",
        "consent_contact": "on",
        "correction": private_token,
        "submission_token": "0" * 32,
    }
    assert form.status_code == 200
    answer = client.post("/fr/questionnaire/", posted)
    assert answer.status_code == 302
    submission = Submission.objects.latest("pk")
    assert submission.details["verified_by_link"] == {
        "contact_id": contact.pk,
        "email": "josee@acme.ca",
    }
    services.submission_classify(submission_id=submission.pk)
    submission.refresh_from_db()
    lead.refresh_from_db()
    contact.refresh_from_db()
    assert submission.answers_adopted is True
    assert lead.answers["horizon"] == "quarter"
    assert (contact.last_name, contact.phone, contact.job_title) == ("Tremblay-Roy", "", "PDG")
    assert contact.company.name == "Acme inc."
    assert lead.classification["ruleset_version"] and submission.classifications.exists()
    assert LeadEvent.objects.filter(kind="prospect", to_value="answers_corrected").count() == 1
    assert not lead.proposed_changes.exists()


def test_a_post_with_the_link_but_another_address_is_an_ordinary_post(
    client, private_token, contact
):
    from qualification.prospect.correction import verified_correction

    assert verified_correction({"correction": private_token, "email": "josee@acme.ca"})
    assert verified_correction({"correction": private_token, "email": "autre@acme.ca"}) is None
    assert (
        verified_correction({"correction": private_token + "x", "email": "josee@acme.ca"}) is None
    )
    with mock.patch("django.core.signing.time.time", return_value=2e10):
        assert verified_correction({"correction": private_token, "email": "josee@acme.ca"}) is None


def test_a_known_address_post_without_the_link_still_only_proposes(client, contact, no_send):
    from .conftest import classify

    classify({**JOSEE, "contact": {**JOSEE["contact"], "last_name": "Autre"}})
    contact.refresh_from_db()
    assert contact.last_name == "Tremblay"
    assert Lead.objects.get().proposed_changes.filter(field="contact.last_name").exists()
