"""Hostile input on the public API and the web form: refused with the right status, and
nothing stored (no contact, company, lead, consent or submission).

Each row is one thing an attacker or a broken client sends. Free text with scripts in
it is accepted (people may type anything) and must come out escaped wherever staff read it.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from crm.models import Company, Consent, Contact, Lead
from qualification.models import Submission
from tests.factories import VALID_ANSWERS, file_pending_submissions, submission_payload
from tests.qualification.test_forms import form_data

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/submissions/"
FORM_URL = "/fr/questionnaire/"
SCRIPT = "<script>alert('pwned')</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;"


def stored() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Company, Contact, Lead, Consent, Submission)
    }


NOTHING = {"Company": 0, "Contact": 0, "Lead": 0, "Consent": 0, "Submission": 0}


# --- the public API -----------------------------------------------------------------


def with_contact(**changes: Any) -> dict:
    contact = {"first_name": "Josée", "last_name": "Tremblay", "email": "josee@example.com"}
    return submission_payload(contact={**contact, **changes})


def with_company(**changes: Any) -> dict:
    return submission_payload(company={"name": "Boulangerie Tremblay", **changes})


def with_answers(**changes: Any) -> dict:
    return submission_payload(answers={**copy.deepcopy(VALID_ANSWERS), **changes})


def with_part(part: str, value: Any) -> dict:
    payload = submission_payload()
    payload[part] = value
    return payload


@dataclass
class Post:
    """One hostile post: a JSON-able body (or raw bytes/str) and its content type."""

    body: Any
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes | str:
        if isinstance(self.body, bytes | str):
            return self.body
        return json.dumps(self.body)


def over_64_kib() -> str:
    payload = submission_payload()
    payload["answers"]["context"] = "x" * (65 * 1024)
    return json.dumps(payload)


API_CASES = [
    # Size
    pytest.param(Post(over_64_kib()), 413, id="body-over-64-kib"),
    # Invalid e-mails
    *[
        pytest.param(Post(with_contact(email=email)), 400, id=f"invalid-email-{n}")
        for n, email in enumerate(
            [
                "josee@",
                "josee",
                "@example.com",
                "josee@example",
                "josee@@example.com",
                "josee @example.com",
                "josee@exa mple.com",
                "josee@example..com",
                "josee@example.com,mallory@example.com",
                "josee@example.com;mallory@example.com",
                "Josée <josee@example.com>",
                f"{SCRIPT}@example.com",
                "josee@" + "a" * 64 + ".com",
            ]
        )
    ],
    # Over-long e-mails (254 is the most an address may have)
    pytest.param(Post(with_contact(email="a" * 243 + "@example.com")), 400, id="email-255-chars"),
    pytest.param(Post(with_contact(email="a" * 5000 + "@example.com")), 400, id="email-5000-chars"),
    # Header injection: CR/LF in what may end up in an e-mail header
    pytest.param(
        Post(with_contact(email="josee@example.com\r\nBcc: victim@example.com")),
        400,
        id="crlf-in-email",
    ),
    pytest.param(
        Post(with_contact(email="josee@example.com\nBcc: victim@example.com")),
        400,
        id="lf-in-email",
    ),
    pytest.param(
        Post(with_contact(first_name="Josée\r\nBcc: victim@example.com")),
        400,
        id="crlf-in-first-name",
    ),
    pytest.param(
        Post(with_contact(last_name="Tremblay\nSubject: free money")), 400, id="lf-in-last-name"
    ),
    pytest.param(Post(with_contact(first_name="Josée\rX")), 400, id="cr-in-first-name"),
    pytest.param(Post(with_contact(job_title="CEO\r\nX-Evil: 1")), 400, id="crlf-in-job-title"),
    pytest.param(Post(with_contact(phone="514\r\n555-0199")), 400, id="crlf-in-phone"),
    pytest.param(
        Post(with_company(name="Acme\r\nBcc: victim@example.com")), 400, id="crlf-in-company"
    ),
    pytest.param(Post(with_contact(first_name="Jos\u2028ée")), 400, id="line-separator-in-name"),
    pytest.param(Post(with_contact(first_name="Jos\x00ée")), 400, id="nul-in-name"),
    # Unknown keys
    pytest.param(Post({**submission_payload(), "is_staff": True}), 400, id="unknown-top-level-key"),
    pytest.param(Post(with_contact(owner=1)), 400, id="unknown-contact-key"),
    pytest.param(Post(with_company(stage="won")), 400, id="unknown-company-key"),
    pytest.param(
        Post(with_part("consent", {"contact": True, "sell_my_data": True})),
        400,
        id="unknown-consent-key",
    ),
    pytest.param(Post(with_answers(budget_total="lots")), 400, id="unknown-answer-key"),
    # Wrong types
    pytest.param(Post(with_contact(first_name=["Josée"])), 400, id="list-as-first-name"),
    pytest.param(Post(with_contact(email=["josee@example.com"])), 400, id="list-as-email"),
    pytest.param(Post(with_company(name=["Acme", "Other"])), 400, id="list-as-company-name"),
    pytest.param(Post(with_contact(first_name=42)), 400, id="number-as-first-name"),
    pytest.param(Post(with_contact(email=42)), 400, id="number-as-email"),
    pytest.param(Post(with_company(name=3.14)), 400, id="number-as-company-name"),
    pytest.param(Post(with_contact(first_name=True)), 400, id="boolean-as-first-name"),
    pytest.param(Post(with_contact(first_name=None)), 400, id="null-first-name"),
    pytest.param(Post(with_contact(email=None)), 400, id="null-email"),
    pytest.param(Post(with_contact(first_name={"$ne": ""})), 400, id="object-as-first-name"),
    pytest.param(Post(with_part("language", ["fr"])), 400, id="list-as-language"),
    pytest.param(Post(with_part("language", 12)), 400, id="number-as-language"),
    pytest.param(Post(with_part("contact", "Josée")), 400, id="string-as-contact"),
    pytest.param(Post(with_part("contact", ["Josée"])), 400, id="list-as-contact"),
    pytest.param(Post(with_part("contact", None)), 400, id="null-contact"),
    pytest.param(Post(with_part("company", 7)), 400, id="number-as-company"),
    pytest.param(Post(with_part("answers", None)), 400, id="null-answers"),
    pytest.param(Post(with_part("answers", "all of them")), 400, id="string-as-answers"),
    pytest.param(Post(with_part("consent", True)), 400, id="boolean-as-consent"),
    pytest.param(
        Post(with_part("consent", {"contact": "oui", "marketing": False})),
        400,
        id="string-as-consent",
    ),
    pytest.param(Post(with_part("consent", {"contact": None})), 400, id="null-consent"),
    pytest.param(Post(with_answers(horizon={"key": "ongoing"})), 400, id="object-as-choice"),
    pytest.param(Post(with_answers(horizon=["ongoing"])), 400, id="list-as-single-choice"),
    pytest.param(Post(with_answers(needs=[1, 2])), 400, id="numbers-as-choices"),
    pytest.param(Post(with_answers(needs=[["structure_team"]])), 400, id="nested-list-choices"),
    pytest.param(Post(with_answers(context=["a", "b"])), 400, id="list-as-free-text"),
    pytest.param(Post(with_answers(context=12)), 400, id="number-as-free-text"),
    # The whole body
    pytest.param(Post([submission_payload()]), 400, id="json-array-body"),
    pytest.param(Post('"a submission"'), 400, id="json-string-body"),
    pytest.param(Post("42"), 400, id="json-number-body"),
    pytest.param(Post("null"), 400, id="json-null-body"),
    pytest.param(Post("{}"), 400, id="empty-object-body"),
    pytest.param(Post(""), 400, id="empty-body"),
    pytest.param(Post('{"contact": {"first_name": "Jos'), 400, id="truncated-json"),
    pytest.param(Post("{'contact': {}}"), 400, id="python-not-json"),
    pytest.param(Post('{"language": NaN}'), 400, id="nan-in-json"),
    pytest.param(Post(b"\xff\xfe{\x00}"), 400, id="not-utf-8"),
    pytest.param(Post("[" * 20_000 + "]" * 20_000), 400, id="deeply-nested-json"),
    pytest.param(
        Post('{"answers": ' * 5_000 + "{}" + "}" * 5_000), 400, id="deeply-nested-objects"
    ),
    # Text that cannot be encoded as UTF-8 (a lone surrogate) or stored (NUL), anywhere
    # (issue 10, item 2): every staff page showing it would fail.
    pytest.param(Post(with_answers(context="a\udfffb")), 400, id="surrogate-in-free-text"),
    pytest.param(Post(with_answers(context="a\ud800")), 400, id="high-surrogate-in-free-text"),
    pytest.param(Post(with_answers(**{"\udfff": "x"})), 400, id="surrogate-in-an-answer-key"),
    pytest.param(Post(with_answers(horizon="\udfff")), 400, id="surrogate-as-a-choice"),
    pytest.param(Post(with_answers(needs=["\udc00"])), 400, id="surrogate-in-choices"),
    pytest.param(Post(with_contact(first_name="Jos\udfffée")), 400, id="surrogate-in-name"),
    pytest.param(Post(with_company(name="Acme\udfff")), 400, id="surrogate-in-company"),
    pytest.param(
        Post(submission_payload(source={"utm_source": "a\udfff"})), 400, id="surrogate-in-utm"
    ),
    pytest.param(
        Post(submission_payload(source={"utm_term": "a\udfff"})),
        400,
        id="surrogate-in-an-ignored-tracking-key",
    ),
    pytest.param(
        Post({**submission_payload(), "\udfff": 1}), 400, id="surrogate-in-a-top-level-key"
    ),
    pytest.param(Post(with_part("language", "f\udfffr")), 400, id="surrogate-as-language"),
    pytest.param(
        Post(submission_payload(fax="a\udfffb")), 400, id="surrogate-in-the-honeypot-spam"
    ),
    pytest.param(
        Post({**submission_payload(fax="buy"), "junk": {"x": "a\udfffb"}}),
        400,
        id="surrogate-anywhere-in-spam",
    ),
    pytest.param(Post(with_answers(context="a\x00b")), 400, id="nul-in-free-text"),
    pytest.param(
        Post(submission_payload(source={"utm_term": "a\x00b"})), 400, id="nul-in-ignored-key"
    ),
    pytest.param(Post(submission_payload(fax="a\x00b")), 400, id="nul-in-the-honeypot-spam"),
    pytest.param(Post(with_answers(context="bell\x07")), 400, id="control-char-in-free-text"),
    pytest.param(Post(with_answers(context="esc\x1b[31m")), 400, id="escape-in-free-text"),
    pytest.param(Post(with_answers(context="c1\x85")), 400, id="c1-control-in-free-text"),
    # Numbers no JSON column can store (1e400 reads as infinity).
    pytest.param(
        Post(json.dumps(submission_payload())[:-1] + ', "fax": 1e400}'), 400, id="huge-number"
    ),
    pytest.param(
        Post(json.dumps(submission_payload(source={}))[:-2] + '"utm_term": -1e999}}'),
        400,
        id="huge-number-in-an-ignored-tracking-key",
    ),
    # Loose values are not consent (issue 10, item 7): JSON true, nothing else.
    *[
        pytest.param(
            Post(with_part("consent", {"contact": value, "marketing": False})),
            400,
            id=f"loose-contact-consent-{name}",
        )
        for name, value in [("yes", "yes"), ("one", 1), ("on", "on"), ("true-text", "true")]
    ],
    *[
        pytest.param(
            Post(with_part("consent", {"contact": True, "marketing": value})),
            400,
            id=f"loose-marketing-consent-{name}",
        )
        for name, value in [("yes", "yes"), ("one", 1), ("on", "on"), ("zero", 0)]
    ],
    # An unknown language is an error, not French in silence.
    pytest.param(Post(with_part("language", "de")), 400, id="unknown-language"),
    pytest.param(Post(with_part("language", "english")), 400, id="language-as-a-word"),
    pytest.param(Post(with_part("language", "xx-FR")), 400, id="unknown-language-tag"),
    # Duplicate keys: which one would count is the parser's whim.
    pytest.param(Post('{"language": "fr", "language": "en"}'), 400, id="duplicate-top-level-key"),
    pytest.param(
        Post(
            json.dumps(submission_payload())[:-1]
            + ', "consent": {"contact": false, "contact": true}}'
        ),
        400,
        id="duplicate-consent-key",
    ),
    # Wrong content type
    pytest.param(
        Post(json.dumps(submission_payload()), content_type="text/plain"), 415, id="text-plain"
    ),
    pytest.param(
        Post("first_name=Jos%C3%A9e", content_type="application/x-www-form-urlencoded"),
        415,
        id="form-encoded",
    ),
    pytest.param(
        Post(json.dumps(submission_payload()), content_type="application/xml"), 415, id="xml"
    ),
]


@pytest.mark.parametrize(("post", "status"), API_CASES)
def test_a_hostile_api_post_is_refused_and_stores_nothing(client, no_send, post, status):
    response = client.post(
        API_URL, data=post.encoded(), content_type=post.content_type, headers=post.headers
    )

    assert response.status_code == status, response.content[:500]
    assert stored() == NOTHING
    no_send.assert_not_called()


def test_the_rows_above_differ_from_a_valid_post_only_by_what_they_test(client, no_send):
    """The control: the payload the rows start from is accepted."""
    response = client.post(API_URL, data=submission_payload(), content_type="application/json")
    assert response.status_code == 202
    assert stored()["Submission"] == 1


def test_tracking_fields_are_kept_lenient_so_no_lead_is_lost_for_them(client, no_send):
    payload = submission_payload(source={"utm_source": "x" * 900, "utm_term": "cmo québec"})
    response = client.post(API_URL, data=payload, content_type="application/json")
    assert response.status_code == 202
    file_pending_submissions()
    assert Lead.objects.get().utm_source == "x" * 200


# --- the web form ---------------------------------------------------------------------


def many_fields(count: int) -> dict:
    data = form_data()
    for n in range(count - len(data)):
        data[f"extra{n}"] = "x"
    assert len(data) == count
    return data


FORM_CASES = [
    pytest.param(many_fields(1_001), 400, id="1001-fields"),
    pytest.param(form_data(context="x" * (65 * 1024)), 400, id="body-over-64-kib"),
    pytest.param(form_data(email="josee@"), 400, id="invalid-email"),
    pytest.param(form_data(email="a" * 243 + "@example.com"), 400, id="email-255-chars"),
    pytest.param(
        form_data(email="josee@acme.ca\r\nBcc: victim@example.com"), 400, id="crlf-in-email"
    ),
    pytest.param(
        form_data(first_name="Josée\r\nBcc: victim@example.com"), 400, id="crlf-in-first-name"
    ),
    pytest.param(form_data(company_name="Acme\nX-Evil: 1"), 400, id="lf-in-company"),
    pytest.param(form_data(horizon="someday"), 400, id="forged-choice"),
    pytest.param(form_data(needs=["structure_team", "drop_tables"]), 400, id="forged-choices"),
    pytest.param(form_data(consent_contact=None), 400, id="no-consent"),
]


@pytest.mark.parametrize(("data", "status"), FORM_CASES)
def test_a_hostile_form_post_is_refused_and_stores_nothing(client, no_send, data, status):
    response = client.post(FORM_URL, data)

    assert response.status_code == status
    assert stored() == NOTHING
    no_send.assert_not_called()


def test_a_field_the_form_does_not_have_is_ignored_and_stored_nowhere(client, no_send):
    response = client.post(FORM_URL, form_data(is_staff="1", stage="won"))
    assert response.status_code == 302
    file_pending_submissions()
    submission = Submission.objects.get()
    assert "is_staff" not in json.dumps(submission.payload)
    assert Lead.objects.get().stage == "new"


def test_a_script_typed_in_the_form_comes_back_escaped_on_the_error_page(client, no_send):
    response = client.post(FORM_URL, form_data(first_name=SCRIPT, context=SCRIPT, email="x@"))

    assert response.status_code == 400
    html = response.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(" in html
    assert stored() == NOTHING


# --- the rate limit cannot be dodged with a forged client address ------------------------


FORGED_ADDRESS_HEADERS = [
    pytest.param(lambda n: {"X-Forwarded-For": f"198.51.100.{n}"}, id="x-forwarded-for"),
    pytest.param(
        lambda n: {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.9"}, id="x-forwarded-for-chain"
    ),
    pytest.param(lambda n: {"X-Real-IP": f"198.51.100.{n}"}, id="x-real-ip"),
    pytest.param(lambda n: {"Forwarded": f"for=198.51.100.{n}"}, id="forwarded"),
    pytest.param(lambda n: {"Client-IP": f"198.51.100.{n}"}, id="client-ip"),
]


@pytest.mark.parametrize("forged", FORGED_ADDRESS_HEADERS)
def test_a_forged_client_address_does_not_dodge_the_api_rate_limit(
    client, no_send, settings, throttle_cache, forged
):
    settings.QUALIFICATION_SUBMISSION_RATE = "2/minute"
    codes = []
    for n in range(3):
        payload = with_contact(email=f"josee{n}@example.com")
        response = client.post(
            API_URL, data=payload, content_type="application/json", headers=forged(n)
        )
        codes.append(response.status_code)

    assert codes == [202, 202, 429]
    assert file_pending_submissions() == 2
    assert Submission.objects.count() == Contact.objects.count() == 2


@pytest.mark.parametrize("forged", FORGED_ADDRESS_HEADERS)
def test_a_forged_client_address_does_not_dodge_the_form_rate_limit(
    client, no_send, settings, throttle_cache, forged
):
    settings.QUALIFICATION_SUBMISSION_RATE = "2/minute"
    codes = []
    for n in range(3):
        data = form_data(email=f"josee{n}@acme.ca", submission_token=uuid.uuid4().hex)
        codes.append(client.post(FORM_URL, data, headers=forged(n)).status_code)

    assert codes == [302, 302, 429]
    assert file_pending_submissions() == 2
    assert Submission.objects.count() == Contact.objects.count() == 2


# --- what the sender is told -------------------------------------------------------------


def test_a_line_break_in_a_name_is_explained_in_the_submissions_language(client, no_send):
    payload = with_contact(first_name="Josée\r\nBcc: victim@example.com")
    body = client.post(API_URL, data=payload, content_type="application/json").json()
    assert body["contact"]["first_name"] == [
        "Inscrivez ceci sur une seule ligne, sans saut de ligne ni caractère de contrôle."
    ]


def test_an_unknown_key_is_named_in_the_error(client, no_send):
    payload = {**submission_payload(language="en"), "is_staff": True}
    body = client.post(API_URL, data=payload, content_type="application/json").json()
    assert body == {"is_staff": ["This field is not part of the submission."]}


def test_a_body_nested_too_deeply_is_called_malformed_not_a_server_error(client, no_send):
    body = '{"language": "en", "answers": ' * 20 + "{}" + "}" * 20
    response = client.post(API_URL, data=body, content_type="application/json")
    assert response.status_code == 400
    # Before the body is read, the language is the page's default: French.
    assert response.json() == {
        "detail": "JSON mal formé : le contenu est imbriqué trop profondément."
    }


# --- scripts in free text are stored as typed and shown escaped to staff -------------------


@pytest.fixture
def scripted_submission(client, no_send):
    payload = submission_payload(
        contact={"first_name": SCRIPT, "last_name": SCRIPT, "email": "josee@example.com"},
        company={"name": SCRIPT},
        answers={**copy.deepcopy(VALID_ANSWERS), "context": f"Bonjour {SCRIPT}"},
        source={"utm_campaign": SCRIPT, "referrer": SCRIPT},
    )
    response = client.post(API_URL, data=payload, content_type="application/json")
    assert response.status_code == 202
    file_pending_submissions()
    return Submission.objects.get()


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(
        django_user_model.objects.create_superuser("patronne", "patronne@example.com", "x")
    )
    return client


def assert_escaped(html: str) -> None:
    assert SCRIPT not in html
    assert "<script>alert" not in html
    assert ESCAPED_SCRIPT in html


def test_a_script_is_stored_as_typed_not_mangled(scripted_submission):
    assert scripted_submission.lead.contact.first_name == SCRIPT
    assert scripted_submission.answers["context"] == f"Bonjour {SCRIPT}"


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(lambda s: f"/admin/crm/lead/{s.lead_id}/change/", id="lead-page"),
        pytest.param(lambda s: "/admin/crm/lead/", id="lead-list"),
        pytest.param(lambda s: f"/admin/crm/contact/{s.lead.contact_id}/change/", id="contact"),
        pytest.param(lambda s: f"/admin/crm/company/{s.lead.company_id}/change/", id="company"),
        pytest.param(
            lambda s: f"/admin/qualification/submission/{s.pk}/change/", id="submission-page"
        ),
    ],
)
def test_a_script_in_names_and_free_text_shows_escaped_in_the_admin(
    superuser_client, scripted_submission, page
):
    response = superuser_client.get(page(scripted_submission))
    assert response.status_code == 200
    assert_escaped(response.content.decode())


def test_no_admin_list_of_submissions_lets_a_script_through(superuser_client, scripted_submission):
    for url in ("/admin/qualification/submission/", "/admin/qualification/classification/"):
        response = superuser_client.get(url)
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()


def test_a_script_shows_escaped_in_the_staff_api_as_plain_json_text(
    superuser_client, scripted_submission
):
    response = superuser_client.get(f"/api/v1/leads/{scripted_submission.lead_id}/")
    assert response["Content-Type"] == "application/json"
    assert response.json()["contact"]["first_name"] == SCRIPT
