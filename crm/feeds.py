"""The private iCalendar feed of a staff member's follow-ups: no login, a secret address.

Calendar programs (Outlook, Google Calendar) fetch the address on their own, with no
session: the address is the credential. Only the current token of an active staff
member who may see leads opens it; anything else is a plain 404 (the same answer for a
wrong token, a rotated one and a profile that does not exist). The feed lists only that
person's own follow-ups and activities, from ``CRM_CALENDAR_FEED_PAST_DAYS`` ago to
``CRM_CALENDAR_FEED_FUTURE_DAYS`` ahead, in the language of their e-mails.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from . import ical
from .app_settings import app_settings
from .selectors_calendar import calendar_feed_profile, calendar_items


@require_safe
def calendar_feed(request, profile_id: int, token: str):
    profile = calendar_feed_profile(profile_id=profile_id, token=token)
    if profile is None:
        raise Http404
    now = timezone.now()
    items, _truncated = calendar_items(
        start=now - timedelta(days=app_settings.CALENDAR_FEED_PAST_DAYS),
        end=now + timedelta(days=app_settings.CALENDAR_FEED_FUTURE_DAYS),
        now=now,
        owner_id=profile.user_id,
        limit=app_settings.CALENDAR_MAX_ITEMS,
    )
    site_url = app_settings.SITE_URL or request.build_absolute_uri("/")
    with translation.override(profile.language):
        body = ical.feed(
            items,
            calendar_name=gettext("Follow-ups of %(name)s") % {"name": profile.user},
            site_url=site_url,
            now=now,
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="follow-ups.ics"'
    # The address is a secret: no shared cache keeps or shows it, no referrer carries it.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
