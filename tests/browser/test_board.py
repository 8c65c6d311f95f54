"""The pipeline board and the follow-up calendar in headless Chromium (French UI).

A card moves by keyboard (its "Déplacer vers" list and button), by drag and drop, to
"lost" through the reason dialog, and with JavaScript off through the same forms; the
calendar shows the week's follow-ups and the feed page gives a working address.
Screenshots at 1280×800 are saved in artifacts/screenshots/.
"""

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Lead, LeadEvent
from tests.browser.test_admin import log_in, roles  # noqa: F401  (a fixture)
from tests.browser.test_content_security_policy import violations  # noqa: F401  (a fixture)
from tests.conftest import wait_for
from tests.factories import ActivityFactory, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BOARD = "/admin/crm/lead/board/"


@pytest.fixture
def sales(roles):  # noqa: F811  (the fixture imported above)
    return UserFactory(username="claudine", first_name="Claudine", roles=["Sales"])


def stage_of(lead) -> str:
    return Lead.objects.get(pk=lead.pk).stage


def card(page, lead):
    return page.locator(f"#crm-card-{lead.pk}")


def column(page, stage):
    return page.locator(f'.crm-board-column[data-stage="{stage}"]')


def test_a_card_moves_by_keyboard_and_by_drag_and_the_board_is_pictured(
    page,
    live_server,
    screenshot_dir,
    sales,
    violations,  # noqa: F811
):
    now = timezone.now()
    keyboard = LeadFactory(
        contact__first_name="Geneviève",
        contact__last_name="Tremblay",
        contact__company__name="Quincaillerie Tremblay",
        owner=sales,
        fit_grade="A",
        next_follow_up_at=now - timedelta(days=1),
    )
    dragged = LeadFactory(
        contact__first_name="Martin",
        contact__last_name="Roy",
        recommendation="consultant",
        override_recommendation="fractional_cmo",
        override_reason="Le comité veut une personne à la direction",
        stage="contacted",
        next_follow_up_at=now + timedelta(days=2),
    )
    LeadFactory.create_batch(3, stage="discovery", needs_review=True)
    LeadFactory(stage="proposal", recommendation="consultant", fit_grade="C")
    log_in(page, live_server.url, "claudine")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}{BOARD}")
    expect(page.locator(".crm-board-column")).to_have_count(4)
    expect(card(page, keyboard)).to_contain_text("En retard :")
    page.screenshot(path=str(screenshot_dir / "admin-board.png"))

    # Keyboard: tab to the card's list, choose a stage with the arrows, press the button.
    select = page.locator(f"#crm-move-{keyboard.pk}")
    select.focus()
    expect(select).to_be_focused()
    select.select_option("discovery")  # what the arrow keys do in a closed <select>
    page.keyboard.press("Tab")
    expect(card(page, keyboard).get_by_role("button", name="Déplacer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#crm-board-status")).to_contain_text("Geneviève Tremblay")
    expect(column(page, "discovery").locator(f"#crm-card-{keyboard.pk}")).to_have_count(1)
    expect(column(page, "discovery").locator("[data-count-for=discovery]")).to_have_text("4")
    expect(column(page, "new").locator("[data-count-for=new]")).to_have_text("0")
    expect(select).to_be_focused()  # focus stays on the moved card's control
    assert stage_of(keyboard) == "discovery"

    # Drag and drop onto another column.
    # (Dropped near the column's heading: the columns are as tall as the longest one.)
    card(page, dragged).drag_to(column(page, "proposal"), target_position={"x": 30, "y": 20})
    expect(column(page, "proposal").locator(f"#crm-card-{dragged.pk}")).to_have_count(1)
    expect(page.locator("#crm-board-status")).to_contain_text("Martin Roy")
    wait_for(lambda: stage_of(dragged) == "proposal")
    # ... and onto a closed stage: the card leaves the board.
    card(page, dragged).drag_to(page.locator('.crm-board-dropzone[data-stage="won"]'))
    expect(card(page, dragged)).to_have_count(0)
    wait_for(lambda: stage_of(dragged) == "won")
    assert violations == []  # the board's script runs under the Content-Security-Policy
    events = LeadEvent.objects.filter(lead=dragged, kind=LeadEvent.Kind.STAGE).order_by("pk")
    assert [(e.from_value, e.to_value, e.by_id) for e in events] == [
        ("contacted", "proposal", sales.pk),
        ("proposal", "won", sales.pk),
    ]


def test_dropping_a_card_on_lost_asks_the_reason_in_a_dialog(
    page,
    live_server,
    sales,
    violations,  # noqa: F811
):
    lead = LeadFactory(contact__first_name="Louise", contact__last_name="Gagnon")
    log_in(page, live_server.url, "claudine")
    page.goto(f"{live_server.url}{BOARD}")
    card(page, lead).drag_to(page.locator('.crm-board-dropzone[data-stage="lost"]'))
    dialog = page.locator("#crm-lost-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Louise Gagnon")
    expect(page.locator("#crm-lost-reason")).to_be_focused()
    # Sent empty: the service's words, in the dialog; nothing moves.
    dialog.get_by_role("button", name="Marquer cette piste perdue").click()
    expect(page.locator("#crm-lost-error")).to_have_text(
        "Pour marquer une piste perdue, il faut en donner la raison."
    )
    expect(page.locator("#crm-lost-reason")).to_have_attribute("aria-invalid", "true")
    assert stage_of(lead) == "new"
    # Cancel: the card stays where it was.
    dialog.get_by_role("button", name="Annuler").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#crm-move-{lead.pk}")).to_have_value("new")
    # By keyboard this time, with a reason.
    page.locator(f"#crm-move-{lead.pk}").select_option("lost")
    card(page, lead).get_by_role("button", name="Déplacer").click()
    expect(dialog).to_be_visible()
    page.locator("#crm-lost-reason").fill("Budget gelé jusqu’en 2027")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(card(page, lead)).to_have_count(0)
    wait_for(lambda: stage_of(lead) == "lost")
    assert Lead.objects.get(pk=lead.pk).lost_reason == "Budget gelé jusqu’en 2027"
    assert violations == []


def test_without_javascript_the_cards_forms_still_move_and_ask_the_reason_for_lost(
    browser, live_server, sales
):
    lead = LeadFactory(contact__first_name="Sans", contact__last_name="Script", owner=sales)
    context = browser.new_context(
        locale="fr-CA", viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "claudine")
        page.goto(f"{live_server.url}{BOARD}?mine=1")
        page.locator(f"#crm-move-{lead.pk}").select_option("proposal")
        card(page, lead).get_by_role("button", name="Déplacer").click()
        page.wait_for_url(f"**{BOARD}?mine=1#crm-card-{lead.pk}")
        expect(page.locator(".messagelist")).to_contain_text("Sans Script")
        expect(column(page, "proposal").locator(f"#crm-card-{lead.pk}")).to_have_count(1)
        assert stage_of(lead) == "proposal"
        # Lost: a page asks the reason, then the board comes back with its filters.
        page.locator(f"#crm-move-{lead.pk}").select_option("lost")
        card(page, lead).get_by_role("button", name="Déplacer").click()
        expect(page.locator("h1")).to_contain_text("Pourquoi Sans Script est-elle perdue ?")
        page.fill("#crm-lost-reason", "A choisi une agence")
        page.get_by_role("button", name="Marquer cette piste perdue").click()
        page.wait_for_url(f"**{BOARD}?mine=1")
        assert stage_of(lead) == "lost"
        expect(card(page, lead)).to_have_count(0)
    finally:
        context.close()


def test_the_calendar_shows_the_weeks_follow_ups_and_the_feed_works(
    page,
    live_server,
    screenshot_dir,
    sales,
    violations,  # noqa: F811
):
    now = timezone.now()
    LeadFactory(
        owner=sales,
        contact__first_name="Hélène",
        contact__last_name="Côté",
        next_follow_up_at=now - timedelta(hours=1),
    )
    ActivityFactory(
        owner=sales,
        kind="meeting",
        body="Présenter la proposition",
        due_at=now + timedelta(hours=2),
        lead__contact__first_name="Benoît",
    )
    log_in(page, live_server.url, "claudine")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Calendrier des suivis").first.click()
    table = page.locator("table.crm-calendar")
    expect(table.locator("caption")).to_contain_text("Suivis du")
    expect(table).to_contain_text("Hélène Côté")
    expect(table).to_contain_text("Benoît")
    expect(table.locator(".crm-overdue")).to_contain_text("En retard :")
    page.screenshot(path=str(screenshot_dir / "admin-calendar.png"))
    page.get_by_role("link", name="Mois", exact=True).click()
    expect(table.locator("caption")).to_contain_text("Suivis en")
    page.get_by_role("link", name="Mois suivant →").click()
    expect(table).not_to_contain_text("Hélène Côté")

    # The feed: create its address, then a calendar program (no session) reads it.
    page.get_by_role("link", name="Mon calendrier (Outlook, Google Agenda)").click()
    page.get_by_role("button", name="Créer mon calendrier").click()
    address = page.locator("#crm-feed-url").input_value()
    assert address.startswith(live_server.url)
    response = page.context.browser.new_context().request.get(address)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert summaries[0].startswith("Rencontre : Benoît")
    assert summaries[1].startswith("Suivi : Hélène Côté")
    page.get_by_role("button", name="Renouveler l’adresse").click()
    assert page.locator("#crm-feed-url").input_value() != address
    assert page.context.browser.new_context().request.get(address).status == 404
    assert violations == []
