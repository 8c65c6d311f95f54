"""Who may reach what: staff endpoints closed to strangers, CSRF on session writes, and
the admin login rate limit."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from config.devservices import free_port
from config.middleware import ADDRESS_ALLOWANCE_FACTOR, parse_rate

pytestmark = pytest.mark.django_db

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


def sign_in(client, username, password="wrong-password", **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


# --- the admin login rate limit ------------------------------------------------------


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
