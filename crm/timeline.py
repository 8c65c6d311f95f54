"""The lead page's timeline: one chronological feed of what happened to a lead.

Each source gives :class:`Entry` rows for a lead: the crm's own (activities, with their
full text; the history: creation, classification, stage changes, assignments, reviews,
overrides, returns, the prospect's own actions; privacy requests) and, registered by
other apps at start (``register_source``), theirs: the qualification app adds each
submission as received (``QualificationConfig.ready``), which the crm cannot read itself.
Newest first; every text is shown as text, whatever a prospect typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext

from .models import Lead, PrivacyRequest, ProposedChange


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # a CSS key: "note", "call", "email", "meeting", "event", "submission", ...
    title: str
    text: str = ""
    by: str = ""


_sources: list[Callable[[Lead], Iterable[Entry]]] = []


def register_source(source: Callable[[Lead], Iterable[Entry]]) -> None:
    """Add a source of entries (once: registering the same function again is a no-op)."""
    if source not in _sources:
        _sources.append(source)


def _person(user) -> str:
    return "" if user is None else (user.get_full_name() or user.get_username())


def _activities(lead: Lead) -> Iterable[Entry]:
    for activity in lead.activities.select_related("owner").order_by("-created_at"):
        state = ""
        if activity.done_at is None and activity.due_at is not None:
            state = gettext("due %(when)s") % {"when": _short(activity.due_at)}
        yield Entry(
            at=activity.done_at or activity.created_at,
            kind=activity.kind,
            title=" · ".join(filter(None, [str(activity.get_kind_display()), state])),
            text=activity.body,
            by=_person(activity.owner),
        )


def _history(lead: Lead) -> Iterable[Entry]:
    for event in lead.events.select_related("by").order_by("-created_at"):
        yield Entry(
            at=event.created_at,
            kind=f"event-{event.kind}",
            title=str(event),
            text=event.note_display,
            by=_person(event.by),
        )


def _requests(lead: Lead) -> Iterable[Entry]:
    for request in PrivacyRequest.objects.filter(lead=lead).order_by("-received_at"):
        yield Entry(
            at=request.received_at,
            kind="privacy",
            title=gettext("%(kind)s asked (%(status)s)")
            % {"kind": request.get_kind_display(), "status": request.get_status_display()},
            text=str((request.details or {}).get("observations", "")),
        )


def _short(when: datetime) -> str:
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")


def _proposals(lead: Lead) -> Iterable[Entry]:
    from django.utils.translation import get_language

    from .selectors import proposed_change_rows

    for change in ProposedChange.objects.filter(lead=lead).order_by("-created_at"):
        rows = proposed_change_rows(change, get_language() or "fr")
        yield Entry(
            at=change.created_at,
            kind="proposal",
            title=gettext("Proposed by a later post: %(field)s (%(status)s)")
            % {"field": change.get_field_display(), "status": change.get_status_display()},
            text="\n".join(
                f"{row.label}: {row.stored or '—'} → {row.proposed or '—'}" for row in rows
            ),
        )


register_source(_activities)
register_source(_proposals)
register_source(_history)
register_source(_requests)


def lead_timeline(lead: Lead) -> list[Entry]:
    """Every source's entries for ``lead``, newest first."""
    entries = [entry for source in _sources for entry in source(lead)]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


__all__ = ["Entry", "lead_timeline", "register_source"]
