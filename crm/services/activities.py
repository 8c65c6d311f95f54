"""Notes, calls, e-mails and meetings; the lead's next follow-up follows them."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, Unpack

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..models import Activity, Lead
from .leads import lead_set_follow_up


def _lead_follow_up_after(*, lead: Lead, stored: Activity | None, activity: Activity | None):
    """Keep the lead's next follow-up in step when an activity changes or goes.

    ``stored`` is the activity as it was, ``activity`` as it is now (None: deleted).
    If the old one was the lead's next follow-up and no longer is an open one at that
    time, the follow-up moves to the lead's next open activity (or is cleared); a new
    open due time that comes sooner becomes the follow-up.
    """
    was_the_follow_up = (
        stored is not None
        and stored.due_at is not None
        and stored.done_at is None
        and lead.next_follow_up_at == stored.due_at
    )
    due_at = activity.due_at if activity is not None else None
    is_open = activity is not None and due_at is not None and activity.done_at is None
    if was_the_follow_up and not (is_open and due_at == lead.next_follow_up_at):
        next_open = (
            Activity.objects.filter(lead=lead, done_at__isnull=True, due_at__isnull=False)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
        lead_set_follow_up(lead=lead, at=next_open)
    elif is_open and (lead.next_follow_up_at is None or due_at < lead.next_follow_up_at):
        lead_set_follow_up(lead=lead, at=due_at)


class ActivityFields(TypedDict, total=False):
    """What staff set on an activity (every key optional)."""

    kind: str
    body: str
    due_at: datetime | None
    done_at: datetime | None
    owner: AbstractBaseUser | None


def activity_fields(activity: Activity) -> ActivityFields:
    """The settable fields of an activity as an unsaved form left them."""
    return ActivityFields(
        kind=activity.kind,
        body=activity.body,
        due_at=activity.due_at,
        done_at=activity.done_at,
        owner=activity.owner,
    )


@transaction.atomic
def activity_update(*, activity: Activity, **fields: Unpack[ActivityFields]) -> Activity:
    """Change what ``fields`` names on an activity; the lead's next follow-up follows its
    open activities.

    When the activity that set the lead's next follow-up is done (or moved), the
    follow-up moves to the lead's next open activity (or is cleared).
    """
    stored = Activity.objects.select_for_update().get(pk=activity.pk)
    lead = Lead.objects.select_for_update().get(pk=stored.lead_id)
    old = Activity(due_at=stored.due_at, done_at=stored.done_at)
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.save()
    _lead_follow_up_after(lead=lead, stored=old, activity=stored)
    return stored


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    """Remove an activity; the lead's next follow-up moves on if it was this one."""
    stored = Activity.objects.select_for_update().filter(pk=activity.pk).first()
    if stored is None:
        return
    lead = Lead.objects.select_for_update().get(pk=stored.lead_id)
    stored.delete()
    _lead_follow_up_after(lead=lead, stored=stored, activity=None)


@transaction.atomic
def activity_create(*, lead: Lead, **fields: Unpack[ActivityFields]) -> Activity:
    """Log a note, call, e-mail or meeting (a note unless ``kind`` says otherwise); a due
    one becomes the lead's next follow-up when it comes sooner than the one already set."""
    activity = Activity.objects.create(lead=lead, **fields)
    _lead_follow_up_after(lead=lead, stored=None, activity=activity)
    return activity
