"""The strict Content-Security-Policy breaks nothing: Chromium reports no violation on the
public form (French and English), the thank-you page, the admin, the browsable staff API
and the API docs, and the Swagger UI still renders."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.models import Lead
from qualification.models import Submission
from tests.browser.test_admin import log_in, roles  # noqa: F401  (a fixture)
from tests.browser.test_questionnaire_form import LABELS, choose_answers, fill_contact
from tests.factories import VALID_ANSWERS, LeadFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: Runs in every document before its own scripts (Playwright injects it, the page's CSP
#: does not apply to it) and reports each violation to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation the browser reports, from the event and from the console."""
    found: list[str] = []
    page.expose_function("reportCspViolation", lambda text: found.append(text))
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            found.append(f"console: {message.text}")

    page.on("console", on_console)
    return found


def settle(page) -> None:
    """Let the page finish loading what it loads, so that late violations are reported."""
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_public_form_and_thank_you_page_run_under_the_policy(
    page, live_server, violations, language
):
    page.goto(f"{live_server.url}/{language}/questionnaire/")
    settle(page)
    choose_answers(page, language, VALID_ANSWERS)
    fill_contact(page, language, f"csp.{language}@example.com")
    page.get_by_role("button", name=LABELS[language]["submit"]).click()
    page.wait_for_url(f"**/{language}/questionnaire/thanks/**")
    expect(page.get_by_role("heading", level=1)).to_have_text(LABELS[language]["thanks"])
    settle(page)
    assert Submission.objects.count() == 1
    assert violations == []


def test_the_admin_and_the_api_docs_run_under_the_policy(
    page,
    live_server,
    violations,
    roles,  # noqa: F811
):
    UserFactory(username="csp", roles=["Sales"])
    LeadFactory.create_batch(3)
    lead = Lead.objects.first()

    log_in(page, live_server.url, "csp")
    settle(page)
    expect(page.locator("#crm-dashboard")).to_be_visible()  # the index's dashboard
    page.goto(f"{live_server.url}/admin/crm/lead/")
    settle(page)
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.goto(f"{live_server.url}/admin/crm/lead/{lead.pk}/change/")
    settle(page)
    expect(page.locator("#content-main")).to_be_visible()
    assert violations == []

    # The staff API in the browser (DRF's browsable API: inline styles allowed there only).
    page.goto(f"{live_server.url}/api/v1/leads/")
    settle(page)
    expect(page.locator(".response-info")).to_be_visible()
    assert violations == []

    page.goto(f"{live_server.url}/api/docs/")
    settle(page)
    assert violations == []
    # The Swagger UI rendered the schema: its scripts ran.
    expect(page.locator("#swagger-ui .info .title")).to_contain_text("CMO leads API")
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible()
    settle(page)
    assert violations == []
