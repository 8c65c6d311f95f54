"""The follow-up calendar, and each staff member's page for their private calendar feed.

The calendar (``LeadAdmin``'s ``calendar/``) shows a week or a month of follow-ups (the
next follow-up of open leads) and activities due, of one owner ("mine" by default, any
staff member, or everyone), with links to the previous and next period; what is overdue
says so in words. It costs a fixed number of queries (``crm.selectors_calendar``).

"My calendar feed" (``StaffProfileAdmin``'s ``calendar-feed/``) shows the secret address
of the staff member's own iCalendar feed (``crm.feeds``) and rotates it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext

from .. import services
from ..app_settings import app_settings
from ..models import StaffProfile
from ..selectors import staff_users
from ..selectors_calendar import calendar_feed_token, calendar_items
from .extra_views import extra_view_urls

WEEK, MONTH = "week", "month"


def _parse_day(value: str, today: date) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return today


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def period(view: str, day: date) -> tuple[date, date, date, date]:
    """``(first day shown, day after the last shown, previous period's day, next's)``:
    Monday to Sunday for a week, whole weeks around the month for a month."""
    if view == MONTH:
        first = day.replace(day=1)
        following = _add_months(first, 1)
        start = first - timedelta(days=first.weekday())
        last = following - timedelta(days=1)
        end = last + timedelta(days=7 - last.weekday())
        return start, end, _add_months(first, -1), following
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=7), start - timedelta(days=7), start + timedelta(days=7)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class LeadCalendarViews:
    """The follow-up calendar, as an extra view of ``LeadAdmin``."""

    def get_urls(self):
        return [
            *extra_view_urls(self, ("calendar/", self.calendar_view, "crm_lead_calendar")),
            *super().get_urls(),
        ]

    def calendar_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        now = timezone.now()
        today = timezone.localdate(now)
        view = MONTH if request.GET.get("view") == MONTH else WEEK
        day = _parse_day(request.GET.get("date", ""), today)
        start, end, previous, following = period(view, day)
        staff = list(staff_users())
        owner_param = request.GET.get("owner", "mine")
        owners = {str(user.pk): user for user in staff}
        if owner_param == "all":
            owner_id, owner = None, None
        elif owner_param in owners:
            owner_id, owner = owners[owner_param].pk, owners[owner_param]
        else:
            owner_param, owner_id, owner = "mine", request.user.pk, request.user
        items, truncated = calendar_items(
            start=_local_midnight(start),
            end=_local_midnight(end),
            now=now,
            owner_id=owner_id,
            limit=app_settings.CALENDAR_MAX_ITEMS,
        )
        by_day = defaultdict(list)
        for item in items:
            by_day[timezone.localdate(item.at)].append(item)
        days = [start + timedelta(days=i) for i in range((end - start).days)]
        cells = [
            {
                "date": shown,
                "items": by_day.get(shown, []),
                "outside": view == MONTH and shown.month != day.month,
                "today": shown == today,
            }
            for shown in days
        ]
        weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
        here = reverse("admin:crm_lead_calendar", current_app=self.admin_site.name)

        def link(**params) -> str:
            return f"{here}?{urlencode({'view': view, 'owner': owner_param, **params})}"

        if view == MONTH:
            caption = gettext("Follow-ups in %(month)s") % {
                "month": _month_name(day),
            }
        else:
            caption = gettext("Follow-ups from %(start)s to %(end)s") % {
                "start": _day_name(start),
                "end": _day_name(end - timedelta(days=1)),
            }
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Follow-up calendar"),
            "opts": self.opts,
            "view": view,
            "weeks": weeks,
            "weekdays": [WEEKDAYS[i] for i in range(7)],
            "caption": caption,
            "owner_param": owner_param,
            "owner": owner,
            "staff": staff,
            "show_owner": owner_id is None,
            "day": day,
            "count": len(items),
            "truncated": truncated,
            "max_items": app_settings.CALENDAR_MAX_ITEMS,
            "previous_url": link(date=previous.isoformat()),
            "next_url": link(date=following.isoformat()),
            "today_url": link(date=today.isoformat()),
            "week_url": f"{here}?{urlencode({'view': WEEK, 'owner': owner_param, 'date': day})}",
            "month_url": f"{here}?{urlencode({'view': MONTH, 'owner': owner_param, 'date': day})}",
        }
        return TemplateResponse(request, "admin/crm/lead/calendar.html", context)


def _day_name(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def _month_name(day: date) -> str:
    return date_format(day, "YEAR_MONTH_FORMAT")


class CalendarFeedViews:
    """ "My calendar feed", as an extra view of ``StaffProfileAdmin``."""

    def get_urls(self):
        return [
            *extra_view_urls(
                self, ("calendar-feed/", self.my_calendar_feed_view, "crm_calendar_feed")
            ),
            *super().get_urls(),
        ]

    def my_calendar_feed_view(self, request):
        """A staff member sees their feed's secret address and rotates it (POST)."""
        if not services.calendar_feed_allowed(user=request.user):
            raise PermissionDenied
        if request.method == "POST":
            profile = services.calendar_feed_rotate(user=request.user)
            self.message_user(
                request,
                gettext("Your calendar feed has a new address: the previous one no longer works."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        profile = StaffProfile.objects.filter(user=request.user).first()
        feed_url = ""
        if profile is not None and profile.calendar_feed_nonce:
            path = reverse(
                "crm:calendar-feed",
                kwargs={"profile_id": profile.pk, "token": calendar_feed_token(profile)},
            )
            feed_url = (
                services.absolute_url(path)
                if app_settings.SITE_URL
                else request.build_absolute_uri(path)
            )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("My calendar feed"),
            "opts": self.opts,
            "feed_url": feed_url,
            "past_days": app_settings.CALENDAR_FEED_PAST_DAYS,
            "future_days": app_settings.CALENDAR_FEED_FUTURE_DAYS,
        }
        return TemplateResponse(request, "admin/crm/staffprofile/calendar_feed.html", context)
