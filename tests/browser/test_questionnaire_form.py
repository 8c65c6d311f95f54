"""The questionnaire as a person uses it: headless Chromium against a live server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.models import Lead
from qualification.models import Choice, Submission
from tests.factories import VALID_ANSWERS, file_pending_submissions

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LABELS = {
    "fr": {
        "first_name": "Prénom",
        "email": "Adresse courriel",
        "company": "Nom de l’entreprise",
        "context": "Voulez-vous nous en dire plus ?",
        "consent": "J’accepte que CMO sur demande communique avec moi",
        "submit": "Envoyer mes réponses",
        "thanks": "Merci !",
    },
    "en": {
        "first_name": "First name",
        "email": "E-mail address",
        "company": "Company name",
        "context": "Anything else you would like to tell us?",
        "consent": "I agree to be contacted by CMO on demand",
        "submit": "Send my answers",
        "thanks": "Thank you!",
    },
}


def choose_answers(page, language: str, answers: dict) -> None:
    """Tick each answer by its visible label, inside its question's group."""
    for key, value in answers.items():
        if key == "context":
            continue
        group = page.locator(f"#field-{key}")
        for choice_key in value if isinstance(value, list) else [value]:
            label = Choice.objects.get(question__key=key, key=choice_key).label(language)
            group.get_by_label(label, exact=True).check()


def fill_contact(page, language: str, email: str) -> None:
    words = LABELS[language]
    page.get_by_label(words["first_name"], exact=True).fill("Josée")
    page.get_by_label(words["email"]).fill(email)
    page.get_by_label(words["company"]).fill("Boulangerie Tremblay")
    page.get_by_label(words["consent"]).check()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_form_filled_and_sent_reaches_the_thank_you_page_and_stores_the_lead(
    page, live_server, screenshot_dir, language
):
    words = LABELS[language]
    email = f"josee.{language}@example.com"
    page.goto(f"{live_server.url}/{language}/questionnaire/?utm_source=linkedin")
    expect(page.locator("html")).to_have_attribute("lang", language)

    choose_answers(page, language, VALID_ANSWERS)
    page.get_by_label(words["context"]).fill("Nous grandissons vite.")
    fill_contact(page, language, email)
    page.screenshot(path=screenshot_dir / f"questionnaire-{language}-filled.png", full_page=True)
    page.get_by_role("button", name=words["submit"]).click()

    page.wait_for_url(f"**/{language}/questionnaire/thanks/**")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["thanks"])
    page.screenshot(path=screenshot_dir / f"thanks-{language}.png", full_page=True)
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.PENDING
    assert page.url.endswith(f"/thanks/{submission.public_id}/")
    assert file_pending_submissions() == 1  # what the worker does first
    lead = Lead.objects.get(contact__email=email)
    assert lead.language == language
    assert lead.source == "web_form"
    assert lead.utm_source == "linkedin"
    assert lead.answers == {**VALID_ANSWERS, "context": "Nous grandissons vite."}
    assert list(lead.submissions.all()) == [submission]


def test_a_missing_answer_shows_the_french_error_beside_it_and_keeps_what_was_typed(
    page, live_server, screenshot_dir
):
    page.goto(f"{live_server.url}/fr/questionnaire/")
    answers = {k: v for k, v in VALID_ANSWERS.items() if k != "horizon"}
    choose_answers(page, "fr", answers)
    page.get_by_label("Voulez-vous nous en dire plus ?").fill("Nous grandissons vite.")
    fill_contact(page, "fr", "josee@example.com")
    page.get_by_role("button", name="Envoyer mes réponses").click()

    horizon = page.locator("#field-horizon")
    expect(horizon.locator(".field__errors")).to_have_text(
        "Erreur : Veuillez répondre à cette question."
    )
    expect(horizon.get_by_role("radio").first).to_have_attribute("aria-invalid", "true")
    # What was typed and ticked is still there.
    expect(page.get_by_label("Prénom", exact=True)).to_have_value("Josée")
    expect(page.get_by_label("Voulez-vous nous en dire plus ?")).to_have_value(
        "Nous grandissons vite."
    )
    expect(
        page.locator("#field-involvement").get_by_label("Siéger à notre comité de direction")
    ).to_be_checked()
    expect(page.get_by_label("J’accepte que CMO sur demande communique avec moi")).to_be_checked()
    # The summary at the top has the focus (issue 15) and takes the keyboard straight
    # to the question.
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Il y a 1 problème dans vos réponses")
    page.screenshot(path=screenshot_dir / "questionnaire-fr-error.png", full_page=True)
    summary.get_by_role("link").click()
    expect(page.locator("#id_horizon_0")).to_be_focused()
    assert Submission.objects.count() == 0


def test_the_blank_french_form_screenshot(page, live_server, screenshot_dir):
    page.goto(f"{live_server.url}/fr/questionnaire/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consultant marketing ou CMO sur demande ?"
    )
    # Every question is a labelled group a screen reader can announce.
    assert page.get_by_role("group").count() == 14
    expect(page.get_by_role("button", name="English")).to_have_attribute(
        "formaction", "/en/questionnaire/"
    )
    path = screenshot_dir / "questionnaire-fr.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000


def test_the_form_works_with_javascript_off(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="fr-CA")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/fr/questionnaire/")
        choose_answers(page, "fr", VALID_ANSWERS)
        fill_contact(page, "fr", "sans.js@example.com")
        page.get_by_role("button", name="Envoyer mes réponses").click()
        page.wait_for_url("**/fr/questionnaire/thanks/**")
    finally:
        context.close()
    assert file_pending_submissions() == 1  # what the worker does first
    assert Lead.objects.filter(contact__email="sans.js@example.com").exists()


@pytest.mark.parametrize("javascript", [True, False])
def test_switching_language_keeps_what_was_typed(browser, live_server, javascript):
    """Issue 15: a prospect half-way through who switches to English loses nothing."""
    context = browser.new_context(java_script_enabled=javascript, locale="fr-CA")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/fr/questionnaire/?utm_source=linkedin")
        choose_answers(page, "fr", {"horizon": "ongoing", "needs": ["structure_team"]})
        page.get_by_label("Voulez-vous nous en dire plus ?").fill("Nous grandissons vite.")
        page.get_by_label("Prénom", exact=True).fill("Josée")
        page.get_by_role("button", name="English").click()
        page.wait_for_url("**/en/questionnaire/?utm_source=linkedin")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="Send my answers")).to_be_visible()
        expect(page.get_by_label("First name", exact=True)).to_have_value("Josée")
        expect(page.get_by_label("Anything else you would like to tell us?")).to_have_value(
            "Nous grandissons vite."
        )
        ongoing = Choice.objects.get(question__key="horizon", key="ongoing").label("en")
        expect(page.locator("#field-horizon").get_by_label(ongoing, exact=True)).to_be_checked()
        expect(page.locator(".error-summary")).to_have_count(0)  # nothing judged yet
        # And back to French, still all there.
        page.get_by_role("button", name="Français").click()
        page.wait_for_url("**/fr/questionnaire/?utm_source=linkedin")
        expect(page.get_by_label("Prénom", exact=True)).to_have_value("Josée")
    finally:
        context.close()
    assert Submission.objects.count() == 0


def test_the_honeypot_is_not_reachable_with_the_keyboard(page, live_server):
    page.goto(f"{live_server.url}/fr/questionnaire/")
    honeypot = page.locator('input[name="fax"]')
    expect(honeypot).to_have_attribute("tabindex", "-1")
    box = honeypot.bounding_box()
    assert box is None or box["x"] + box["width"] < 0
