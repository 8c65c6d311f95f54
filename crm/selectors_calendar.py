"""Reads for the follow-up calendar and each staff member's private calendar feed.

What is on a calendar: the next follow-up of each open lead and each activity not done
yet on an open lead (as in the daily digest, ``crm.selectors.follow_ups_due_by_owner``),
between two times, for one owner or everyone; an activity and its lead's follow-up at
the same time are one thing to do, so only the activity shows. A bounded number of each
kind is read (``CRM_CALENDAR_MAX_ITEMS``), so a page costs the same whatever the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import OPEN_STAGES, Activity, Lead, StaffProfile

FEED_SALT = "crm.calendar_feed"


@dataclass(frozen=True)
class CalendarItem:
    """One thing to do at a time: a lead's next follow-up, or an activity."""

    at: datetime
    lead: Lead
    owner: AbstractBaseUser | None
    activity: Activity | None = None
    overdue: bool = False

    @property
    def uid_part(self) -> str:
        if self.activity is not None:
            return f"activity-{self.activity.pk}"
        return f"lead-{self.lead.pk}-follow-up"


def calendar_items(
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    owner_id: int | None = None,
    limit: int,
) -> tuple[list[CalendarItem], bool]:
    """Follow-ups and due activities from ``start`` (included) to ``end`` (excluded), of
    ``owner_id``'s (a lead's owner, an activity's owner) or everyone's when None, by time.

    Returns ``(items, truncated)``: ``truncated`` says that more than ``limit`` of a kind
    fell in the period and only the first ``limit`` were read. Two queries.
    """
    leads = Lead.objects.filter(
        stage__in=OPEN_STAGES, next_follow_up_at__gte=start, next_follow_up_at__lt=end
    )
    activities = Activity.objects.filter(
        done_at__isnull=True, due_at__gte=start, due_at__lt=end, lead__stage__in=OPEN_STAGES
    )
    if owner_id is not None:
        leads = leads.filter(owner_id=owner_id)
        activities = activities.filter(owner_id=owner_id)
    leads = list(
        leads.select_related("contact", "company", "owner")
        .defer("answers", "answers_display", "classification")
        .order_by("next_follow_up_at", "pk")[: limit + 1]
    )
    activities = list(
        activities.select_related("owner", "lead__contact", "lead__company")
        .defer("lead__answers", "lead__answers_display", "lead__classification")
        .order_by("due_at", "pk")[: limit + 1]
    )
    truncated = len(leads) > limit or len(activities) > limit
    items = []
    seen = set()
    for activity in activities[:limit]:
        seen.add((activity.owner_id, activity.lead_id, activity.due_at))
        items.append(
            CalendarItem(
                at=activity.due_at,
                lead=activity.lead,
                owner=activity.owner,
                activity=activity,
                overdue=activity.due_at < now,
            )
        )
    for lead in leads[:limit]:
        if (lead.owner_id, lead.pk, lead.next_follow_up_at) in seen:
            continue
        items.append(
            CalendarItem(
                at=lead.next_follow_up_at,
                lead=lead,
                owner=lead.owner,
                overdue=lead.next_follow_up_at < now,
            )
        )
    items.sort(key=lambda item: (item.at, item.uid_part))
    return items, truncated


# --- The private feed --------------------------------------------------------------


def calendar_feed_token(profile: StaffProfile, *, secret: str | None = None) -> str:
    """The secret part of ``profile``'s feed address: a signature (HMAC-SHA256 keyed by
    the site's ``SECRET_KEY``) of the profile and its random ``calendar_feed_nonce``.
    Empty when the staff member has no feed."""
    if not profile.calendar_feed_nonce:
        return ""
    value = f"{profile.pk}:{profile.calendar_feed_nonce}"
    return salted_hmac(FEED_SALT, value, secret=secret, algorithm="sha256").hexdigest()


def calendar_feed_profile(*, profile_id: int, token: str) -> StaffProfile | None:
    """The staff profile whose feed ``token`` opens, or None.

    The token is compared in constant time with the one signed by ``SECRET_KEY`` (and by
    each of ``SECRET_KEY_FALLBACKS``, so that a key rotation keeps the addresses for a
    while). The feed stops with the person's access: an inactive account, one that is no
    longer staff or may no longer see leads gets None.
    """
    profile = StaffProfile.objects.select_related("user").filter(pk=profile_id).first()
    if profile is None or not profile.calendar_feed_nonce or not token:
        return None
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(
        constant_time_compare(token, calendar_feed_token(profile, secret=secret))
        for secret in secrets
    ):
        return None
    user = profile.user
    if not (user.is_active and user.is_staff and user.has_perm("crm.view_lead")):
        return None
    return profile
