"""E-mails the crm sends: a promising new lead, a returning prospect, the daily digest."""

from __future__ import annotations

from datetime import datetime

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ..app_settings import app_settings
from ..models import (
    Lead,
    StaffProfile,
)
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
    """Tell the lead's owner (the practice's address when nobody owns it) that the
    prospect posted the questionnaire again, with how many changes they proposed.

    In the owner's language. Returns True when an e-mail went out, False when the lead
    is gone or there is nobody to tell.
    """
    from ..selectors import staff_language

    lead = Lead.objects.select_related("contact", "company", "owner").filter(pk=lead_id).first()
    if lead is None:
        return False
    if lead.owner_id and lead.owner.email:
        recipient, language = lead.owner.email, staff_language(lead.owner)
    elif app_settings.PRACTICE_EMAIL:
        recipient, language = app_settings.PRACTICE_EMAIL, app_settings.PRACTICE_LANGUAGE
    else:
        return False
    with translation.override(language):
        context = {
            "lead": lead,
            "changes": changes,
            "lead_url": absolute_url(reverse("admin:crm_lead_change", args=[lead.pk])),
        }
        subject = render_to_string("crm/email/returning_prospect_subject.txt", context).strip()
        body = render_to_string("crm/email/returning_prospect.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return True


@transaction.atomic
def lead_notify_practice(*, lead_id: int) -> bool:
    """E-mail the practice about a promising new lead, once per lead.

    Returns True when the e-mail went out now, False when there was nothing to do
    (lead gone, already announced, or no practice address configured).
    """
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact", "company")
        .filter(pk=lead_id)
        .first()
    )
    recipient = app_settings.PRACTICE_EMAIL
    if lead is None or lead.practice_notified_at is not None or not recipient:
        return False
    with translation.override(app_settings.PRACTICE_LANGUAGE):
        context = {
            "lead": lead,
            "lead_url": absolute_url(reverse("admin:crm_lead_change", args=[lead.pk])),
        }
        subject = render_to_string("crm/email/new_lead_subject.txt", context).strip()
        body = render_to_string("crm/email/new_lead.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
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
    """
    from ..selectors import follow_ups_due_by_owner

    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for owner, items in follow_ups_due_by_owner(until=now).items():
        if not owner.email:
            continue
        if _follow_up_digest_send_one(owner=owner, items=items, today=today, now=now):
            sent += 1
    return sent


@transaction.atomic
def _follow_up_digest_send_one(*, owner, items, today, now) -> bool:
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=owner)
    if profile.follow_up_digest_sent_on == today:
        return False
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    overdue = [item for item in items if item.due_at < start_of_today]
    due_today = [item for item in items if item.due_at >= start_of_today]
    with translation.override(profile.language):
        context = {
            "owner": owner,
            "overdue": overdue,
            "due_today": due_today,
            "count": len(items),
            "today": today,
            "leads_url": absolute_url(reverse("admin:crm_lead_changelist") + "?mine=1"),
        }
        subject = render_to_string("crm/email/follow_up_digest_subject.txt", context).strip()
        body = render_to_string("crm/email/follow_up_digest.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
    profile.follow_up_digest_sent_on = today
    profile.save(update_fields=["follow_up_digest_sent_on", "updated_at"])
    return True
