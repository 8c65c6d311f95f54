"""Issue 13: a Privacy officer opens a request, exports the person's data, erases them;
the dashboard's figures stay the same and no table keeps the person's e-mail, name or
phone (Chromium, French UI; every new page audited with axe-core)."""

from __future__ import annotations

import importlib
import json
import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from crm import services
from crm.models import Contact, PrivacyExport, PrivacyRequest
from tests.browser.axe import assert_accessible
from tests.browser.test_admin import PASSWORD, log_in
from tests.factories import LeadFactory
from tests.privacy.conftest import EMAIL, no_send, officer, person, text_hits  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def roles():
    """The groups (Sales, Reviewer, Privacy officer), made again after a flush."""
    importlib.import_module("crm.migrations.0003_roles").create_roles(apps, None)
    importlib.import_module("qualification.migrations.0004_roles_rules").grant(apps, None)
    importlib.import_module("crm.migrations.0010_privacy_operations").create_privacy_officer(
        apps, None
    )


def dashboard_figures(page, base_url: str) -> list[str]:
    page.goto(f"{base_url}/admin/")
    cards = page.locator(".crm-card .crm-card-value").all_inner_texts()
    tables = page.locator("table.crm-conversion").all_inner_texts()
    return cards + tables


def test_a_privacy_officer_exports_then_erases_a_person(
    page,
    live_server,
    screenshot_dir,
    roles,
    person,  # noqa: F811
    officer,  # noqa: F811
):
    officer.set_password(PASSWORD)
    officer.save()
    LeadFactory.create_batch(3, stage="contacted")
    LeadFactory(stage="won", recommendation="consultant")
    access = services.privacy_request_file(kind="access", email=EMAIL, note="Par courriel", by=None)
    erasure = services.privacy_request_file(
        kind="erasure", email=EMAIL, note="Par courriel", by=None
    )
    log_in(page, live_server.url, officer.username)
    page.set_viewport_size({"width": 1280, "height": 900})
    before = dashboard_figures(page, live_server.url)
    assert_accessible(page, context="dashboard with the privacy tile")

    # The queue, then the access request.
    page.goto(f"{live_server.url}/admin/crm/privacyrequest/")
    assert_accessible(page, context="privacy requests' queue")
    page.goto(f"{live_server.url}/admin/crm/privacyrequest/{access.pk}/change/")
    assert_accessible(page, context="an access request")
    page.screenshot(path=str(screenshot_dir / "privacy-request.png"), full_page=True)
    page.locator("a.button").filter(has_text=re.compile("Exporter|Export")).click()
    expect(page.locator("#id_reason")).to_be_visible()
    assert_accessible(page, context="export page")
    page.screenshot(path=str(screenshot_dir / "privacy-export.png"), full_page=True)
    page.fill("#id_reason", "Demande d'accès reçue par courriel")
    with page.expect_download() as download:
        page.locator("input[type=submit]").click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert exported["provided"]["contact"]["email"] == EMAIL
    assert PrivacyRequest.objects.get(pk=access.pk).status == "done"
    assert PrivacyExport.objects.get().by == officer

    # The erasure request, its confirmation page, done.
    page.goto(f"{live_server.url}/admin/crm/privacyrequest/{erasure.pk}/change/")
    page.locator("a.button").filter(has_text=re.compile("Effacer|Erase")).click()
    expect(page.locator("input[type=submit]")).to_be_visible()
    assert_accessible(page, context="erasure confirmation page")
    page.screenshot(path=str(screenshot_dir / "privacy-erase.png"), full_page=True)
    page.locator("input[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert_accessible(page, context="erasure request, done")
    assert Contact.objects.get(pk=person.pk).erased_at is not None

    # Erasing twice is refused clearly.
    page.goto(f"{live_server.url}/admin/crm/privacyrequest/{erasure.pk}/erase/")
    expect(page.locator(".messagelist .error")).to_be_visible()

    assert dashboard_figures(page, live_server.url) == before
    page.screenshot(path=str(screenshot_dir / "privacy-dashboard-after.png"), full_page=True)
    assert text_hits() == []

    # The incident register.
    page.goto(f"{live_server.url}/admin/crm/confidentialityincident/add/")
    assert_accessible(page, context="new confidentiality incident")
    page.goto(f"{live_server.url}/admin/crm/privacyexport/")
    assert_accessible(page, context="log of exports")
