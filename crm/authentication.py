"""Staff API tokens that expire (DRF's ``authtoken`` tokens, ``Authorization: Token <key>``).

A token older than ``CRM_API_TOKEN_MAX_AGE_DAYS`` is refused with 401; its holder rotates
it (``POST /api/v1/auth/token/rotate/`` with the admin session, or "My API token" in the
admin), which deletes it and issues a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from .app_settings import app_settings


def token_expires_at(token: Token) -> datetime:
    """When ``token`` stops working."""
    return token.created + timedelta(days=app_settings.API_TOKEN_MAX_AGE_DAYS)


def token_has_expired(token: Token, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than the maximum age."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_has_expired(token):
            expired_on = date_format(timezone.localtime(token_expires_at(token)), "DATE_FORMAT")
            raise AuthenticationFailed(
                _(
                    "This API token expired on %(date)s. Sign in to the admin and open "
                    "“My API token” to get a new one (or POST /api/v1/auth/token/rotate/ "
                    "with the admin session)."
                )
                % {"date": expired_on}
            )
        return user, token
