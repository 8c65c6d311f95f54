"""Issue 12 as a prospect lives it, in headless Chromium against a live server, a real
Redis and a real Celery worker (which writes its e-mails to files the test reads):
the form, the thank-you page updating to the result, the e-mail's private link, a
review asked for and seen in the Reviewer's queue, the JSON download, the one-click
unsubscribe, the consent confirmation and a tampered link. French on a desktop,
English at a phone's width (390 px)."""

from __future__ import annotations

import email
import importlib
import json
import re
from email import policy
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from crm import selectors as crm_selectors
from crm.models import Contact, PrivacyRequest
from tests.conftest import wait_for
from tests.factories import VALID_ANSWERS, UserFactory

from .test_questionnaire_form import LABELS, choose_answers, fill_contact

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORDS = {
    "fr": {
        "marketing": "Oui, je veux recevoir par courriel",
        "result": "Une première lecture de vos réponses",
        "reasons": "Ce qui a pesé le plus dans vos réponses",
        "notice": "traitement automatisé",
        "subject": "Vos réponses à CMO sur demande",
        "private": "Votre page privée",
        "observations": "Vos observations",
        "ask_review": "Demander une révision",
        "review_filed": "Votre demande de révision est reçue",
        "json": "Télécharger en JSON",
        "unsubscribe": "Me désabonner",
        "unsubscribed": "Vous êtes désabonné",
        "confirm": "Confirmer mon consentement",
        "confirmed": "Merci : votre consentement est confirmé",
        "tampered": "Ce lien ne fonctionne pas",
    },
    "en": {
        "marketing": "Yes, send me news",
        "result": "A first reading of your answers",
        "reasons": "What weighed most in your answers",
        "notice": "automated processing",
        "subject": "Your answers to CMO on demand",
        "private": "Your private page",
        "observations": "Your observations",
        "ask_review": "Ask for a review",
        "review_filed": "Your request for a review is received",
        "json": "Download as JSON",
        "unsubscribe": "Unsubscribe",
        "unsubscribed": "You are unsubscribed",
        "confirm": "Confirm my consent",
        "confirmed": "Thank you: your consent is confirmed",
        "tampered": "This link does not work",
    },
}


@pytest.fixture
def roles():
    """The Sales and Reviewer groups with their permissions, made again if an earlier
    test flushed them (see tests/browser/test_admin.py)."""
    importlib.import_module("crm.migrations.0003_roles").create_roles(apps, None)
    importlib.import_module("qualification.migrations.0004_roles_rules").grant(apps, None)
    importlib.import_module("crm.migrations.0009_privacy_requests").grant_privacy_requests(
        apps, None
    )


@pytest.fixture
def mailbox(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def stack(live_server, redis_up, worker_factory, mailbox):
    """The live server, Redis and a worker whose links start with the live server's
    address and whose e-mails go to ``mailbox``."""
    worker_factory(SITE_URL=live_server.url, TEST_EMAIL_DIR=str(mailbox))
    return live_server.url


def messages(mailbox: Path, to: str) -> list[email.message.EmailMessage]:
    """The e-mails the worker wrote to ``to`` (Django's file backend: one file per
    connection, messages separated by a line of dashes; the practice gets its own)."""
    found = []
    for path in sorted(mailbox.glob("*.log")):
        for raw in path.read_text(encoding="utf-8").split("\n" + "-" * 79 + "\n"):
            if raw.strip():
                message = email.message_from_string(raw.strip(), policy=policy.default)
                if message["To"] == to:
                    found.append(message)
    return found


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(text: str, part: str) -> str:
    return next(url for url in re.findall(r"https?://\S+", text) if part in url)


@pytest.mark.parametrize(
    ("language", "viewport"),
    [("fr", {"width": 1280, "height": 900}), ("en", {"width": 390, "height": 844})],
)
def test_a_prospect_sees_the_result_then_uses_the_links_of_the_e_mail(
    page, stack, mailbox, screenshot_dir, roles, language, viewport
):
    words, labels = WORDS[language], LABELS[language]
    size = "phone" if viewport["width"] < 500 else "desktop"
    page.set_viewport_size(viewport)
    address = f"prospect.{language}@example.com"

    # The form, then the thank-you page, which refreshes itself until the worker is done.
    page.goto(f"{stack}/{language}/questionnaire/")
    choose_answers(page, language, VALID_ANSWERS)
    fill_contact(page, language, address)
    page.get_by_label(words["marketing"]).check()
    page.get_by_role("button", name=labels["submit"]).click()
    page.wait_for_url(f"**/{language}/questionnaire/thanks/**")
    expect(page.get_by_role("heading", name=words["result"])).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name=words["reasons"])).to_be_visible()
    reasons = page.locator("ul.reasons > li")
    assert 3 <= reasons.count() <= 5
    expect(page.locator("#automated-decision")).to_contain_text(words["notice"])
    page.screenshot(path=screenshot_dir / f"prospect-thanks-{language}-{size}.png", full_page=True)

    # The confirmation e-mail, as the worker sent it.
    (message,) = wait_for(lambda: messages(mailbox, address), timeout=30)
    assert message["Subject"] == words["subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith(f"{stack}/{language}/unsubscribe/")
    body = text_of(message)
    private = link(body, "/my-data/").split("#")[0]
    confirm = link(body, "/confirm/")
    assert private.startswith(stack) and confirm.startswith(stack)

    # Marketing counts only once confirmed from the e-mail.
    contact = Contact.objects.get(email=address)
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing") is None
    page.goto(confirm)
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["confirmed"])
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing").granted

    # The private page: ask for a review.
    page.goto(private)
    expect(page.get_by_role("heading", level=1)).to_have_text(words["private"])
    page.screenshot(path=screenshot_dir / f"prospect-private-{language}-{size}.png", full_page=True)
    page.get_by_label(words["observations"]).fill("Nous avons déjà une directrice marketing.")
    page.get_by_role("button", name=words["ask_review"]).click()
    expect(page.locator("#outcome")).to_contain_text(words["review_filed"])
    page.screenshot(
        path=screenshot_dir / f"prospect-review-asked-{language}-{size}.png", full_page=True
    )
    request = PrivacyRequest.objects.get(contact=contact)
    assert request.kind == "review" and request.status == "open"

    # The JSON download.
    with page.expect_download() as download:
        page.get_by_role("link", name=words["json"]).click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["provided"]["contact"]["email"] == address
    assert data["inferred"]["leads"][0]["recommendation"] == "fractional_cmo"

    # The one-click unsubscribe: the page shows a button; the mail client's POST works.
    page.goto(unsubscribe)
    expect(page.get_by_role("button", name=words["unsubscribe"])).to_be_visible()
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing").granted
    page.screenshot(path=screenshot_dir / f"prospect-unsubscribe-{language}-{size}.png")
    answer = page.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert answer.status == 200
    assert words["unsubscribed"] in answer.text()
    assert not crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing").granted

    # A tampered link is refused.
    response = page.goto(private[:-6] + "abcde/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(words["tampered"])
    page.screenshot(path=screenshot_dir / f"prospect-tampered-{language}-{size}.png")


def test_the_review_lands_in_the_reviewers_queue(page, stack, mailbox, screenshot_dir, roles):
    # A prospect's review, asked from their private page (as in the test above).
    page.goto(f"{stack}/fr/questionnaire/")
    choose_answers(page, "fr", VALID_ANSWERS)
    fill_contact(page, "fr", "file.attente@example.com")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.wait_for_url("**/fr/questionnaire/thanks/**")
    (message,) = wait_for(lambda: messages(mailbox, "file.attente@example.com"), timeout=30)
    page.goto(link(text_of(message), "/my-data/").split("#")[0])
    page.get_by_label("Vos observations").fill("Je préfère un consultant.")
    page.get_by_role("button", name="Demander une révision").click()
    expect(page.locator("#outcome")).to_be_visible()

    UserFactory(username="emily", roles=["Reviewer"])
    page.goto(f"{stack}/admin/login/?next=/admin/crm/privacyrequest/")
    page.fill("#id_username", "emily")
    page.fill("#id_password", "pw-staff-2026")
    page.click('input[type="submit"]')
    page.wait_for_url("**/admin/crm/privacyrequest/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("file.attente@example.com")
    page.screenshot(path=screenshot_dir / "admin-privacy-requests.png", full_page=True)
    rows.first.locator("th a").click()
    expect(page.locator(".crm-privacy-details")).to_contain_text("Je préfère un consultant.")
    page.screenshot(path=screenshot_dir / "admin-privacy-request.png", full_page=True)
