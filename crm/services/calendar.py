"""A staff member's private calendar feed: its secret address, made or rotated."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import StaffProfile


def calendar_feed_allowed(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` may have a calendar feed: active staff who may see leads."""
    return user.is_active and user.is_staff and user.has_perm("crm.view_lead")


@transaction.atomic
def calendar_feed_rotate(*, user: AbstractBaseUser) -> StaffProfile:
    """Give ``user``'s calendar feed a new secret address; the old one stops working at once.

    The address's secret is a signature of a new random value kept on the staff profile
    (``crm.selectors_calendar.calendar_feed_token``). Raises ``PermissionDenied`` when
    ``user`` may not have a feed.
    """
    if not calendar_feed_allowed(user=user):
        raise PermissionDenied(_("Only staff who may see leads have a calendar feed."))
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    profile.calendar_feed_nonce = secrets.token_urlsafe(32)
    profile.save(update_fields=["calendar_feed_nonce", "updated_at"])
    return profile
