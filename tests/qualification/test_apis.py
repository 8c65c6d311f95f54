"""The public API: GET questionnaire, POST submissions, GET a submission's status."""

from __future__ import annotations

import json
import uuid
from unittest import mock

import pytest

from crm.models import Company, Consent, Contact, Lead, LeadSource
from qualification import selectors
from qualification.models import Submission
from tests.factories import (
    VALID_ANSWERS,
    SubmissionFactory,
    file_pending_submissions,
    submission_payload,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/submissions/"


def post(client, payload, **headers):
    """POST JSON; upper-case keywords (``REMOTE_ADDR``) go to the environ, others are headers.

    Then does what the worker does first (files what was stored under its contact and
    lead), so that a test sees every row a submission ends up creating.
    """
    extra = {name: headers.pop(name) for name in list(headers) if name.isupper()}
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    response = client.post(
        URL, data=body, content_type="application/json", headers=headers, **extra
    )
    file_pending_submissions()
    return response


def stored():
    """Everything a submission may create, counted."""
    return {
        model.__name__: model.objects.count()
        for model in (Company, Contact, Lead, Consent, Submission)
    }


# --- a valid post ------------------------------------------------------------------


def test_a_valid_post_is_accepted_with_its_id_before_classification(
    client, no_send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, submission_payload())

    assert response.status_code == 202
    submission = Submission.objects.get()
    assert response.json() == {"id": str(submission.public_id), "status": "pending"}
    assert response["Location"].endswith(f"/api/v1/submissions/{submission.public_id}/")
    assert submission.status == Submission.Status.PENDING
    assert submission.channel == Submission.Channel.API
    no_send.assert_called_once_with(submission_id=submission.pk, noted=True)


def test_a_valid_post_stores_contact_company_lead_answers_and_consents(client, no_send):
    payload = submission_payload(
        contact={"first_name": "Josée", "email": "  Josee@Example.COM ", "phone": "514 555-0199"},
        consent={"contact": True, "marketing": True},
    )
    post(client, payload, HTTP_USER_AGENT="PartnerSite/1.0", Referer="https://cmo.example/")

    contact = Contact.objects.get()
    assert contact.email == "josee@example.com"
    assert contact.first_name == "Josée"
    assert contact.company.name == "Boulangerie Tremblay"
    assert contact.company.website == "https://tremblay.example.com"
    lead = Lead.objects.get()
    assert lead.contact == contact
    assert lead.source == LeadSource.API
    assert lead.language == "fr"
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == (
        "linkedin",
        "social",
        "automne",
    )
    assert lead.answers == VALID_ANSWERS
    assert [row["key"] for row in lead.answers_display] == list(VALID_ANSWERS)
    assert lead.answers_display[1] == {
        "key": "horizon",
        "question": {
            "fr": "Sur quel horizon voyez-vous ce mandat ?",
            "en": "Over what time frame do you see this engagement?",
        },
        "answer": {"fr": "En continu, sans fin prévue", "en": "Ongoing, no planned end"},
    }
    submission = Submission.objects.get()
    assert submission.lead == lead
    assert submission.answers == VALID_ANSWERS
    assert submission.payload["contact"]["email"] == "  Josee@Example.COM "


def test_each_consent_keeps_its_wording_version_text_time_ip_and_source(client, no_send):
    post(
        client,
        submission_payload(consent={"contact": True, "marketing": False}),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="PartnerSite/1.0",
        Referer="https://cmo.example/contact/",
    )

    consents = {consent.purpose: consent for consent in Consent.objects.all()}
    assert set(consents) == {"contact", "marketing"}
    contact = consents["contact"]
    assert contact.granted is True
    assert contact.wording_version == "contact-2026-11"
    assert contact.wording == (
        "J’accepte que CMO sur demande communique avec moi par courriel ou par téléphone "
        "au sujet de cette demande."
    )
    assert contact.language == "fr"
    assert contact.ip_address == "203.0.113.7"
    assert contact.user_agent == "PartnerSite/1.0"
    assert contact.source == "api https://cmo.example/contact/"
    assert contact.created_at is not None
    assert contact.lead == Lead.objects.get()
    marketing = consents["marketing"]
    assert marketing.granted is False
    assert marketing.wording_version == "marketing-2026-11"
    assert "désabonner" in marketing.wording


def test_an_english_submission_stores_english_wording(client, no_send):
    post(client, submission_payload(language="en"))
    consent = Consent.objects.get(purpose="contact")
    assert consent.language == "en"
    assert consent.wording == (
        "I agree to be contacted by CMO on demand, by e-mail or by phone, about this request."
    )
    assert Lead.objects.get().language == "en"


def test_a_website_typed_without_its_scheme_is_accepted(client, no_send):
    response = post(client, submission_payload(company={"name": "Acme", "website": "acme.ca"}))
    assert response.status_code == 202
    assert Company.objects.get().website == "https://acme.ca"


def test_over_long_tracking_fields_are_cut_not_refused(client, no_send):
    response = post(client, submission_payload(source={"utm_campaign": "c" * 900}))
    assert response.status_code == 202
    assert Lead.objects.get().utm_campaign == "c" * 200


# --- malformed posts: 400, field-level, in the submission's language, nothing stored -----

MALFORMED = [
    pytest.param(
        {"answers": {**VALID_ANSWERS, "budget_total": "lots"}},
        ("answers", "budget_total"),
        "Cette question ne fait pas partie du questionnaire.",
        "This question is not part of the questionnaire.",
        id="unknown-answer-key",
    ),
    pytest.param(
        {"answers": {**VALID_ANSWERS, "horizon": "someday"}},
        ("answers", "horizon"),
        "« someday » ne fait pas partie des choix offerts.",
        "“someday” is not one of the choices.",
        id="unknown-choice",
    ),
    pytest.param(
        {"answers": {k: v for k, v in VALID_ANSWERS.items() if k != "employees"}},
        ("answers", "employees"),
        "Veuillez répondre à cette question.",
        "Please answer this question.",
        id="missing-answer",
    ),
    pytest.param(
        {
            "answers": {
                **VALID_ANSWERS,
                "needs": ["launch_campaign", "structure_team", "align_strategy", "implement_tool"],
            }
        },
        ("answers", "needs"),
        "Choisissez au plus 3 réponses.",
        "Choose at most 3 answers.",
        id="too-many-choices",
    ),  # fmt: skip
    pytest.param(
        {"answers": {**VALID_ANSWERS, "needs": []}},
        ("answers", "needs"),
        "Choisissez au moins 1 réponse.",
        "Choose at least 1 answer.",
        id="too-few-choices",
    ),
    pytest.param(
        {"answers": {**VALID_ANSWERS, "horizon": 3}},
        ("answers", "horizon"),
        "Une seule réponse est attendue : la clé d’un choix, en texte.",
        "Expected one answer: a choice key, as text.",
        id="wrong-type-single",
    ),
    pytest.param(
        {"answers": {**VALID_ANSWERS, "needs": "structure_team"}},
        ("answers", "needs"),
        "Une liste de réponses est attendue : des clés de choix, en texte.",
        "Expected a list of answers: choice keys, as text.",
        id="wrong-type-multiple",
    ),
    pytest.param(
        {"answers": ["needs", "horizon"]},
        ("answers",),
        "Un objet est attendu : les réponses, indexées par clé de question.",
        "Expected an object: the answers keyed by question.",
        id="wrong-type-answers",
    ),
    pytest.param(
        {"answers": {**VALID_ANSWERS, "context": "x" * 2001}},
        ("answers", "context"),
        "Limitez cette réponse à 2000 caractères (elle en compte 2001).",
        "Keep this answer to 2000 characters or fewer (it has 2001).",
        id="context-too-long",
    ),
    pytest.param(
        {"contact": {"first_name": "Josée", "email": "josee@"}},
        ("contact", "email"),
        "Entrez une adresse courriel valide, par exemple nom@exemple.com.",
        "Enter a valid e-mail address, such as name@example.com.",
        id="bad-email",
    ),
    pytest.param(
        {"contact": {"email": "josee@example.com"}},
        ("contact", "first_name"),
        "Veuillez inscrire votre prénom.",
        "Please enter your first name.",
        id="missing-first-name",
    ),
    pytest.param(
        {"contact": {"first_name": "Josée"}},
        ("contact", "email"),
        "Veuillez inscrire votre adresse courriel.",
        "Please enter your e-mail address.",
        id="missing-email",
    ),
    pytest.param(
        {"company": {"website": "https://acme.ca"}},
        ("company", "name"),
        "Veuillez inscrire le nom de votre entreprise.",
        "Please enter your company's name.",
        id="missing-company-name",
    ),
    pytest.param(
        {"consent": {"marketing": True}},
        ("consent", "contact"),
        "Veuillez accepter que nous communiquions avec vous afin de pouvoir vous répondre.",
        "Please agree to be contacted so we can reply to you.",
        id="missing-contact-consent",
    ),
    pytest.param(
        {"consent": {"contact": False, "marketing": True}},
        ("consent", "contact"),
        "Veuillez accepter que nous communiquions avec vous afin de pouvoir vous répondre.",
        "Please agree to be contacted so we can reply to you.",
        id="false-contact-consent",
    ),
    pytest.param(
        {"contact": {"first_name": "J" * 101, "email": "josee@example.com"}},
        ("contact", "first_name"),
        "Assurez-vous que ce champ comporte au plus 100\xa0caractères.",
        "Ensure this field has no more than 100 characters.",
        id="first-name-too-long",
    ),
    pytest.param(
        {"contact": {"first_name": "Josée", "email": "josee@example.com", "phone": "5" * 41}},
        ("contact", "phone"),
        "Assurez-vous que ce champ comporte au plus 40\xa0caractères.",
        "Ensure this field has no more than 40 characters.",
        id="phone-too-long",
    ),
    pytest.param(
        {"company": {"name": "A" * 201}},
        ("company", "name"),
        "Assurez-vous que ce champ comporte au plus 200\xa0caractères.",
        "Ensure this field has no more than 200 characters.",
        id="company-name-too-long",
    ),
    pytest.param(
        {"company": {"name": "Acme", "website": "not a web site"}},
        ("company", "website"),
        "Entrez une adresse Web valide, par exemple exemple.com.",
        "Enter a valid web address, such as example.com.",
        id="bad-website",
    ),
]


def error_at(body, path):
    for part in path:
        body = body[part]
    return body


@pytest.mark.parametrize(("change", "path", "french", "english"), MALFORMED)
def test_a_malformed_french_post_gets_a_french_field_error_and_stores_nothing(
    client, no_send, change, path, french, english
):
    before = stored()
    response = post(client, submission_payload(language="fr", **change))

    assert response.status_code == 400
    assert error_at(response.json(), path) == [french]
    assert stored() == before
    no_send.assert_not_called()


@pytest.mark.parametrize(("change", "path", "french", "english"), MALFORMED)
def test_a_malformed_english_post_gets_an_english_field_error_and_stores_nothing(
    client, no_send, change, path, french, english
):
    before = stored()
    response = post(client, submission_payload(language="en", **change))

    assert response.status_code == 400
    assert error_at(response.json(), path) == [english]
    assert stored() == before


def test_all_errors_come_back_at_once_nested_by_part(client, no_send):
    payload = {"language": "en", "contact": {"email": "nope"}, "answers": {"horizon": "x"}}
    body = post(client, payload).json()
    assert set(body) == {"contact", "company", "answers", "consent"}
    assert set(body["contact"]) == {"first_name", "email"}
    assert len(body["answers"]) == 14  # every required question, "horizon" for its bad choice
    assert body["answers"]["horizon"] == ["“x” is not one of the choices."]


def test_without_a_language_the_accept_language_header_decides(client, no_send):
    payload = submission_payload(answers={**VALID_ANSWERS, "horizon": "someday"})
    del payload["language"]
    english = post(client, payload, **{"Accept-Language": "en-CA,en;q=0.8"})
    french = post(client, payload)
    unknown = post(client, {**payload, "language": "de"}, **{"Accept-Language": "en"})

    assert english.json()["answers"]["horizon"] == ["“someday” is not one of the choices."]
    assert french.json()["answers"]["horizon"] == [
        "« someday » ne fait pas partie des choix offerts."
    ]
    assert unknown.json()["answers"]["horizon"] == ["“someday” is not one of the choices."]


def test_a_body_that_is_not_json_is_refused_and_nothing_stored(client, no_send):
    before = stored()
    response = post(client, "{not json")
    assert response.status_code == 400
    assert stored() == before


def test_a_body_over_64_kib_is_refused_with_413_and_nothing_stored(client, no_send):
    before = stored()
    payload = submission_payload(padding="x" * (64 * 1024))
    response = post(client, payload)
    assert response.status_code == 413
    assert response.json() == {"detail": "La requête est trop volumineuse (limite : 64 Kio)."}
    assert stored() == before


def test_a_body_just_under_the_limit_is_read(client, no_send):
    payload = submission_payload()
    # Tracking fields are cut, not refused: a long referrer fills the body.
    payload["source"]["referrer"] = "x" * (64 * 1024 - len(json.dumps(payload)) - 20)
    assert post(client, payload).status_code == 202


def test_a_body_whose_length_django_refuses_answers_413(client, no_send):
    from django.core.exceptions import RequestDataTooBig

    with mock.patch(
        "rest_framework.request.Request.data",
        new_callable=mock.PropertyMock,
        side_effect=RequestDataTooBig("too big"),
    ):
        response = post(client, submission_payload())
    assert response.status_code == 413


# --- Idempotency-Key ----------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_replays_the_first_answer(
    client, no_send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, submission_payload(), **{"Idempotency-Key": "abc-123"})
        retry = post(client, submission_payload(), **{"Idempotency-Key": "abc-123"})

    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Lead.objects.count() == 1
    assert Submission.objects.count() == 1
    assert Lead.objects.get().submission_count == 1
    no_send.assert_called_once()


def test_the_replay_is_the_first_answer_even_after_classification(client, no_send):
    first = post(client, submission_payload(), **{"Idempotency-Key": "k-1"})
    Submission.objects.update(status=Submission.Status.CLASSIFIED)
    retry = post(client, submission_payload(), **{"Idempotency-Key": "k-1"})
    assert retry.json() == first.json() == {"id": first.json()["id"], "status": "pending"}


def test_posts_with_different_idempotency_keys_are_two_submissions(client, no_send):
    post(client, submission_payload(), **{"Idempotency-Key": "a"})
    post(client, submission_payload(), **{"Idempotency-Key": "b"})
    assert Submission.objects.count() == 2


def test_a_race_on_the_same_idempotency_key_replays_the_winner(client, no_send):
    winner = post(client, submission_payload(), **{"Idempotency-Key": "race"})
    real_lookup = selectors.submission_by_idempotency_key
    misses = iter([None, None])

    def late_lookup(**kwargs):
        # The loser looked (in the view, then in the service) before the winner had
        # committed: only the unique key on insert tells it.
        return next(misses, real_lookup(**kwargs))

    with mock.patch("qualification.services.intake.submission_by_idempotency_key", late_lookup):
        loser = post(client, submission_payload(), **{"Idempotency-Key": "race"})
    assert loser.status_code == 202
    assert loser.json() == winner.json()
    assert Submission.objects.count() == 1
    assert Lead.objects.get().submission_count == 1


def test_an_idempotency_key_over_200_characters_is_refused(client, no_send):
    response = post(client, submission_payload(), **{"Idempotency-Key": "k" * 201})
    assert response.status_code == 400
    assert Submission.objects.count() == 0


# --- returning prospects --------------------------------------------------------------


def test_the_same_email_in_another_case_with_spaces_joins_the_same_contact_and_lead(
    client, no_send
):
    post(client, submission_payload(contact={"first_name": "Josée", "email": "josee@acme.ca"}))
    second = submission_payload(contact={"first_name": "Josée", "email": "  JOSEE@Acme.CA  "})
    second["answers"]["horizon"] = "quarter"
    post(client, second)

    assert Contact.objects.count() == 1
    lead = Lead.objects.get()
    assert lead.submission_count == 2
    assert lead.last_returned_at is not None
    # The second post proves nothing about who sent it: its answers are proposed, not
    # applied (issue 10).
    assert lead.answers["horizon"] == "ongoing"
    assert list(lead.submissions.order_by("id").values_list("answers__horizon", flat=True)) == [
        "ongoing",
        "quarter",
    ]
    proposed = lead.proposed_changes.get(field="lead.answers")
    assert proposed.proposed["answers"]["horizon"] == "quarter"


# --- spam -----------------------------------------------------------------------------


def test_a_filled_honeypot_looks_accepted_but_is_kept_as_spam_and_sends_nothing(
    client, no_send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, submission_payload(fax="+1 555 0100"))

    assert response.status_code == 202
    submission = Submission.objects.get()
    assert response.json() == {"id": str(submission.public_id), "status": "pending"}
    assert submission.status == Submission.Status.SPAM
    assert submission.lead is None
    # A bounded excerpt of what was posted is kept, not the answers as data.
    assert '"fax": "+1 555 0100"' in submission.payload["excerpt"]
    assert submission.payload["truncated"] is False
    assert submission.answers == {}
    assert (Contact.objects.count(), Lead.objects.count(), Consent.objects.count()) == (0, 0, 0)
    no_send.assert_not_called()


def test_spam_is_kept_even_when_the_rest_is_garbage(client, no_send):
    response = post(client, {"fax": "x", "answers": "nothing", "contact": 3})
    assert response.status_code == 202
    assert Submission.objects.get().status == Submission.Status.SPAM


def test_spam_status_reads_pending_to_its_sender(client, no_send):
    body = post(client, submission_payload(fax="x")).json()
    assert client.get(f"{URL}{body['id']}/").json()["status"] == "pending"


# --- throttling --------------------------------------------------------------------------


def test_past_the_rate_limit_a_post_gets_429_with_retry_after(
    client, no_send, settings, throttle_cache
):
    settings.QUALIFICATION_SUBMISSION_RATE = "3/minute"
    codes = [post(client, submission_payload()).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    response = post(client, submission_payload())
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert Submission.objects.count() == 3


def test_a_forged_x_forwarded_for_does_not_dodge_the_rate_limit(
    client, no_send, settings, throttle_cache
):
    settings.QUALIFICATION_SUBMISSION_RATE = "2/minute"
    codes = [
        post(client, submission_payload(), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert codes == [202, 202, 429]


def test_each_client_address_has_its_own_allowance(client, no_send, settings, throttle_cache):
    settings.QUALIFICATION_SUBMISSION_RATE = "1/minute"
    assert post(client, submission_payload(), REMOTE_ADDR="192.0.2.1").status_code == 202
    assert post(client, submission_payload(), REMOTE_ADDR="192.0.2.1").status_code == 429
    assert post(client, submission_payload(), REMOTE_ADDR="192.0.2.2").status_code == 202


def test_the_rate_limit_lets_posts_through_when_its_cache_is_down(
    client, no_send, settings, caplog
):
    # Unit tests point the cache at a port where no Redis runs.
    settings.QUALIFICATION_SUBMISSION_RATE = "1/minute"
    codes = [post(client, submission_payload()).status_code for _ in range(3)]
    assert codes == [202, 202, 202]
    assert "rate limit skipped" in caplog.text


def test_reading_the_questionnaire_is_not_throttled(client, settings, throttle_cache):
    settings.QUALIFICATION_SUBMISSION_RATE = "1/minute"
    codes = [client.get("/api/v1/questionnaire/").status_code for _ in range(3)]
    assert codes == [200, 200, 200]


# --- CORS -----------------------------------------------------------------------------


def test_the_practice_site_may_post_from_a_browser_with_an_idempotency_key(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://cmo.example"]
    preflight = client.options(
        URL,
        headers={
            "Origin": "https://cmo.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://cmo.example"
    assert "idempotency-key" in preflight["Access-Control-Allow-Headers"]


def test_another_origin_gets_no_cors_permission(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://cmo.example"]
    response = client.get("/api/v1/questionnaire/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response


def test_the_staff_api_is_not_opened_to_other_origins(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://cmo.example"]
    response = client.get("/api/v1/leads/", headers={"Origin": "https://cmo.example"})
    assert "Access-Control-Allow-Origin" not in response


# --- GET questionnaire ----------------------------------------------------------------


def test_the_questionnaire_comes_in_french_by_default(client):
    body = client.get("/api/v1/questionnaire/").json()
    assert body["version"] == 1
    assert body["language"] == "fr"
    assert body["title"] == "Consultant marketing ou CMO sur demande ?"
    keys = [question["key"] for question in body["questions"]]
    assert keys == [*VALID_ANSWERS]
    needs = body["questions"][0]
    assert (needs["kind"], needs["min_choices"], needs["max_choices"]) == ("multiple", 1, 3)
    assert needs["choices"][0] == {
        "key": "fix_specific_problem",
        "label": "Régler un problème marketing précis",
    }
    assert body["consent"]["contact"]["version"] == "contact-2026-11"
    assert body["consent"]["contact"]["text"].startswith("J’accepte que CMO sur demande")
    assert body["honeypot_field"] == "fax"


def test_the_questionnaire_comes_in_english_when_asked(client):
    body = client.get("/api/v1/questionnaire/?lang=en").json()
    assert body["language"] == "en"
    assert body["questions"][1]["label"] == "Over what time frame do you see this engagement?"
    assert body["questions"][-1]["max_length"] == 2000
    assert body["privacy_notice"]["text"].startswith("CMO on demand uses your answers")


def test_the_questionnaire_is_read_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/questionnaire/").status_code == 200


# --- GET a submission's status -------------------------------------------------------------


def test_the_status_of_a_pending_submission(client):
    submission = SubmissionFactory()
    body = client.get(f"{URL}{submission.public_id}/").json()
    assert body == {
        "id": str(submission.public_id),
        "status": "pending",
        "recommendation": None,
        "alternative": None,
        "reasons": [],
        "notice": None,
        "next_step": {"kind": "write", "url": ""},
    }


def test_an_unknown_submission_is_not_found(client):
    assert client.get(f"{URL}{uuid.uuid4()}/").status_code == 404


def test_the_recommendation_stays_hidden_when_the_practice_hides_it(client, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = False
    submission = SubmissionFactory(status=Submission.Status.CLASSIFIED)
    Lead.objects.filter(pk=submission.lead_id).update(recommendation="fractional_cmo")
    body = client.get(f"{URL}{submission.public_id}/").json()
    assert body["status"] == "classified"
    assert body["recommendation"] is None


def test_the_recommendation_in_force_shows_when_the_practice_allows_it(client, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    submission = SubmissionFactory(status=Submission.Status.CLASSIFIED, language="en")
    Lead.objects.filter(pk=submission.lead_id).update(
        recommendation="consultant",
        override_recommendation="fractional_cmo",
        override_reason="Talked to the CEO",
    )
    body = client.get(f"{URL}{submission.public_id}/").json()
    assert body["recommendation"]["key"] == "fractional_cmo"
    assert body["recommendation"]["label"] == "A fractional CMO"


def test_a_pending_submission_shows_no_recommendation_even_when_allowed(client, settings):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    submission = SubmissionFactory()
    Lead.objects.filter(pk=submission.lead_id).update(recommendation="consultant")
    assert client.get(f"{URL}{submission.public_id}/").json()["recommendation"] is None


def test_the_openapi_schema_documents_the_public_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/v1/questionnaire/", "/api/v1/submissions/"} <= set(schema["paths"])
    assert "/api/v1/submissions/{public_id}/" in schema["paths"]
    post_op = schema["paths"]["/api/v1/submissions/"]["post"]
    assert set(post_op["responses"]) >= {"202", "400", "413", "429"}
