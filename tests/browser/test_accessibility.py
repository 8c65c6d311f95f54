"""Every page the project adds passes axe-core's WCAG 2.1 A and AA rules, with no violation,
in French and in English, at a desktop width (1280 px) and a phone's (390 px).

The public pages: the questionnaire (blank, with its errors, refused past the rate limit),
the thank-you page (plain, waiting for the result, with the result) and the "busy" page
(503). The admin, as a Sales staff member and as a Reviewer: the sign-in page (and its
rate-limited answer), the dashboard, each list and page of ours, the lead page with
everything on it, the proposed changes, the bulk actions' pages, "My API token",
"Language of my e-mails", the webhooks (receivers, their secret shown once, the
delivery log), the pipeline board, the follow-up calendar and its feed page, the privacy
requests, the e-mail templates and "E-mail this lead". The prospect's side: the page to
ask for a private link, the private page (with a review to fix, then filed, and a bad
link), the consent confirmation and the one-click unsubscribe pages. A screenshot of
each audited page at each width goes to ``artifacts/screenshots/a11y-*.png``.

Not audited: ``/api/docs/`` is the Swagger UI (drf-spectacular's sidecar, a library's page
and markup; our template only loads it) and ``/api/v1/...`` in a browser is DRF's
browsable API; both are for developers and neither is a page this project writes.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import translation
from playwright.sync_api import expect

from crm import services as crm_services
from crm.models import (
    Activity,
    Consent,
    EmailTemplate,
    Lead,
    PrivacyRequest,
    WebhookDelivery,
    WebhookMessage,
)
from qualification import services
from qualification import services as prospect_services
from qualification.models import Classification, Ruleset, Submission
from qualification.prospect import links
from tests.browser.axe import assert_accessible
from tests.factories import (
    CONSULTANT_ANSWERS,
    TEXTBOOK_CMO_ANSWERS,
    ActivityFactory,
    LeadFactory,
    UserFactory,
    receive_submission,
    submission_payload,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pw-staff-2026"
LANGUAGES = ["fr", "en"]
WIDTHS = [("desktop", 1280), ("phone", 390)]


@pytest.fixture(params=LANGUAGES)
def language(request) -> str:
    return request.param


@pytest.fixture
def tab(browser, language):
    """A tab whose browser prefers ``language`` (the admin follows Accept-Language)."""
    context = browser.new_context(locale=f"{language}-CA", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def check(tab, screenshot_dir, language):
    """``check(name)``: screenshot and audit the tab's page at each width; one failure
    lists the violations found at every width."""

    def audit_everywhere(name: str, page=None) -> None:
        page = page or tab
        failures = []
        for label, width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(
                path=screenshot_dir / f"a11y-{name}-{language}-{label}.png", full_page=True
            )
            try:
                assert_accessible(page, context=f"{name} ({language}, {label}, {width} px)")
            except pytest.fail.Exception as failure:
                failures.append(str(failure))
        page.set_viewport_size({"width": 1280, "height": 900})
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)

    return audit_everywhere


# --- The public pages ---------------------------------------------------------------


def test_the_blank_questionnaire(tab, live_server, check, language):
    tab.goto(f"{live_server.url}/{language}/questionnaire/")
    expect(tab.locator("html")).to_have_attribute("lang", language)
    check("questionnaire-blank")


def test_the_questionnaire_with_its_errors(tab, live_server, check, language):
    tab.goto(f"{live_server.url}/{language}/questionnaire/")
    tab.locator('form button[type="submit"]').click()
    expect(tab.locator(".error-summary")).to_be_visible()
    check("questionnaire-errors")
    assert Submission.objects.count() == 0


def test_the_questionnaire_past_the_rate_limit(
    tab, live_server, check, language, settings, redis_up
):
    settings.QUALIFICATION_SUBMISSION_RATE = "0/minute"  # the first post is one too many
    tab.goto(f"{live_server.url}/{language}/questionnaire/")
    response = tab.request.post(f"{live_server.url}/{language}/questionnaire/")
    assert response.status == 403  # no CSRF token: Django refuses before the limit counts
    with tab.expect_response(f"**/{language}/questionnaire/") as posted:
        tab.locator('form button[type="submit"]').click()
    assert posted.value.status == 429
    check("questionnaire-rate-limited")


@pytest.fixture
def prospect_submission(redis_up):
    """A post from the form, stored as the intake stores it (not classified yet)."""
    submission, _created = receive_submission(
        submission_payload(), channel=Submission.Channel.WEB_FORM
    )
    return submission


def test_the_thank_you_page(tab, live_server, check, language, prospect_submission):
    tab.goto(f"{live_server.url}/{language}/questionnaire/thanks/{prospect_submission.public_id}/")
    check("thanks")


def test_the_thank_you_page_waiting_for_the_result(
    tab, live_server, check, language, settings, prospect_submission
):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    tab.goto(f"{live_server.url}/{language}/questionnaire/thanks/{prospect_submission.public_id}/")
    expect(tab.locator("#result[data-waiting]")).to_be_visible()
    check("thanks-waiting")
    # The result shows up in place once computed (no timed refresh of the page).
    services.submission_classify(submission_id=prospect_submission.pk)
    expect(tab.locator("#result #result-title")).to_be_visible(timeout=20_000)
    expect(tab.locator("#result")).not_to_have_attribute("data-waiting", "")
    check("thanks-waiting-then-result")


def test_the_thank_you_page_with_the_result(
    tab, live_server, check, language, settings, prospect_submission
):
    settings.QUALIFICATION_SHOW_RESULT_TO_PROSPECT = True
    services.submission_classify(submission_id=prospect_submission.pk)
    tab.goto(f"{live_server.url}/{language}/questionnaire/thanks/{prospect_submission.public_id}/")
    expect(tab.locator("#result-title")).to_be_visible()
    check("thanks-result")


def test_the_busy_page(tab, live_server, check, language):
    """The 503 a request gets when the database is busy, as the middleware writes it (a
    locked database cannot be arranged from a browser): served to the tab for a page."""
    from config.middleware import DatabaseBusyMiddleware

    request = RequestFactory().post(f"/{language}/questionnaire/")
    with translation.override(language):
        response = DatabaseBusyMiddleware(lambda r: None).process_exception(
            request, OperationalError("database is locked")
        )
    assert response.status_code == 503
    url = f"{live_server.url}/{language}/questionnaire/"
    tab.route(
        url,
        lambda route: route.fulfill(
            status=503, body=response.content, content_type=response["Content-Type"]
        ),
    )
    tab.goto(url)
    expect(tab.locator("html")).to_have_attribute("lang", language)
    check("busy")


# --- The admin --------------------------------------------------------------------


@pytest.fixture
def roles():
    """The Sales and Reviewer groups (see tests/browser/test_admin.py's ``roles``)."""
    importlib.import_module("crm.migrations.0003_roles").create_roles(apps, None)
    importlib.import_module("qualification.migrations.0004_roles_rules").grant(apps, None)
    importlib.import_module("crm.migrations.0006_webhooks").grant_webhook_permissions(apps, None)
    importlib.import_module("crm.migrations.0007_email_templates").grant_template_permissions(
        apps, None
    )
    importlib.import_module("crm.migrations.0009_privacy_requests").grant_privacy_requests(
        apps, None
    )


FIRST = submission_payload(
    contact={
        "first_name": "Josée",
        "last_name": "Tremblay",
        "email": "josee@acme.ca",
        "phone": "514 555-0199",
        "job_title": "Présidente",
    },
    company={"name": "Acme", "website": "https://acme.ca"},
    answers=dict(TEXTBOOK_CMO_ANSWERS, context="Nous grandissons vite."),
    consent={"contact": True, "marketing": False},
)
#: The same address again, with other details: proposed to staff, field by field.
RETURN = submission_payload(
    contact={
        "first_name": "Josie",
        "last_name": "Tremblay-Roy",
        "email": "josee@acme.ca",
        "phone": "514 555-0100",
        "job_title": "PDG",
    },
    company={"name": "Acme inc.", "website": "https://acme.example"},
    answers=dict(CONSULTANT_ANSWERS),
    consent={"contact": True, "marketing": True},
    language="en",
)


@pytest.fixture
def pipeline(roles, redis_up):
    """Staff of both roles and a pipeline as the site fills it: a prospect classified from
    the form, come back with other details (proposed changes), with an owner, a call
    planned and a person's override; other leads in every state; a draft ruleset."""
    sales = UserFactory(username="claudine", first_name="Claudine", roles=["Sales"])
    UserFactory(username="rene", first_name="René", roles=["Reviewer"])
    for payload in (FIRST, RETURN):
        submission, _created = receive_submission(payload)
        services.submission_classify(submission_id=submission.pk)
    lead = Lead.objects.get(contact__email="josee@acme.ca")
    crm_services.lead_assign(lead=lead, owner=sales, by=sales)
    ActivityFactory(lead=lead, owner=sales, body="Appeler pour la découverte")
    ActivityFactory(lead=lead, owner=sales, kind=Activity.Kind.NOTE, due_at=None)
    LeadFactory(recommendation="fractional_cmo", needs_review=True, confidence=0.58,
                alternative="interim_director")  # fmt: skip
    LeadFactory.create_batch(3, recommendation="consultant", stage="contacted")
    LeadFactory(recommendation="fractional_cmo", stage="won", owner=sales)
    LeadFactory(pending=True)
    Ruleset.objects.create(version=902, weights=Ruleset.objects.get(version=1).weights)
    prospect_services.prospect_request_review(
        contact_id=lead.contact_id,
        observations="Je pense avoir besoin d'un CMO, pas d'un consultant.\n<b>Merci</b>",
        language="fr",
    )
    EmailTemplate.objects.create(
        name="Book a call", language="fr", subject="Un appel, {first_name} ?",
        body="Bonjour {first_name},\nPrenons rendez-vous.",
    )  # fmt: skip
    return lead


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_url(f"{base_url}/admin/")


def test_the_sign_in_page_and_its_refusals(tab, live_server, check, roles, settings, redis_up):
    UserFactory(username="claudine", roles=["Sales"])
    tab.goto(f"{live_server.url}/admin/login/?next=/admin/")
    check("admin-login")
    tab.fill("#id_username", "claudine")
    tab.fill("#id_password", "not the password")
    tab.click('input[type="submit"]')
    expect(tab.locator(".errornote")).to_be_visible()
    check("admin-login-error")
    settings.ADMIN_LOGIN_RATE_LIMIT = "0/minute"
    tab.fill("#id_password", "not the password either")
    with tab.expect_response("**/admin/login/**") as posted:
        tab.click('input[type="submit"]')
    assert posted.value.status == 429
    check("admin-login-rate-limited")


def admin_pages(lead: Lead) -> dict[str, str]:
    """Our admin's lists and pages, by screenshot name, for a lead with everything on it."""
    submission = Submission.objects.filter(lead=lead).order_by("pk").first()
    classification = Classification.objects.filter(submission__lead=lead).first()
    draft = Ruleset.objects.get(version=902)
    published = Ruleset.objects.get(version=1)
    consent = Consent.objects.filter(contact=lead.contact).first()
    activity = Activity.objects.filter(lead=lead).first()
    filtered = "recommendation=fractional_cmo&needs_review__exact=1"
    endpoint, delivery = _webhook_with_a_failed_delivery(lead)
    privacy_request = PrivacyRequest.objects.filter(contact=lead.contact).first()
    template = EmailTemplate.objects.first()
    return {
        "dashboard": "/admin/",
        "lead-list": "/admin/crm/lead/",
        "lead-list-filtered": f"/admin/crm/lead/?{filtered}",
        "lead-list-search": "/admin/crm/lead/?q=Tremblay",
        "lead-list-empty": "/admin/crm/lead/?q=nobody-at-all",
        "lead-page": f"/admin/crm/lead/{lead.pk}/change/",
        "lead-proposed-changes": f"/admin/crm/lead/{lead.pk}/proposed-changes/",
        "contact-list": "/admin/crm/contact/",
        "contact-page": f"/admin/crm/contact/{lead.contact_id}/change/",
        "company-list": "/admin/crm/company/",
        "company-page": f"/admin/crm/company/{lead.company_id}/change/",
        "consent-list": "/admin/crm/consent/",
        "consent-page": f"/admin/crm/consent/{consent.pk}/change/",
        "activity-list": "/admin/crm/activity/",
        "activity-page": f"/admin/crm/activity/{activity.pk}/change/",
        "submission-list": "/admin/qualification/submission/",
        "submission-page": f"/admin/qualification/submission/{submission.pk}/change/",
        "classification-list": "/admin/qualification/classification/",
        "classification-page": f"/admin/qualification/classification/{classification.pk}/change/",
        "ruleset-list": "/admin/qualification/ruleset/",
        "ruleset-draft": f"/admin/qualification/ruleset/{draft.pk}/change/",
        "ruleset-published": f"/admin/qualification/ruleset/{published.pk}/change/",
        "ruleset-add": "/admin/qualification/ruleset/add/",
        "activity-add": "/admin/crm/activity/add/",
        "api-token": "/admin/crm/staffprofile/api-token/",
        "my-language": "/admin/crm/staffprofile/mine/",
        "board": "/admin/crm/lead/board/",
        "board-filtered": "/admin/crm/lead/board/?recommendation=fractional_cmo&mine=1",
        "calendar-week": "/admin/crm/lead/calendar/",
        "calendar-month": "/admin/crm/lead/calendar/?view=month",
        "calendar-feed": "/admin/crm/staffprofile/calendar-feed/",
        "privacy-request-list": "/admin/crm/privacyrequest/",
        "privacy-request-page": f"/admin/crm/privacyrequest/{privacy_request.pk}/change/",
        "email-template-list": "/admin/crm/emailtemplate/",
        "email-template-page": f"/admin/crm/emailtemplate/{template.pk}/change/",
        "lead-email": f"/admin/crm/lead/{lead.pk}/email/?template={template.pk}",
        "webhook-list": "/admin/crm/webhookendpoint/",
        "webhook-add": "/admin/crm/webhookendpoint/add/",
        "webhook-page": f"/admin/crm/webhookendpoint/{endpoint.pk}/change/",
        "webhook-delivery-list": "/admin/crm/webhookdelivery/",
        "webhook-delivery-page": f"/admin/crm/webhookdelivery/{delivery.pk}/change/",
    }


def _webhook_with_a_failed_delivery(lead: Lead):
    """A receiver registered for every event, and one failed attempt in its log (with the
    kind of answer a receiver may give: markup, a right-to-left override, a long line)."""
    endpoint = crm_services.webhook_endpoint_create(
        url="https://hooks.example.com/cmo", events=["lead.created", "lead.updated"], by=None
    )
    message = WebhookMessage.objects.create(
        endpoint=endpoint, msg_id=f"msg_a11y{lead.pk}", event_type="lead.created",
        lead_id=lead.pk, body="{}",
    )  # fmt: skip
    delivery = WebhookDelivery.objects.create(
        message=message, endpoint=endpoint, attempt=1, outcome="failed", response_status=500,
        duration_ms=120, response_excerpt="<b>Erreur</b> \u202e" + "W" * 900,
    )  # fmt: skip
    return endpoint, delivery


#: What a Reviewer may not open (a 403: Django's plain page, nothing of ours to audit).
NOT_FOR_REVIEWERS = {
    "ruleset-list", "ruleset-draft", "ruleset-published", "ruleset-add", "webhook-list",
    "webhook-add", "webhook-page", "webhook-delivery-list", "webhook-delivery-page",
}  # fmt: skip


@pytest.mark.parametrize("username", ["claudine", "rene"], ids=["sales", "reviewer"])
def test_the_admin_pages(tab, live_server, check, pipeline, username):
    log_in(tab, live_server.url, username)
    role = {"claudine": "sales", "rene": "reviewer"}[username]
    failures = []
    for name, path in admin_pages(pipeline).items():
        if role == "reviewer" and name in NOT_FOR_REVIEWERS:
            continue
        response = tab.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        try:
            check(f"admin-{role}-{name}")
        except pytest.fail.Exception as failure:
            failures.append(str(failure))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def choose_action(page, action: str) -> None:
    page.locator("#result_list tbody input.action-select").first.check()
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


def test_the_bulk_actions_pages(tab, live_server, check, pipeline):
    log_in(tab, live_server.url, "claudine")
    for action in ("move_to_stage", "mark_lost"):
        tab.goto(f"{live_server.url}/admin/crm/lead/")
        choose_action(tab, action)
        expect(tab.locator('input[name="apply"], button[name="apply"]').first).to_be_visible()
        check(f"admin-sales-lead-action-{action}")
    tab.goto(f"{live_server.url}/admin/qualification/classification/")
    choose_action(tab, "override_recommendation")
    expect(tab.locator("#content form fieldset")).to_be_visible()
    check("admin-sales-classification-override")


def test_the_lead_page_after_a_refused_save(tab, live_server, check, pipeline):
    """The lead page showing its errors: an override without the reason it needs."""
    log_in(tab, live_server.url, "claudine")
    tab.goto(f"{live_server.url}/admin/crm/lead/{pipeline.pk}/change/")
    tab.select_option("#id_override_to", "consultant")
    tab.fill("#id_override_reason", "")
    tab.click('input[name="_continue"]')
    expect(tab.locator(".errornote")).to_be_visible()
    check("admin-sales-lead-page-errors")


def test_the_api_token_page_with_a_new_key(tab, live_server, check, pipeline):
    log_in(tab, live_server.url, "claudine")
    tab.goto(f"{live_server.url}/admin/crm/staffprofile/api-token/")
    tab.locator("#content-main form [type=submit]").click()
    expect(tab.locator("#crm-new-token")).to_be_visible()
    check("admin-sales-api-token-new-key")


def test_the_webhook_secret_page(tab, live_server, check, pipeline):
    """Shown once, after a receiver is registered (and after each rotation)."""
    log_in(tab, live_server.url, "claudine")
    tab.goto(f"{live_server.url}/admin/crm/webhookendpoint/add/")
    tab.fill("#id_url", "https://hooks.example.com/newsletter")
    tab.check("input[name=events][value='lead.created']")
    tab.click("input[name=_save]")
    expect(tab.locator("#crm-webhook-secret")).to_be_visible()
    check("admin-sales-webhook-secret")


# --- The prospect's side: the private page and the links of their e-mails -------------


@pytest.fixture
def prospect(redis_up):
    """Josée, classified from the form, then back with a marketing consent that waits for
    her confirmation (an address already known)."""
    for payload in (FIRST, RETURN):
        submission, _created = receive_submission(payload)
        services.submission_classify(submission_id=submission.pk)
    return Lead.objects.get(contact__email="josee@acme.ca").contact


def test_the_new_link_page(tab, live_server, check, language, prospect):
    tab.goto(f"{live_server.url}/{language}/my-data/")
    check("private-link-request")
    tab.locator("input[type=email]").fill("josee@acme.ca")
    tab.locator("main form [type=submit]").click()
    expect(tab.locator("main [role=status]")).to_be_visible()  # the same answer, known or not
    check("private-link-sent")


def test_the_private_page_and_its_answers(tab, live_server, check, language, prospect):
    token = links.private_token(contact_id=prospect.pk, email=prospect.email)
    page_url = f"{live_server.url}/{language}/my-data/{token}/"
    tab.goto(page_url)
    check("private-page")
    review = tab.locator("form[action$='/review/']")
    review.locator("[type=submit]").click()  # no observations: a field to fix
    expect(tab.locator("[aria-invalid=true]")).to_have_count(1)
    check("private-page-review-error")
    tab.locator("textarea").fill("Je crois avoir besoin d'un CMO.")
    tab.locator("form[action$='/review/'] [type=submit]").click()
    expect(tab.locator("main")).to_be_visible()
    check("private-page-review-filed")
    tab.goto(f"{live_server.url}/{language}/my-data/{token[:-4]}abcd/")
    check("private-page-bad-link")


def test_the_confirmation_and_unsubscribe_pages(tab, live_server, check, language, prospect):
    waiting = Consent.objects.filter(contact=prospect, granted=True, confirmed_at__isnull=True)
    confirm = links.confirm_token(
        consent_ids=list(waiting.values_list("pk", flat=True)), email=prospect.email
    )
    tab.goto(f"{live_server.url}/{language}/confirm/{confirm}/")
    check("consent-confirm")
    tab.locator("main form [type=submit]").click()
    check("consent-confirmed")
    unsubscribe = links.unsubscribe_token(contact_id=prospect.pk, email=prospect.email)
    tab.goto(f"{live_server.url}/{language}/unsubscribe/{unsubscribe}/")
    check("unsubscribe")
    tab.locator("main form [type=submit]").click()
    check("unsubscribed")
