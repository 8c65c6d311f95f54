"""Every response carries the strict Content-Security-Policy, and the project's pages need
nothing it refuses (no inline script, no inline style, no event-handler attribute).

The browser proof (no violation reported, the Swagger UI renders) is
tests/browser/test_content_security_policy.py.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from tests.factories import LeadFactory, UserFactory, receive_submission

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

#: A script element with code in it (a JSON data block is not code: CSP lets it be).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\s(?:src=|type=\"application/json\"))[^>]*>(?!\s*</script>)",
    re.IGNORECASE,
)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture
def staff_client(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    user = UserFactory(username="csp-staff", roles=["Sales"])
    client.force_login(user)
    return client


def assert_strict_policy(response) -> None:
    assert response["Content-Security-Policy"] == POLICY
    assert "unsafe" not in response["Content-Security-Policy"]


def assert_nothing_inline(response) -> None:
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html)
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html)


@pytest.mark.parametrize("path", ["/fr/questionnaire/", "/en/questionnaire/", "/admin/login/"])
def test_public_pages_have_the_policy_and_nothing_inline(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_strict_policy(response)
    assert_nothing_inline(response)


def test_the_thank_you_page_has_the_policy(client):
    submission, _ = receive_submission()
    response = client.get(f"/fr/questionnaire/thanks/{submission.public_id}/")
    assert response.status_code == 200
    assert_strict_policy(response)
    assert_nothing_inline(response)


def test_staff_pages_have_the_policy_and_nothing_inline(staff_client):
    lead = LeadFactory()
    submission, _ = receive_submission()
    for path in [
        "/admin/",
        "/admin/crm/lead/",
        f"/admin/crm/lead/{lead.pk}/change/",
        "/admin/qualification/ruleset/1/change/",
        f"/admin/qualification/submission/{submission.pk}/change/",
        "/admin/crm/company/",
    ]:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert_strict_policy(response)
        assert_nothing_inline(response)


def test_a_change_list_with_no_actions_bar_has_no_inline_style(staff_client, monkeypatch):
    from django.contrib import admin

    from crm.models import Company

    # Django's change list then adds an inline <style>: config's template links a file.
    monkeypatch.setattr(admin.site._registry[Company], "actions_on_top", False)
    monkeypatch.setattr(admin.site._registry[Company], "actions_on_bottom", False)
    response = staff_client.get("/admin/crm/company/")
    assert response.status_code == 200
    assert "admin-changelist-no-actions.css" in response.content.decode()
    assert_nothing_inline(response)


def test_the_api_docs_have_the_policy_and_load_their_script_separately(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert_strict_policy(response)
    assert_nothing_inline(response)
    script = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', response.content.decode())
    assert script, "the init script is not a separate request"
    init = client.get(script.group(1).replace("&amp;", "&"))
    assert init.status_code == 200
    assert "javascript" in init["Content-Type"]
    assert "SwaggerUIBundle" in init.content.decode()
    assert_strict_policy(init)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/schema/"),
        ("get", "/api/v1/questionnaire/?lang=fr"),
        ("post", "/api/v1/submissions/"),  # 400: an empty body
        ("get", "/api/v1/leads/"),  # 401/403: a stranger
        ("get", "/healthz"),
        ("get", "/no-such-page/"),  # 404
    ],
)
def test_json_and_error_responses_have_the_policy_too(client, method, path):
    response = getattr(client, method)(path)
    assert_strict_policy(response)


def test_the_browsable_api_may_use_inline_styles_but_no_inline_script(staff_client):
    """DRF's own templates style with attributes and a <style>: only there, and only styles."""
    LeadFactory()
    page = staff_client.get("/api/v1/leads/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert page["Content-Security-Policy"] == POLICY.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
    assert not INLINE_SCRIPT.search(page.content.decode())
    assert not EVENT_HANDLER.search(page.content.decode())
    # The same endpoint as JSON, like every other response, allows no inline style.
    assert_strict_policy(staff_client.get("/api/v1/leads/", HTTP_ACCEPT="application/json"))
