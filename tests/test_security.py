"""Who may reach what: staff endpoints closed to strangers, CSRF on session writes, and
the admin login rate limit.

The staff endpoints are found by walking the URL resolver, so a new one is covered the
day it is added: anything under ``api/`` that is not in ``PUBLIC_URL_NAMES`` must refuse
strangers, and every model in the admin must refuse a staff member without permission.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

from config.devservices import free_port
from config.middleware import ADDRESS_ALLOWANCE_FACTOR, parse_rate
from crm.models import (
    Activity,
    Lead,
    PrivacyExport,
    PrivacyRequest,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from qualification.models import ImportJob
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

#: What anyone may call without signing in: the questionnaire intake and the API's docs.
PUBLIC_URL_NAMES = {
    "qualification:api-questionnaire",
    "qualification:api-submissions",
    "qualification:api-submission-status",
    "schema",
    "api-docs",
}

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGIN_URL = "/admin/login/"
PASSWORD = "a-long-staff-password-2026"


@pytest.fixture
def login_cache(settings):
    """A working cache for the login rate limit (unit tests have no Redis)."""
    settings.CACHES = LOCMEM
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dead_cache(settings):
    """The shared cache (Redis) is down: nothing listens where it should be."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("patronne", "patronne@example.com", PASSWORD)


# --- every staff endpoint, found in the URL resolver --------------------------------------


@dataclass
class Endpoint:
    name: str
    route: str
    view: type[APIView]
    converters: dict

    def url(self, lead: Lead) -> str:
        """The endpoint's URL, about ``lead`` (ids) or some random UUID."""
        kwargs = {
            key: uuid.uuid4() if isinstance(converter, UUIDConverter) else lead.pk
            for key, converter in self.converters.items()
        }
        return reverse(self.name, kwargs=kwargs)

    def methods(self) -> list[str]:
        allowed = [m for m in self.view.http_method_names if hasattr(self.view, m)]
        return [m.upper() for m in allowed if m not in ("options", "head")]


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def api_endpoints() -> list[Endpoint]:
    """Every view routed under ``api/`` (DRF views, by their URL name)."""
    found = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None)
        if not route.lstrip("^").startswith("api/") or view is None:
            continue
        assert pattern.name, f"{route} has no URL name: it cannot be classed public or staff"
        found.append(
            Endpoint(
                name=namespace + pattern.name,
                route=route,
                view=view,
                converters=getattr(pattern.pattern, "converters", {}),
            )
        )
    return found


STAFF_ENDPOINTS = [e for e in api_endpoints() if e.name not in PUBLIC_URL_NAMES]
STAFF_CALLS = [
    pytest.param(endpoint, method, id=f"{method} {endpoint.route}")
    for endpoint in STAFF_ENDPOINTS
    for method in endpoint.methods()
]
#: A write that would change something if it were let through.
WRITE_BODY = {"stage": "contacted", "kind": "note", "body": "let me in"}
#: The webhooks' writes refuse fields they do not know: theirs.
WEBHOOK_BODY = {"url": "https://hooks.example.com/in", "events": ["lead.created"]}


#: The imports take a CSV file, as multipart.
IMPORT_FILE = "Courriel,Prénom,Entreprise\nlet-me-in@example.com,Intrus,Intrus inc.\n"
#: The privacy requests' writes: a request to file, or one carried out.
PRIVACY_BODY = {"kind": "access", "email": "let-me-in@example.com", "resolution": "let me in"}


def is_privacy(endpoint: Endpoint) -> bool:
    return endpoint.route.startswith("api/v1/privacy-requests/")


def call(api, endpoint: Endpoint, method: str, lead: Lead):
    if method == "POST" and endpoint.route.startswith("api/v1/imports/"):
        upload = SimpleUploadedFile("let-me-in.csv", IMPORT_FILE.encode(), "text/csv")
        return api.post(endpoint.url(lead), {"file": upload}, format="multipart")
    body = None
    if method in ("POST", "PUT", "PATCH"):
        body = WEBHOOK_BODY if endpoint.route.startswith("api/v1/webhooks/") else WRITE_BODY
        body = PRIVACY_BODY if is_privacy(endpoint) else body
    return api.generic(
        method,
        endpoint.url(lead),
        data=None if body is None else json.dumps(body),
        content_type="application/json",
    )


def token_api(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.fixture
def lead():
    return LeadFactory()


def assert_nothing_changed(lead: Lead) -> None:
    lead.refresh_from_db()
    assert lead.stage == "new"
    assert not Activity.objects.filter(body="let me in").exists()
    assert not WebhookEndpoint.objects.filter(url=WEBHOOK_BODY["url"]).exists()
    assert not ImportJob.objects.filter(file_name="let-me-in.csv").exists()
    assert not PrivacyRequest.objects.filter(details__email=PRIVACY_BODY["email"]).exists()
    assert not PrivacyExport.objects.exists()


def webhook_objects_numbered_like(lead: Lead) -> None:
    """A webhook endpoint, message and delivery with the lead's id, so that the staff
    calls' ids (all the lead's) name something (made again after a DELETE)."""
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        pk=lead.pk, defaults={"url": "https://h.example.com/", "events": [], "secret": "whsec_"}
    )
    message, _ = WebhookMessage.objects.get_or_create(
        pk=lead.pk, defaults={"endpoint": endpoint, "msg_id": "msg_1", "body": "{}"}
    )
    WebhookDelivery.objects.get_or_create(
        pk=lead.pk, defaults={"endpoint": endpoint, "message": message, "attempt": 1}
    )
    ImportJob.objects.get_or_create(pk=lead.pk, defaults={"file_name": "x.csv", "content": b""})


def privacy_objects_numbered_like(lead: Lead) -> None:
    """An access request with the lead's id and an export, so that the privacy calls'
    ids (the lead's) name something."""
    PrivacyRequest.objects.get_or_create(
        pk=lead.pk,
        defaults={"kind": "access", "contact": lead.contact, "due_at": timezone.now()},
    )


def test_the_resolver_walk_finds_the_staff_api_and_only_names_public_what_exists():
    staff = {endpoint.route for endpoint in STAFF_ENDPOINTS}
    assert {
        "api/v1/leads/",
        "api/v1/leads/<int:pk>/",
        "api/v1/leads/<int:pk>/activities/",
        "api/v1/auth/token/rotate/",
        "api/v1/imports/",
        "api/v1/imports/<int:pk>/",
    } <= staff
    names = {endpoint.name for endpoint in api_endpoints()}
    assert PUBLIC_URL_NAMES <= names


@pytest.mark.parametrize(("endpoint", "method"), STAFF_CALLS)
def test_anonymous_requests_to_staff_endpoints_are_refused(lead, endpoint, method):
    response = call(APIClient(), endpoint, method, lead)
    assert response.status_code in (401, 403)
    assert_nothing_changed(lead)


@pytest.mark.parametrize(("endpoint", "method"), STAFF_CALLS)
def test_a_wrong_token_is_refused(lead, endpoint, method):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert call(api, endpoint, method, lead).status_code == 401
    assert_nothing_changed(lead)


@pytest.mark.parametrize(("endpoint", "method"), STAFF_CALLS)
def test_a_staff_member_with_no_role_is_refused(lead, endpoint, method):
    api = token_api(UserFactory(username="no-role"))
    assert call(api, endpoint, method, lead).status_code == 403
    assert_nothing_changed(lead)


@pytest.mark.parametrize(("endpoint", "method"), STAFF_CALLS)
def test_a_user_who_is_not_staff_is_refused_even_in_a_role(lead, endpoint, method):
    api = token_api(UserFactory(username="ex-employee", is_staff=False, roles=["Sales"]))
    assert call(api, endpoint, method, lead).status_code == 403
    assert_nothing_changed(lead)


@pytest.mark.parametrize(("endpoint", "method"), STAFF_CALLS)
def test_a_signed_in_staff_member_with_no_role_is_refused_too(client, lead, endpoint, method):
    client.force_login(UserFactory(username="no-role"))
    assert call(client, endpoint, method, lead).status_code == 403
    assert_nothing_changed(lead)


def test_a_sales_token_reaches_every_staff_endpoint(lead):
    """The control for the refusals above: the right role gets through."""
    sam = UserFactory(username="sam", roles=["Sales"])
    # The privacy requests are the Privacy officer's (Sales may not export or erase).
    paule = UserFactory(username="paule", roles=["Privacy officer"])
    for endpoint, method in [(c.values[0], c.values[1]) for c in STAFF_CALLS]:
        api = APIClient()  # with sam's current token: the rotation endpoint replaces it
        token, _created = Token.objects.get_or_create(user=paule if is_privacy(endpoint) else sam)
        privacy_objects_numbered_like(lead)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        webhook_objects_numbered_like(lead)
        assert call(api, endpoint, method, lead).status_code < 400, (method, endpoint.route)


# --- every model in the admin --------------------------------------------------------------


ADMIN_MODELS = [
    pytest.param(model, id=f"{model._meta.app_label}.{model._meta.model_name}")
    for model in admin.site._registry
]


def admin_url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_anonymous_visitors_are_sent_to_the_admin_login(client, model):
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_a_staff_member_with_no_role_sees_no_admin_list(client, model):
    client.force_login(UserFactory(username="no-role"))
    assert client.get(admin_url(model, "changelist")).status_code == 403
    assert client.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_a_reviewer_cannot_add_or_delete_what_the_role_does_not_allow(client, lead, model):
    reviewer = UserFactory(username="rita", roles=["Reviewer"])
    client.force_login(reviewer)
    opts = model._meta
    if not reviewer.has_perm(f"{opts.app_label}.add_{opts.model_name}"):
        assert client.get(admin_url(model, "add")).status_code == 403
    if not reviewer.has_perm(f"{opts.app_label}.delete_{opts.model_name}"):
        instance = model._default_manager.first()
        if instance is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[instance.pk])
            assert client.post(url, {"post": "yes"}).status_code == 403
            assert model._default_manager.filter(pk=instance.pk).exists()


def test_a_reviewer_cannot_delete_a_lead(client, lead):
    client.force_login(UserFactory(username="rita", roles=["Reviewer"]))
    url = reverse("admin:crm_lead_delete", args=[lead.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()


# --- CSRF on writes made with the admin's session -------------------------------------------


@pytest.fixture
def session_client():
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory(username="patronne-csrf", is_superuser=True))
    return strict


def csrf_token(strict: Client) -> str:
    strict.get("/admin/")
    return strict.cookies["csrftoken"].value


WRITE_CALLS = [
    pytest.param(endpoint, method, id=f"{method} {endpoint.route}")
    for endpoint in STAFF_ENDPOINTS
    for method in endpoint.methods()
    if method in ("POST", "PUT", "PATCH", "DELETE")
]


@pytest.mark.parametrize(("endpoint", "method"), WRITE_CALLS)
def test_a_session_write_to_the_staff_api_without_the_csrf_token_is_refused(
    session_client, lead, endpoint, method
):
    response = call(session_client, endpoint, method, lead)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert_nothing_changed(lead)


def test_a_session_write_with_the_csrf_token_goes_through(session_client, lead):
    """The control: the same write, with the token, changes the lead."""
    response = session_client.patch(
        f"/api/v1/leads/{lead.pk}/",
        data={"stage": "contacted"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(session_client)},
    )
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.stage == "contacted"


def test_a_token_write_needs_no_csrf_token(lead):
    api = token_api(UserFactory(username="sam", roles=["Sales"]))
    api.enforce_csrf_checks = True
    response = api.patch(f"/api/v1/leads/{lead.pk}/", {"stage": "contacted"}, format="json")
    assert response.status_code == 200


def test_an_admin_form_post_without_the_csrf_token_is_refused(session_client, lead):
    url = reverse("admin:crm_lead_delete", args=[lead.pk])
    assert session_client.post(url, {"post": "yes"}).status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()
    response = session_client.post(
        url, {"post": "yes", "csrfmiddlewaretoken": csrf_token(session_client)}
    )
    assert response.status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_signing_out_of_the_admin_needs_the_csrf_token(session_client):
    assert session_client.post("/admin/logout/").status_code == 403
    assert "_auth_user_id" in session_client.session


# --- the admin login rate limit ------------------------------------------------------


def sign_in(client, username, password="wrong-password", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def test_the_rate_is_read_in_drf_syntax():
    assert parse_rate("10/minute") == (10, 60)
    assert parse_rate("3/s") == (3, 1)
    assert parse_rate("100/hour") == (100, 3600)
    with pytest.raises(ValueError):
        parse_rate("ten per minute")


def test_past_the_limit_the_admin_login_answers_429_with_retry_after(
    client, superuser, settings, login_cache
):
    settings.ADMIN_LOGIN_RATE_LIMIT = "3/minute"
    codes = [sign_in(client, "patronne").status_code for _ in range(3)]
    assert codes == [200, 200, 200]  # the login page again, with its error

    response = sign_in(client, "patronne", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many sign-in attempts" in response.content.decode()
    # Even the right password waits: the limit is there to stop guessing.
    assert "_auth_user_id" not in client.session


def test_the_throttled_page_is_in_the_visitors_language(client, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    sign_in(client, "patronne", HTTP_ACCEPT_LANGUAGE="fr")
    response = sign_in(client, "patronne", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()


def test_under_the_limit_the_right_password_signs_in(client, superuser, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "3/minute"
    sign_in(client, "patronne")
    response = sign_in(client, "patronne", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)


def test_a_forged_x_forwarded_for_does_not_dodge_the_login_limit(client, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "2/minute"
    codes = [
        sign_in(client, "patronne", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_behind_a_declared_proxy_each_client_has_its_own_login_count(client, settings, login_cache):
    behind_one_proxy(settings)
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy
    # The proxy appends the address it saw; anything left of it is the client's say.
    assert sign_in(client, "patronne", HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy).status_code == 200
    assert sign_in(client, "patronne", HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy).status_code == 429
    assert sign_in(client, "patronne", HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy).status_code == 200
    # A client behind the proxy cannot pick its address: only the rightmost one counts.
    forged = "198.51.100.9, 192.0.2.1"
    assert sign_in(client, "patronne", HTTP_X_FORWARDED_FOR=forged, **proxy).status_code == 429


def test_the_login_limit_and_the_api_throttles_agree_on_the_client_address(rf, settings):
    from rest_framework.throttling import BaseThrottle

    from config.middleware import client_address

    for proxies in (0, 1, 2):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
        request = rf.post(
            LOGIN_URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.1"
        )
        assert client_address(request) == BaseThrottle().get_ident(request)
    assert client_address(request) == "203.0.113.5"


def test_the_number_of_proxies_is_read_from_the_environment():
    import subprocess
    import sys

    from tests.conftest import ROOT, subprocess_env

    code = "from django.conf import settings; print(settings.REST_FRAMEWORK['NUM_PROXIES'])"
    run = [sys.executable, "-c", f"import django; django.setup(); {code}"]
    for value, expected in ((None, "0"), ("1", "1")):
        env = subprocess_env()
        env.pop("DJANGO_NUM_PROXIES", None)
        if value is not None:
            env["DJANGO_NUM_PROXIES"] = value
        result = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        assert result.stdout.strip() == expected


def test_each_username_from_one_address_has_its_own_allowance(client, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    assert sign_in(client, "patronne").status_code == 200
    assert sign_in(client, "PATRONNE ").status_code == 429  # the same username, typed otherwise
    assert sign_in(client, "vendeur").status_code == 200


def test_one_address_trying_many_usernames_is_stopped_too(client, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    codes = [sign_in(client, f"user{n}").status_code for n in range(ADDRESS_ALLOWANCE_FACTOR + 1)]
    assert codes == [200] * ADDRESS_ALLOWANCE_FACTOR + [429]


def test_another_address_is_not_held_back_by_the_first(client, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    assert sign_in(client, "patronne", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert sign_in(client, "patronne", REMOTE_ADDR="192.0.2.1").status_code == 429
    assert sign_in(client, "patronne", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_showing_the_login_page_is_never_limited(client, settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    sign_in(client, "patronne")
    sign_in(client, "patronne")
    assert client.get(LOGIN_URL).status_code == 200


def test_a_post_without_a_csrf_token_still_counts(settings, login_cache):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    strict = Client(enforce_csrf_checks=True)
    assert sign_in(strict, "patronne").status_code == 403
    assert sign_in(strict, "patronne").status_code == 429


def test_the_login_limit_lets_staff_in_when_its_cache_is_down(
    client, superuser, settings, dead_cache, caplog
):
    settings.ADMIN_LOGIN_RATE_LIMIT = "1/minute"
    codes = [sign_in(client, "patronne").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert sign_in(client, "patronne", PASSWORD).status_code == 302
    assert "Admin login rate limit skipped" in caplog.text
