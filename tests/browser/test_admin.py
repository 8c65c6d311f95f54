"""A staff member's day in the admin, in headless Chromium (French UI, as in Québec)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Activity, Lead, LeadEvent
from qualification.models import Ruleset
from tests.factories import LeadFactory, UserFactory

PASSWORD = "pw-staff-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def roles():
    """The Sales and Reviewer groups, made again if an earlier test flushed them.

    Once Playwright runs, Django code in the test sees a fresh connection object
    without the serialized copy of the migrations' data, so ``serialized_rollback``
    cannot restore it; the data migrations' own functions can (they are idempotent).
    """
    importlib.import_module("crm.migrations.0003_roles").create_roles(apps, None)
    importlib.import_module("qualification.migrations.0004_roles_rules").grant(apps, None)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(f"{base_url}/admin/")


def test_staff_member_reviews_overrides_plans_a_call_and_moves_a_lead(
    page, live_server, screenshot_dir, roles
):
    user = UserFactory(username="claudine", first_name="Claudine", roles=["Sales"])
    target = LeadFactory(
        recommendation="fractional_cmo",
        needs_review=True,
        confidence=0.58,
        alternative="interim_director",
        contact__first_name="Geneviève",
        contact__last_name="Tremblay",
        contact__company__name="Quincaillerie Tremblay",
    )
    LeadFactory(recommendation="fractional_cmo", needs_review=False)
    LeadFactory(recommendation="consultant", needs_review=True)
    LeadFactory.create_batch(4, recommendation="consultant", stage="contacted")
    LeadFactory(recommendation="fractional_cmo", stage="won")
    LeadFactory(pending=True, next_follow_up_at=timezone.now() - timedelta(days=1))

    log_in(page, live_server.url, "claudine")
    expect(page.locator("#crm-dashboard svg.crm-svg")).to_have_count(3)
    page.screenshot(path=str(screenshot_dir / "admin-dashboard.png"), full_page=True)

    # The list, filtered to fractional-CMO leads that need a person's review.
    page.goto(f"{live_server.url}/admin/crm/lead/")
    page.set_viewport_size({"width": 1920, "height": 900})  # every column in the picture
    page.screenshot(path=str(screenshot_dir / "admin-lead-list-all.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click('#changelist-filter a[href*="recommendation=fractional_cmo"]')
    page.wait_for_url("**recommendation=fractional_cmo*")
    page.click('#changelist-filter a[href*="needs_review__exact=1"]')
    page.wait_for_url("**needs_review__exact=1*")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    assert "Geneviève Tremblay" in rows.first.inner_text()
    page.set_viewport_size({"width": 1920, "height": 900})  # every column in the picture
    page.screenshot(path=str(screenshot_dir / "admin-lead-list.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The lead page: the explanation, in French.
    rows.first.locator("a", has_text="Geneviève Tremblay").click()
    page.wait_for_url(f"**/admin/crm/lead/{target.pk}/change/**")
    explanation = page.locator("table.crm-explanation")
    assert "Siéger au comité de direction : c'est le rôle d'un CMO sur demande." in (
        explanation.inner_text()
    )

    # Override with a reason, a follow-up call tomorrow, and on to "contacted".
    page.select_option("#id_override_to", "consultant")
    page.fill("#id_override_reason", "Elle veut une campagne de trois mois, pas un CMO.")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.select_option("#id_activities-0-kind", "call")
    page.fill("#id_activities-0-body", "Appeler pour fixer la rencontre de découverte")
    page.fill("#id_activities-0-due_at_0", tomorrow.strftime("%d/%m/%Y"))
    page.fill("#id_activities-0-due_at_1", "10:00:00")
    page.select_option("#id_stage", "contacted")
    page.click('input[name="_continue"]')
    page.wait_for_selector(".messagelist .success")
    assert "est retenue au lieu de la recommandation calculée" in page.inner_text("body")
    page.screenshot(path=str(screenshot_dir / "admin-lead-page.png"), full_page=True)

    target = Lead.objects.get(pk=target.pk)
    assert target.stage == "contacted"
    assert target.recommendation == "fractional_cmo"
    assert target.override_recommendation == "consultant"
    assert target.override_by == user
    call = Activity.objects.get(lead=target)
    assert call.kind == "call"
    assert timezone.localtime(call.due_at).date() == tomorrow
    assert target.next_follow_up_at == call.due_at
    recorded = {event.kind: event.by for event in target.events.all()}
    assert recorded[LeadEvent.Kind.STAGE] == user
    assert recorded[LeadEvent.Kind.OVERRIDE] == user


def test_a_reviewer_cannot_open_the_ruleset_editor(page, live_server, roles):
    UserFactory(username="rene", roles=["Reviewer"])
    ruleset = Ruleset.objects.create(version=901, weights={})
    log_in(page, live_server.url, "rene")
    assert page.goto(f"{live_server.url}/admin/qualification/ruleset/add/").status == 403
    change = f"{live_server.url}/admin/qualification/ruleset/{ruleset.pk}/change/"
    assert page.goto(change).status == 403
    # What a reviewer does see: the leads.
    assert page.goto(f"{live_server.url}/admin/crm/lead/").status == 200


def test_the_lead_list_fits_a_1280_pixel_screen_without_scrolling_sideways(
    page, live_server, screenshot_dir, roles
):
    """Issue 15: at 1280 px the list shows name, company, recommendation, fit, stage,
    owner and next follow-up without scrolling sideways, whatever prospects typed."""
    owner = UserFactory(
        username="gabrielle.tremblay-lefebvre", first_name="Gabrielle",
        last_name="Tremblay-Lefebvre", roles=["Sales"],
    )  # fmt: skip
    UserFactory(username="claudine", roles=["Sales"])
    LeadFactory(
        owner=owner,
        recommendation="fractional_cmo",
        alternative="interim_director",
        needs_review=True,
        confidence=0.04,
        contact__first_name="Marie-Ève-Geneviève",
        contact__last_name="Bélanger-Desrosiers-Castonguay",
        contact__company__name="Q" * 200,  # one unbreakable word
        contact__company__website="https://q.example.com",
        next_follow_up_at=timezone.now() - timedelta(days=2),
    )
    LeadFactory(
        owner=owner, recommendation="consultant", override_recommendation="fractional_cmo",
        override_reason="Said so on the phone",
    )  # fmt: skip
    LeadFactory.create_batch(3, owner=owner, recommendation="consultant", stage="discovery")

    log_in(page, live_server.url, "claudine")
    page.goto(f"{live_server.url}/admin/crm/lead/")
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.querySelector('#changelist .results').scrollWidth,"
        " document.querySelector('#changelist .results').clientWidth]"
    )
    page.screenshot(path=str(screenshot_dir / "admin-lead-list-1280.png"), full_page=True)
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    assert widths[2] <= widths[3], f"the list scrolls sideways: {widths}"
    for column in (
        "lead_name", "company_name", "recommendation_badge", "fit_display", "stage",
        "owner_name", "follow_up_display",
    ):  # fmt: skip
        box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280, column
    first = page.locator("#result_list tbody tr", has_text="Bélanger").first
    assert "Incertaine (4 %)" in first.inner_text()  # the word first, then the figure
    assert "Gabrielle Tremblay-Lefebvre" in first.inner_text()
    overridden = page.locator("#result_list tbody tr", has_text="changée par une personne")
    expect(overridden).to_have_count(1)
    assert "%" not in overridden.locator("td.field-recommendation_badge").inner_text()


def test_the_review_queue_empties_as_leads_are_reviewed(page, live_server, screenshot_dir, roles):
    """Issue 15: the dashboard's tile opens the queue; "Mark reviewed" from the queue and
    an override on the lead page each take a lead out."""
    from tests.browser.axe import assert_accessible

    UserFactory(username="rene", first_name="René", roles=["Reviewer"])
    first = LeadFactory(needs_review=True, contact__first_name="Amélie", contact__last_name="Roy")
    second = LeadFactory(
        needs_review=True, recommendation="consultant",
        contact__first_name="Bruno", contact__last_name="Côté",
    )  # fmt: skip
    LeadFactory(needs_review=False)

    log_in(page, live_server.url, "rene")
    page.locator("#crm-dashboard a.crm-card", has_text="à faire réviser").click()
    page.wait_for_url("**/admin/crm/lead/review-queue/")
    rows = page.locator("table.crm-queue").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    assert_accessible(page, context="review queue (fr)")
    page.screenshot(path=str(screenshot_dir / "admin-review-queue.png"), full_page=True)

    rows.filter(has_text="Amélie Roy").get_by_role("button", name="Marquer révisée").click()
    page.wait_for_url("**/admin/crm/lead/review-queue/")
    expect(rows).to_have_count(1)
    first.refresh_from_db()
    assert first.reviewed_by.username == "rene"

    rows.get_by_role("link", name="Bruno Côté").click()
    page.select_option("#id_override_to", "fractional_cmo")
    page.fill("#id_override_reason", "Il veut un leader, il l'a dit au téléphone.")
    page.click('input[name="_continue"]')
    page.wait_for_selector(".messagelist .success")
    page.goto(f"{live_server.url}/admin/crm/lead/review-queue/")
    expect(page.get_by_text("Rien n'attend de révision.")).to_be_visible()
    second.refresh_from_db()
    assert second.override_recommendation == "fractional_cmo"


def test_staff_e_mail_a_lead_from_a_template_and_see_it_in_the_timeline(
    page, live_server, screenshot_dir, roles, settings
):
    """Issue 15: choose a template on the lead page, read it filled in, send it; the
    message is logged and shows in the lead's timeline with its full text."""
    from django.core import mail

    from crm.models import EmailTemplate
    from tests.browser.axe import assert_accessible

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    UserFactory(username="claudine", first_name="Claudine", email="claudine@practice.example",
                roles=["Sales"])  # fmt: skip
    EmailTemplate.objects.create(
        name="Réserver un appel", language="fr", subject="Un appel, {first_name} ?",
        body="Bonjour {first_name},\nParlons de {company}.\n{sender_name}",
    )  # fmt: skip
    lead = LeadFactory(
        contact__first_name="Geneviève", contact__email="genevieve@example.com",
        contact__company__name="Quincaillerie Tremblay",
    )  # fmt: skip

    log_in(page, live_server.url, "claudine")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/crm/lead/{lead.pk}/change/")
    page.get_by_role("link", name="Écrire à cette piste").click()
    page.select_option(
        "#id_template",
        label="Réserver un appel (Français) · Réponse personnelle au sujet de sa demande",
    )
    page.get_by_role("button", name="Utiliser ce modèle").click()
    expect(page.locator("#id_subject")).to_have_value("Un appel, Geneviève ?")
    expect(page.locator("#id_body")).to_have_value(
        "Bonjour Geneviève,\nParlons de Quincaillerie Tremblay.\nClaudine"
    )
    assert_accessible(page, context="e-mail a lead (fr)")
    page.fill("#id_body", "Bonjour Geneviève,\nÊtes-vous libre jeudi ?\nClaudine")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator(".messagelist .success")).to_contain_text("genevieve@example.com")

    timeline = page.locator("ol.crm-timeline")
    expect(timeline).to_contain_text("Êtes-vous libre jeudi ?")
    expect(timeline).to_contain_text("Objet : Un appel, Geneviève ?")
    page.screenshot(path=str(screenshot_dir / "admin-lead-page-1280x800.png"), full_page=False)
    [message] = mail.outbox
    assert message.to == ["genevieve@example.com"]
    assert message.reply_to == ["claudine@practice.example"]
