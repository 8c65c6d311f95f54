"""A staff member's follow-ups as an iCalendar feed (RFC 5545), for Outlook or Google.

Written with the ``icalendar`` library, which folds lines at 75 octets and escapes
commas, semicolons, backslashes and line breaks in text. What it cannot know is done
here: text from outside (a prospect's name, an activity's body) loses its control
characters (RFC 5545 allows none in TEXT but the tab) and lone surrogates, summaries
stay on one line and every text has a bounded length. Times are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.translation import gettext
from icalendar import Calendar, Event

from .models import Stage
from .selectors_calendar import CalendarItem
from .text import repaired, without_control_characters

SUMMARY_CHARS = 200
DESCRIPTION_CHARS = 4000
#: How long an item lasts in the calendar: a follow-up has a time, not a length.
DURATION = timedelta(minutes=30)


def clean_text(value: str, *, one_line: bool = False, limit: int) -> str:
    """``value`` as iCalendar TEXT can carry it: no control character (line feeds kept
    unless ``one_line``), no lone surrogate, at most ``limit`` characters."""
    value = repaired(str(value or "")).replace("\r\n", "\n").replace("\r", "\n")
    if one_line:
        value = " ".join(value.split())
    value = without_control_characters(value, allowed=frozenset() if one_line else {"\n"})
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def lead_name(item: CalendarItem) -> str:
    contact = item.lead.contact
    return contact.full_name or contact.email


def summary(item: CalendarItem) -> str:
    """The event's title, in the active language: what to do, with whom, at which company."""
    what = item.activity.get_kind_display() if item.activity is not None else gettext("Follow-up")
    return gettext("%(what)s: %(name)s (%(company)s)") % {
        "what": what,
        "name": lead_name(item),
        "company": item.lead.company.name,
    }


def description(item: CalendarItem) -> str:
    lead = item.lead
    lines = [
        gettext("Company: %(company)s") % {"company": lead.company.name},
        gettext("Stage: %(stage)s") % {"stage": Stage(lead.stage).label},
    ]
    if lead.contact.email:
        lines.append(gettext("E-mail: %(email)s") % {"email": lead.contact.email})
    if item.activity is not None and item.activity.body:
        lines += ["", item.activity.body]
    return "\n".join(lines)


def feed(
    items: Iterable[CalendarItem], *, calendar_name: str, site_url: str, now: datetime
) -> bytes:
    """The items as a VCALENDAR of VEVENTs (UID, DTSTAMP, DTSTART and DTEND in UTC,
    SUMMARY, DESCRIPTION, URL of the lead's admin page on ``site_url``)."""
    host = urlsplit(site_url).hostname or "cmo-leads"
    calendar = Calendar()
    calendar.add("prodid", "-//cmo-leads//follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", clean_text(calendar_name, one_line=True, limit=SUMMARY_CHARS))
    stamp = _utc(now)
    base = site_url.rstrip("/")
    for item in items:
        event = Event()
        event.add("uid", f"{item.uid_part}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(item.at))
        event.add("dtend", _utc(item.at + DURATION))
        event.add("summary", clean_text(summary(item), one_line=True, limit=SUMMARY_CHARS))
        event.add("description", clean_text(description(item), limit=DESCRIPTION_CHARS))
        event.add("url", base + reverse("admin:crm_lead_change", args=[item.lead.pk]))
        calendar.add_component(event)
    return calendar.to_ical()
