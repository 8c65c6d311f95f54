"""A staff member's own API token."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token


def api_token_allowed(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` may hold a staff API token: active staff who may see leads
    (a token is only good for the staff API, which needs that much)."""
    return user.is_active and user.is_staff and user.has_perm("crm.view_lead")


@transaction.atomic
def api_token_rotate(*, user: AbstractBaseUser) -> Token:
    """Replace ``user``'s staff API token: the old one (if any) stops working at once.

    Raises ``PermissionDenied`` when ``user`` may not hold a token.
    """
    if not api_token_allowed(user=user):
        raise PermissionDenied(_("Only staff who may see leads hold an API token."))
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)
