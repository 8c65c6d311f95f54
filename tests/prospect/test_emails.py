"""Issue 12: the e-mails a prospect receives, in their language, with RFC 8058's headers."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from crm import services as crm_services
from crm.models import Contact, Lead, PrivacyRequest
from qualification import services
from qualification.models import Submission
from tests.factories import UserFactory, submission_payload

from .conftest import JOSEE, SITE, classify

pytestmark = pytest.mark.django_db


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text)


def html_of(message) -> str:
    ((html, kind),) = message.alternatives
    assert kind == "text/html"
    return html


def assert_one_click_unsubscribe(message):
    header = message.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(SITE)}/(fr|en)/unsubscribe/[^>\s]+/>", header)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("fr", "Vos réponses à CMO sur demande", ["Bonjour Josée,", "Un CMO sur demande",
                                                 "traitement automatisé", "Votre page privée",
                                                 "Confirmer mon consentement"]),
        ("en", "Your answers to CMO on demand", ["Hello Josée,", "A fractional CMO",
                                                "automated processing", "Your private page",
                                                "Confirm my consent"]),
    ],
)  # fmt: skip
def test_the_confirmation_e_mail_in_the_prospects_language(josee_in, language, subject, words):
    submission = josee_in(language)
    assert services.submission_send_confirmation(submission_id=submission.pk) is True
    (message,) = mail.outbox
    assert message.to == ["josee@acme.ca"]
    assert message.subject == subject
    assert_one_click_unsubscribe(message)
    html = html_of(message)
    for word in words:
        assert word in html
    text = message.body
    for word in words[:-1]:
        assert word in text
    # The answers' summary, as question and answer text.
    horizon = {
        "fr": "Sur quel horizon voyez-vous ce mandat ?",
        "en": "Over what time frame do you see this engagement?",
    }
    assert f"- {horizon[language]}\n" in text
    assert horizon[language] in html
    # Every link is absolute, from the site's address; the private page and the confirmation.
    found = links_in(text)
    assert found and all(link.startswith(SITE) for link in found)
    assert any(f"/{language}/my-data/" in link for link in found)
    assert any(f"/{language}/confirm/" in link for link in found)


@pytest.fixture
def josee_in(db, no_send):
    def make(language: str) -> Submission:
        submission = classify({**JOSEE, "language": language})
        mail.outbox.clear()
        return submission

    return make


def test_the_confirmation_e_mail_is_sent_once(josee):
    assert services.submission_send_confirmation(submission_id=josee.pk) is True
    assert services.submission_send_confirmation(submission_id=josee.pk) is False
    assert len(mail.outbox) == 1
    josee.refresh_from_db()
    assert josee.confirmation_sent_at is not None


def test_the_worker_queues_the_confirmation_once_the_classification_commits(
    db, no_send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = classify(JOSEE)
    no_send.publish.assert_called_once()
    (_app, name), kwargs = no_send.publish.call_args
    assert name == "qualification.tasks.send_prospect_confirmation"
    assert kwargs == {"args": [submission.pk]}


def test_a_failed_send_frees_the_submission_for_a_retry(josee, monkeypatch):
    def broken(self, *args, **kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
    with pytest.raises(ConnectionError):
        services.submission_send_confirmation(submission_id=josee.pk)
    josee.refresh_from_db()
    assert josee.confirmation_sent_at is None


def test_without_marketing_consent_there_is_no_confirmation_link(db, no_send):
    submission = classify(submission_payload(consent={"contact": True, "marketing": False}))
    services.submission_send_confirmation(submission_id=submission.pk)
    (message,) = mail.outbox
    assert "/confirm/" not in message.body
    assert "/my-data/" in message.body


def test_the_booking_link_for_a_good_fit_has_the_name_and_address_filled_in(josee, settings):
    settings.QUALIFICATION_BOOKING_URL = "https://cal.example/intro?name={name}&email={email}"
    settings.QUALIFICATION_BOOKING_MIN_GRADE = "D"
    services.submission_send_confirmation(submission_id=josee.pk)
    (message,) = mail.outbox
    assert "https://cal.example/intro?name=Jos%C3%A9e%20Tremblay&email=josee%40acme.ca" in (
        message.body
    )


def test_a_lead_below_the_grade_gets_the_softer_step(josee, settings):
    settings.QUALIFICATION_BOOKING_URL = "https://cal.example/intro"
    settings.QUALIFICATION_BOOKING_MIN_GRADE = "A"
    settings.QUALIFICATION_RESOURCE_URL = "https://practice.example/guide"
    Lead.objects.filter(pk=josee.lead_id).update(fit_grade="C")
    services.submission_send_confirmation(submission_id=josee.pk)
    (message,) = mail.outbox
    assert "https://cal.example/intro" not in message.body
    assert "https://practice.example/guide" in message.body


def test_the_result_stays_out_of_the_e_mail_when_the_practice_hides_it(josee, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = False
    services.submission_send_confirmation(submission_id=josee.pk)
    (message,) = mail.outbox
    assert "Un CMO sur demande" not in message.body
    assert "traitement automatisé" not in message.body
    assert "/my-data/" in message.body


def test_a_new_private_link_goes_only_to_a_known_address(contact):
    assert services.private_link_send(email="nobody@example.com", language="fr") is False
    assert mail.outbox == []
    assert services.private_link_send(email=" JOSEE@acme.ca", language="en") is True
    (message,) = mail.outbox
    assert message.to == ["josee@acme.ca"]
    assert message.subject == "Your private page at CMO on demand"
    assert_one_click_unsubscribe(message)
    assert any("/en/my-data/" in link for link in links_in(message.body))


def test_the_answer_to_a_review_is_e_mailed_once_staff_close_it(
    contact, django_capture_on_commit_callbacks, no_send
):
    request, _created = services.prospect_request_review(
        contact_id=contact.pk, observations="Nous avons déjà une VP.", language="fr"
    )
    staff = UserFactory(username="rita", roles=["Reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.privacy_request_handle(
            privacy_request=request, status="done", resolution="Vous avez raison.", by=staff
        )
    no_send.publish.assert_called_once()
    assert no_send.publish.call_args.kwargs == {"args": [request.pk]}
    assert services.privacy_answer_send(request_id=request.pk) is True
    assert services.privacy_answer_send(request_id=request.pk) is False
    (message,) = mail.outbox
    assert "Vous avez raison." in message.body
    assert "Révision d’une décision automatisée" in message.body
    assert_one_click_unsubscribe(message)
    request.refresh_from_db()
    assert request.handled_by == staff and request.answer_sent_at is not None


def test_demo_data_gets_no_confirmation(db, no_send):
    submission = classify(JOSEE)
    Submission.objects.filter(pk=submission.pk).update(confirmation_sent_at=None)
    assert services.submissions_skip_confirmation(submission_ids=[submission.pk]) == 1
    assert services.submission_send_confirmation(submission_id=submission.pk) is False
    assert mail.outbox == []
    assert Contact.objects.count() == 1 and PrivacyRequest.objects.count() == 0
