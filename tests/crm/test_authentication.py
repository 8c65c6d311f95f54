"""Staff API tokens expire after CRM_API_TOKEN_MAX_AGE_DAYS."""

from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from crm.authentication import ExpiringTokenAuthentication, token_expires_at

LEADS = "/api/v1/leads/"


def client_with(token: Token) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def aged(token: Token, days: float) -> Token:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=days))
    token.refresh_from_db()
    return token


@pytest.mark.django_db
def test_an_expired_token_is_refused_with_401_and_says_how_to_get_a_new_one(sales_user):
    token = aged(Token.objects.create(user=sales_user), days=91)
    response = client_with(token).get(LEADS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail.startswith("This API token expired on ")
    assert "My API token" in detail and "/api/v1/auth/token/rotate/" in detail
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_the_expiry_message_is_translated(sales_user):
    token = aged(Token.objects.create(user=sales_user), days=91)
    response = client_with(token).get(LEADS, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["detail"].startswith("Ce jeton d’API a expiré le ")


@pytest.mark.django_db
def test_a_token_within_its_age_works(sales_user):
    token = aged(Token.objects.create(user=sales_user), days=89)
    assert client_with(token).get(LEADS).status_code == 200


@pytest.mark.django_db
def test_the_maximum_age_is_a_setting(sales_user, settings):
    settings.CRM_API_TOKEN_MAX_AGE_DAYS = 7
    token = aged(Token.objects.create(user=sales_user), days=8)
    assert client_with(token).get(LEADS).status_code == 401
    assert token_expires_at(token) == token.created + timedelta(days=7)


@pytest.mark.django_db
def test_the_rest_framework_defaults_use_the_expiring_token():
    # Views without their own authentication classes use REST_FRAMEWORK's defaults.
    defaults = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    assert ExpiringTokenAuthentication in defaults
    assert TokenAuthentication not in defaults


@pytest.mark.parametrize("bad", [0, -1, "90", 1.5, True, None, 10**9])
def test_a_bad_maximum_age_is_a_system_check_error(settings, bad):
    settings.CRM_API_TOKEN_MAX_AGE_DAYS = bad
    assert "crm.E002" in {message.id for message in run_checks()}


def test_the_default_maximum_age_passes_the_checks():
    assert "crm.E002" not in {message.id for message in run_checks()}
