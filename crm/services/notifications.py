"""E-mails the crm sends: a promising new lead, a returning prospect, the daily digest."""

from __future__ import annotations

from datetime import datetime

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..adapter import Recipient, get_adapter
from ..models import Lead, LeadEvent, StaffProfile
from .base import absolute_url


def _send_after_commit(task_name: str, *args) -> None:
    """Queue the crm task ``task_name`` once the transaction commits.

    A broker that is down is logged, not raised: the work that triggered an e-mail is
    committed by then, and a notification must never fail it. The task is named, not
    imported, so that services never import the tasks that call them; the registered
    task's own ``apply_async`` runs it (eager mode included).
    """

    def send() -> None:
        current_app.signature(task_name, args=args).delay()

    send.__qualname__ = f"send {task_name}"
    transaction.on_commit(send, robust=True)


def notify_practice_after_commit(lead_id: int) -> None:
    """Queue the new-lead e-mail (``crm.tasks.notify_new_lead``) once the transaction commits."""
    _send_after_commit("crm.tasks.notify_new_lead", lead_id)


def notify_return_after_commit(lead_id: int, changes: int) -> None:
    """Queue the "your prospect came back" e-mail once the transaction commits."""
    _send_after_commit("crm.tasks.notify_returning_prospect", lead_id, changes)


def lead_notify_return(*, lead_id: int, changes: int = 0) -> bool:
    """Tell the lead's owner (the practice's address when nobody owns it; the adapter,
    ``CRM_ADAPTER``, may say otherwise) that the prospect posted the questionnaire
    again, with how many changes they proposed, in each recipient's language.

    Returns True when it went out, False when the lead is gone or nobody is to be told.
    """
    lead = Lead.objects.select_related("contact", "company", "owner").filter(pk=lead_id).first()
    if lead is None:
        return False
    from ..selectors import lead_pending_changes, proposed_change_rows

    adapter = get_adapter()
    recipients = adapter.returning_prospect_recipients(lead)
    pending = lead_pending_changes(lead_id=lead.pk)
    came_back = lead.events.filter(kind=LeadEvent.Kind.RETURNED).order_by("-created_at").first()
    for recipient in recipients:
        context = {
            "lead": lead,
            "changes": changes,
            "lead_url": _lead_url(lead),
            # Field by field, in the recipient's language: what the post gave differently.
            "rows": [
                (str(change.get_field_display()), row)
                for change in pending
                for row in proposed_change_rows(change, recipient.language)
            ],
            "came_back": came_back if came_back and came_back.to_value else None,
        }
        adapter.send_notification(name="returning_prospect", recipient=recipient, context=context)
    return bool(recipients)


def _lead_url(lead: Lead) -> str:
    return absolute_url(reverse("admin:crm_lead_change", args=[lead.pk]))


@transaction.atomic
def lead_notify_practice(*, lead_id: int) -> bool:
    """Tell the practice about a promising new lead, once per lead: the adapter
    (``CRM_ADAPTER``) says who and how; by default an e-mail to ``CRM_PRACTICE_EMAIL``.

    Returns True when it went out now, False when there was nothing to do (lead gone,
    already announced, or nobody to tell).
    """
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact", "company")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None or lead.practice_notified_at is not None:
        return False
    adapter = get_adapter()
    recipients = adapter.new_lead_recipients(lead)
    if not recipients:
        return False
    for recipient in recipients:
        adapter.send_notification(
            name="new_lead",
            recipient=recipient,
            context={"lead": lead, "lead_url": _lead_url(lead)},
        )
    lead.practice_notified_at = timezone.now()
    lead.save(update_fields=["practice_notified_at", "updated_at"])
    return True


@transaction.atomic
def staff_profile_set_language(*, user: AbstractBaseUser, language: str) -> StaffProfile:
    """Choose the language of a staff member's e-mails (reminders)."""
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=user)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language", "updated_at"])
    return profile


def follow_up_digests_send(*, now: datetime | None = None) -> int:
    """Send each owner one e-mail of their follow-ups due today and overdue.

    Sent at most once a day per owner (a second run the same day sends nothing),
    in the owner's language. Returns how many e-mails went out.

    The privacy requests past their due date are in the digest of whoever handles them
    (``crm.export_personal_data``: the Privacy officer role, the superusers), with or
    without follow-ups of their own.
    """
    from ..selectors import follow_ups_due_by_owner, overdue_privacy_requests, privacy_handlers

    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    by_owner = follow_ups_due_by_owner(until=now)
    overdue_requests = list(overdue_privacy_requests(now=now))
    handlers = list(privacy_handlers()) if overdue_requests else []
    for handler in handlers:
        by_owner.setdefault(handler, [])
    for owner, items in by_owner.items():
        if not owner.email:
            continue
        requests = overdue_requests if owner in handlers else []
        if not items and not requests:
            continue
        if _follow_up_digest_send_one(
            owner=owner, items=items, today=today, now=now, privacy_requests=requests
        ):
            sent += 1
    return sent


@transaction.atomic
def _follow_up_digest_send_one(*, owner, items, today, now, privacy_requests=()) -> bool:
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=owner)
    if profile.follow_up_digest_sent_on == today:
        return False
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    overdue = [item for item in items if item.due_at < start_of_today]
    due_today = [item for item in items if item.due_at >= start_of_today]
    context = {
        "owner": owner,
        "overdue": overdue,
        "due_today": due_today,
        "count": len(items) + len(privacy_requests),
        "today": today,
        "leads_url": absolute_url(reverse("admin:crm_lead_changelist") + "?mine=1"),
        "privacy_requests": list(privacy_requests),
        "privacy_url": absolute_url(reverse("admin:crm_privacyrequest_changelist") + "?overdue=1"),
    }
    get_adapter().send_notification(
        name="follow_up_digest", recipient=Recipient(owner.email, profile.language), context=context
    )
    profile.follow_up_digest_sent_on = today
    profile.save(update_fields=["follow_up_digest_sent_on", "updated_at"])
    return True
