"""The questionnaire web form: built from the questionnaire rows, judged like the API."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.utils import translation

from qualification.forms import QuestionnaireForm
from qualification.models import Submission
from qualification.selectors import questionnaire_current
from tests.factories import VALID_ANSWERS

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    """What a browser posts for a complete questionnaire; ``None`` leaves a field out."""
    fields = {
        "first_name": "Josée",
        "last_name": "Tremblay",
        "email": "josee@acme.ca",
        "company_name": "Acme",
        "consent_contact": "on",
        **VALID_ANSWERS,
        **changes,
    }
    return {name: value for name, value in fields.items() if value is not None}


def as_post(data: dict) -> QueryDict:
    post = QueryDict(mutable=True)
    for name, value in data.items():
        post.setlist(name, value if isinstance(value, list) else [value])
    return post


def make_form(data=None, language="fr"):
    with translation.override(language):
        form = QuestionnaireForm(
            None if data is None else as_post(data),
            questionnaire=questionnaire_current(),
            language=language,
        )
        if data is not None:
            form.is_valid()
        return form


def test_every_question_of_the_questionnaire_is_a_field_labelled_in_the_page_language():
    french = make_form(language="fr")
    english = make_form(language="en")
    for key in VALID_ANSWERS:
        assert key in french.fields
    assert french.fields["horizon"].label == "Sur quel horizon voyez-vous ce mandat ?"
    assert english.fields["horizon"].label == "Over what time frame do you see this engagement?"
    assert english.fields["needs"].help_text == "Choose 1 to 3 answers."
    assert list(english.fields["horizon"].widget.choices)[0] == ("weeks", "A few weeks")


def test_a_complete_form_is_valid_and_gives_the_api_payload():
    form = make_form(form_data(consent_marketing="on"))
    assert form.errors == {}
    payload = form.payload()
    assert payload["answers"] == VALID_ANSWERS
    assert payload["contact"]["email"] == "josee@acme.ca"
    assert payload["company"] == {"name": "Acme", "website": ""}
    assert payload["consent"] == {"contact": True, "marketing": True}
    assert form.validated_data["answers"] == VALID_ANSWERS


def test_an_unanswered_question_gets_the_same_message_as_in_the_api():
    form = make_form(form_data(horizon=None))
    assert form.errors["horizon"] == ["Veuillez répondre à cette question."]


def test_errors_land_on_the_field_that_holds_the_value():
    form = make_form(
        form_data(email="nope", company_name="", consent_contact=None, needs=[]), language="en"
    )
    assert form.errors["email"] == ["Enter a valid e-mail address, such as name@example.com."]
    assert form.errors["company_name"] == ["Please enter your company's name."]
    assert form.errors["consent_contact"] == [
        "Please agree to be contacted so we can reply to you."
    ]
    assert form.errors["needs"] == ["Please answer this question."]


def test_four_ticked_needs_are_too_many():
    form = make_form(
        form_data(needs=["launch_campaign", "structure_team", "align_strategy", "implement_tool"])
    )
    assert form.errors["needs"] == ["Choisissez au plus 3 réponses."]


def test_a_forged_choice_is_refused_like_in_the_api():
    form = make_form(form_data(horizon="tomorrow"))
    assert form.errors["horizon"] == ["« tomorrow » ne fait pas partie des choix offerts."]


def test_line_breaks_from_the_browser_count_as_one_character():
    text = ("x" * 9 + "\r\n") * 200  # 2,000 characters with \n, 2,200 with \r\n
    form = make_form(form_data(context=text))
    assert "context" not in form.errors


def test_the_honeypot_marks_the_post_as_spam():
    assert make_form(form_data(fax="555")).is_spam() is True
    assert make_form(form_data()).is_spam() is False


def test_the_marketing_consent_is_not_ticked_on_a_blank_form():
    form = make_form()
    assert form["consent_marketing"].value() in (None, False)
    assert "checked" not in str(form["consent_marketing"])


def test_the_error_summary_links_each_error_to_its_field():
    form = make_form(form_data(horizon=None, email="nope"), language="en")
    with translation.override("en"):  # as the page is drawn
        summary = form.error_summary()
    anchors = {anchor for anchor, _text in summary}
    assert "id_horizon_0" in anchors
    assert "id_email" in anchors
    # A question keeps its own punctuation: no "engagement?: Please" (issue 15).
    assert (
        "id_horizon_0",
        "Over what time frame do you see this engagement? Please answer this question.",
    ) in summary
    assert (
        "id_email",
        "E-mail address: Enter a valid e-mail address, such as name@example.com.",
    ) in summary


def test_the_french_summary_keeps_french_spacing():
    form = make_form(form_data(horizon=None, email="nope"), language="fr")
    with translation.override("fr"):
        summary = dict(form.error_summary())
    assert summary["id_horizon_0"] == (
        "Sur quel horizon voyez-vous ce mandat ? Veuillez répondre à cette question."
    )
    assert summary["id_email"].startswith("Adresse courriel : ")


def test_required_fields_say_so_to_assistive_technology():
    html = "".join(
        str(block.widget) + "".join(str(option) for option in block.options)
        for section in make_form(language="en").sections()
        for block in section.blocks
    )
    assert re.search(
        r'name="email"[^>]*aria-required="true"|aria-required="true"[^>]*name="email"', html
    )
    assert not re.search(r'<input[^>]*name="phone"[^>]*aria-required', html)  # optional
    assert re.search(r'name="horizon"[^>]*required|required[^>]*name="horizon"', html)
    assert re.search(
        r'name="consent_contact"[^>]*aria-required="true"|aria-required="true"[^>]*name="consent_contact"',
        html,
    )
    assert not re.search(r'<input[^>]*name="consent_marketing"[^>]*aria-required', html)


def test_the_language_switch_keeps_what_was_typed_without_judging_it(client):
    data = form_data(first_name="Josée", horizon=None, needs=["structure_team", "align_strategy"])
    response = client.post("/fr/questionnaire/", {**data, "switch_language": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'value="Josée"' in html
    assert re.search(r'name="needs" value="structure_team"[^>]*checked', html)
    assert re.search(r'name="needs" value="align_strategy"[^>]*checked', html)
    assert "error-summary" not in html  # nothing judged yet
    assert Submission.objects.count() == 0


def test_a_submission_token_makes_an_idempotency_key_apart_from_api_keys():
    token = "0" * 32
    assert make_form(form_data(submission_token=token)).idempotency_key == f"form:{token}"
    assert make_form(form_data(submission_token="junk")).idempotency_key is None
