"""Issue 10's findings on the public intake, each with the behaviour that replaces it:
unstorable text refused at its field, scoped idempotency keys, strict consent and
language, duplicate keys, and spam kept short and not for long."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import Lead
from qualification import services
from qualification.models import Submission
from tests.factories import file_pending_submissions, submission_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/submissions/"


def post(client, payload, **extra):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(URL, data=body, content_type="application/json", **extra)


# --- item 2: text that cannot be encoded or stored ----------------------------------


def test_a_lone_surrogate_is_refused_at_its_field_with_a_readable_answer(client, no_send):
    payload = submission_payload()
    payload["answers"]["context"] = "a\udfffb"
    payload["contact"]["first_name"] = "Jos\ud800"
    response = post(client, payload)
    assert response.status_code == 400
    body = json.loads(response.content.decode("utf-8"))  # the answer itself encodes
    assert set(body) == {"answers", "contact"}
    assert list(body["answers"]) == ["context"]
    assert list(body["contact"]) == ["first_name"]
    assert "NUL" in body["answers"]["context"][0]
    assert Submission.objects.count() == 0


def test_the_refusal_is_in_the_submitters_language(client, no_send):
    # The body is refused before its own "language" can be trusted: the browser's counts.
    payload = submission_payload()
    payload["answers"]["context"] = "a\udfffb"
    french = post(client, payload, HTTP_ACCEPT_LANGUAGE="fr").json()
    english = post(client, payload, HTTP_ACCEPT_LANGUAGE="en").json()
    assert "ne peut pas être enregistré" in french["answers"]["context"][0]
    assert "cannot be stored" in english["answers"]["context"][0]


def test_a_bad_key_is_named_as_it_can_be_shown(client, no_send):
    payload = submission_payload()
    payload["answers"]["\udfffkey"] = "x"
    body = post(client, payload).json()
    assert list(body["answers"]) == ["\ufffdkey"]


def test_control_characters_in_tracking_fields_are_removed_not_refused(client, no_send):
    payload = submission_payload(source={"utm_source": "link\x07ed\x1bin"})
    response = post(client, payload)
    assert response.status_code == 202
    file_pending_submissions()
    assert Lead.objects.get().utm_source == "linkedin"


def test_line_breaks_and_tabs_stay_in_free_text(client, no_send):
    payload = submission_payload()
    payload["answers"]["context"] = "Ligne 1\nLigne 2\tfin"
    assert post(client, payload).status_code == 202
    assert Submission.objects.get().answers["context"] == "Ligne 1\nLigne 2\tfin"


def test_the_form_refuses_control_characters_in_free_text_as_the_api_does(client, no_send):
    from tests.qualification.test_forms import form_data

    response = client.post("/fr/questionnaire/", form_data(context="cloche\x07"))
    assert response.status_code == 400
    assert "caractères de contrôle" in response.content.decode()
    assert Submission.objects.count() == 0


# --- item 7: consent is JSON true, a language is fr or en, keys are unique -------------


@pytest.mark.parametrize("marketing", [True, False])
def test_json_booleans_are_consent(client, no_send, marketing):
    payload = submission_payload(consent={"contact": True, "marketing": marketing})
    assert post(client, payload).status_code == 202
    details = Submission.objects.get().details
    assert details["consent"]["marketing"]["granted"] is marketing


def test_a_loose_consent_is_explained(client, no_send):
    payload = submission_payload(language="en", consent={"contact": "yes", "marketing": 1})
    body = post(client, payload).json()
    assert body["consent"] == {
        "contact": ["Send true or false (a JSON boolean)."],
        "marketing": ["Send true or false (a JSON boolean)."],
    }


@pytest.mark.parametrize(("sent", "kept"), [("en", "en"), ("fr-CA", "fr"), ("EN-us", "en")])
def test_a_language_tag_counts_as_its_language(client, no_send, sent, kept):
    assert post(client, submission_payload(language=sent)).status_code == 202
    assert Submission.objects.get().language == kept


def test_an_unknown_language_is_refused_at_its_field(client, no_send):
    body = post(client, submission_payload(language="de"), HTTP_ACCEPT_LANGUAGE="en").json()
    assert body == {"language": ["Use fr (French) or en (English)."]}


def test_no_language_falls_back_to_the_browsers(client, no_send):
    payload = submission_payload()
    del payload["language"]
    assert post(client, payload, HTTP_ACCEPT_LANGUAGE="en").status_code == 202
    assert Submission.objects.get().language == "en"


def test_a_duplicate_key_is_named(client, no_send):
    body = post(client, '{"language": "fr", "language": "en"}', HTTP_ACCEPT_LANGUAGE="en").json()
    assert "language" in body["detail"]
    assert "more than once" in body["detail"]


# --- item 4: idempotency keys belong to their client ---------------------------------


def test_the_same_key_from_two_clients_is_two_submissions(client, no_send):
    first = post(client, submission_payload(), HTTP_IDEMPOTENCY_KEY="k1", REMOTE_ADDR="192.0.2.1")
    other = post(
        client, submission_payload(), HTTP_IDEMPOTENCY_KEY="k1", REMOTE_ADDR="198.51.100.9"
    )
    assert first.status_code == other.status_code == 202
    assert first.json()["id"] != other.json()["id"]
    assert "Idempotent-Replayed" not in other
    assert Submission.objects.count() == 2


def test_a_key_reused_with_another_body_is_422_and_stores_nothing(client, no_send):
    first = post(client, submission_payload(language="en"), HTTP_IDEMPOTENCY_KEY="k2")
    changed = submission_payload(language="en")
    changed["answers"]["horizon"] = "quarter"
    again = post(client, changed, HTTP_IDEMPOTENCY_KEY="k2")
    assert first.status_code == 202
    assert again.status_code == 422
    assert "already used for a different submission" in again.json()["idempotency_key"][0]
    assert Submission.objects.count() == 1


def test_the_same_body_with_its_keys_in_another_order_is_a_retry(client, no_send):
    payload = submission_payload()
    first = post(client, payload, HTTP_IDEMPOTENCY_KEY="k3")
    reordered = json.dumps(dict(reversed(list(payload.items()))))
    again = post(client, reordered, HTTP_IDEMPOTENCY_KEY="k3")
    assert again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_spam_does_not_take_the_key(client, no_send):
    spam = post(client, submission_payload(fax="buy now"), HTTP_IDEMPOTENCY_KEY="k4")
    real = post(client, submission_payload(), HTTP_IDEMPOTENCY_KEY="k4")
    assert spam.status_code == real.status_code == 202
    assert "Idempotent-Replayed" not in real
    assert Submission.objects.filter(status="pending").count() == 1


def test_an_invalid_post_does_not_take_the_key(client, no_send):
    bad = post(client, submission_payload(contact={}), HTTP_IDEMPOTENCY_KEY="k5")
    good = post(client, submission_payload(), HTTP_IDEMPOTENCY_KEY="k5")
    assert (bad.status_code, good.status_code) == (400, 202)
    assert "Idempotent-Replayed" not in good


def test_a_key_is_forgotten_after_24_hours(client, no_send):
    post(client, submission_payload(), HTTP_IDEMPOTENCY_KEY="k6")
    Submission.objects.update(created_at=timezone.now() - timedelta(hours=25))
    changed = submission_payload()
    changed["answers"]["horizon"] = "quarter"
    again = post(client, changed, HTTP_IDEMPOTENCY_KEY="k6")
    assert again.status_code == 202
    assert "Idempotent-Replayed" not in again
    assert Submission.objects.count() == 2


def test_a_key_with_control_characters_is_refused(client, no_send):
    response = post(client, submission_payload(), HTTP_IDEMPOTENCY_KEY="k\x01")
    assert response.status_code == 400
    assert "idempotency_key" in response.json()


# --- item 8: spam kept short and not for long ---------------------------------------------


def test_spam_keeps_a_bounded_excerpt(client, no_send, settings):
    settings.QUALIFICATION_SPAM_EXCERPT_CHARS = 300
    payload = submission_payload(fax="buy now")
    payload["answers"]["context"] = "x" * 20_000
    payload["junk"] = {"deep": ["y" * 10_000]}
    assert post(client, payload).status_code == 202
    spam = Submission.objects.get()
    assert spam.status == Submission.Status.SPAM
    assert len(spam.payload["excerpt"]) == 300
    assert spam.payload["truncated"] is True
    assert spam.answers == {}


def test_spam_excerpt_has_no_control_characters(client, no_send):
    post(client, submission_payload(fax="buy\x07now\x1b[2J"))
    assert "\x07" not in Submission.objects.get().payload["excerpt"]
    assert "buynow" in Submission.objects.get().payload["excerpt"]


def test_old_spam_is_purged_and_old_keys_forgotten(client, no_send, settings):
    settings.QUALIFICATION_SPAM_RETENTION_DAYS = 30
    post(client, submission_payload(fax="old spam"))
    post(client, submission_payload(), HTTP_IDEMPOTENCY_KEY="old-key")
    Submission.objects.update(created_at=timezone.now() - timedelta(days=31))
    post(client, submission_payload(fax="new spam"))
    result = services.submissions_purge()
    assert result == {"spam": 1, "keys": 1}
    assert Submission.objects.filter(status="spam").count() == 1
    assert Submission.objects.filter(idempotency_key__isnull=False).count() == 0
    assert Submission.objects.filter(status="pending").count() == 1  # real ones stay


# --- item 8: behind a proxy, the client is the one NUM_PROXIES points to ------------------


def test_behind_one_proxy_the_consent_evidence_keeps_the_clients_address(client, no_send, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    post(
        client,
        submission_payload(),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert Submission.objects.get().ip_address == "203.0.113.7"


def test_without_proxies_a_forged_forwarded_address_is_ignored(client, no_send, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    post(client, submission_payload(), REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert Submission.objects.get().ip_address == "198.51.100.4"


def test_without_num_proxies_a_forwarded_address_is_never_trusted(client, no_send, settings):
    # DRF's default (None) would take X-Forwarded-For as sent: a client would choose its
    # own rate-limit count, idempotency scope and consent evidence.
    settings.REST_FRAMEWORK = {
        key: value for key, value in settings.REST_FRAMEWORK.items() if key != "NUM_PROXIES"
    }
    post(client, submission_payload(), REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert Submission.objects.get().ip_address == "198.51.100.4"


def test_control_characters_in_request_headers_are_not_kept(client, no_send):
    post(
        client,
        submission_payload(),
        HTTP_USER_AGENT="Bot\x07\x1b[0m",
        HTTP_REFERER="https://x\x01.ca",
    )
    submission = Submission.objects.get()
    assert submission.user_agent == "Bot[0m"
    assert "\x01" not in submission.details["consent_source"]
