"""Outbound webhooks: endpoints, and the events written to the outbox with the change.

An event is a ``WebhookMessage`` row per subscribed endpoint, written in the transaction
of the change that caused it (so it exists exactly when the change does) and queued on
commit (``crm.tasks.deliver_webhook``); when Redis is down the row waits and the sweep
(``crm.tasks.sweep_webhooks``, Celery beat) queues it later. Sending, retries and the
log are in ``crm.services.webhook_delivery``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..app_settings import app_settings
from ..models_webhooks import WebhookEndpoint, WebhookEventType, WebhookMessage
from ..webhooks.addresses import url_problem
from ..webhooks.payloads import event_body, leads_data
from ..webhooks.signing import new_secret
from .base import absolute_url

DELIVER_TASK = "crm.tasks.deliver_webhook"

EventKey = tuple[str, int]

#: The events being gathered by ``webhook_events_collected`` (None: emit at once).
_collected: ContextVar[list[EventKey] | None] = ContextVar("crm_webhook_events", default=None)


def _send_after_commit(task_name: str, *args, countdown: float = 0) -> None:
    """Queue the crm task ``task_name`` once the transaction commits (by name: services
    never import tasks). A broker that is down is logged, not raised: the row is
    committed and the sweep queues it later."""

    def send() -> None:
        current_app.signature(task_name, args=args).apply_async(countdown=countdown or None)

    send.__qualname__ = f"send {task_name}"
    transaction.on_commit(send, robust=True)


def new_msg_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


# --- endpoints -------------------------------------------------------------------------


def webhook_endpoint_problems(
    *, url: str | None = None, events: Sequence[str] | None = None
) -> dict[str, str]:
    """What is wrong with a receiver's ``url`` and ``events`` (those given), field by
    field, in the user's language. Empty when they will do."""
    problems: dict[str, str] = {}
    if url is not None:
        problem = url_problem(url, allow_private=app_settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS)
        if problem:
            problems["url"] = problem
    if events is not None:
        unknown = [str(e) for e in events if e not in WebhookEventType.values]
        if not events:
            problems["events"] = _("Choose at least one event.")
        elif unknown:
            problems["events"] = _("Unknown event %(event)s: choose among %(choices)s.") % {
                "event": unknown[0],
                "choices": ", ".join(WebhookEventType.values),
            }
    return problems


@transaction.atomic
def webhook_endpoint_create(
    *,
    url: str,
    events: Sequence[str],
    description: str = "",
    by: AbstractBaseUser | None,
) -> WebhookEndpoint:
    """Register a receiver. Its ``secret`` is for the caller to show once.

    Raises ``ValueError`` (with the problems by field as ``args[0]``) for a URL or events
    that will not do."""
    problems = webhook_endpoint_problems(url=url, events=events)
    if problems:
        raise ValueError(problems)
    return WebhookEndpoint.objects.create(
        url=url,
        events=list(dict.fromkeys(events)),
        description=description.strip(),
        secret=new_secret(),
        created_by=by,
    )


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    events: Sequence[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change which events an endpoint gets, or its description."""
    problems = webhook_endpoint_problems(events=events)
    if problems:
        raise ValueError(problems)
    if events is not None:
        endpoint.events = list(dict.fromkeys(events))
    if description is not None:
        endpoint.description = description.strip()
    endpoint.save(update_fields=["events", "description", "updated_at"])
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the current one keeps signing too for
    ``CRM_WEBHOOK_PREVIOUS_SECRET_HOURS`` so the receiver can switch over."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(
        hours=app_settings.WEBHOOK_PREVIOUS_SECRET_HOURS
    )
    endpoint.secret = new_secret()
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"]
    )
    return endpoint


def webhook_endpoint_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets to sign with now: the current one, and the previous one while it lasts."""
    found = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and (endpoint.previous_secret_until > now)
    ):
        found.append(endpoint.previous_secret)
    return found


@transaction.atomic
def webhook_endpoint_set_active(
    *, endpoint: WebhookEndpoint, active: bool, reason: str = "", notify: bool = False
) -> WebhookEndpoint:
    """Enable or disable an endpoint. Disabling cancels what was waiting for it (a replay
    sends it again once it is enabled); ``notify`` e-mails the practice about it."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active == active:
        return endpoint
    endpoint.is_active = active
    if active:
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
        endpoint.failing_since = None
    else:
        endpoint.disabled_reason = reason[:300]
        endpoint.disabled_at = timezone.now()
        WebhookMessage.objects.filter(
            endpoint=endpoint, status=WebhookMessage.Status.PENDING
        ).update(status=WebhookMessage.Status.CANCELLED, updated_at=timezone.now())
        if notify:
            _send_after_commit("crm.tasks.notify_webhook_disabled", endpoint.pk)
    endpoint.save(
        update_fields=[
            "is_active",
            "disabled_reason",
            "disabled_at",
            "failing_since",
            "updated_at",
        ]
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its messages and log."""
    endpoint.delete()


def webhook_endpoint_notify_disabled(*, endpoint_id: int) -> bool:
    """E-mail the practice (and whoever registered it) that an endpoint was disabled."""
    endpoint = WebhookEndpoint.objects.select_related("created_by").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return False
    recipients = [app_settings.PRACTICE_EMAIL]
    if endpoint.created_by_id and endpoint.created_by.email:
        recipients.append(endpoint.created_by.email)
    recipients = list(dict.fromkeys(r for r in recipients if r))
    if not recipients:
        return False
    with translation.override(app_settings.PRACTICE_LANGUAGE):
        context = {
            "endpoint": endpoint,
            "endpoint_url": absolute_url(
                reverse("admin:crm_webhookendpoint_change", args=[endpoint.pk])
            ),
        }
        subject = render_to_string("crm/email/webhook_disabled_subject.txt", context).strip()
        body = render_to_string("crm/email/webhook_disabled.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True


# --- events ----------------------------------------------------------------------------


@contextmanager
def webhook_events_collected() -> Iterator[None]:
    """Gather the lead events raised inside and write each (event, lead) once at the end,
    with the lead as it is then: a staff change of stage, owner and follow-up in one
    request is one ``lead.updated``. Nested uses write at the outermost end; nothing is
    written when the block raises."""
    if _collected.get() is not None:
        yield
        return
    gathered: list[EventKey] = []
    token = _collected.set(gathered)
    try:
        yield
    finally:
        _collected.reset(token)
    _write_events(gathered)


def webhook_lead_event(event_type: str, *, lead_ids: Iterable[int]) -> None:
    """Raise ``event_type`` for these leads (now, or at the end of the gathering block)."""
    keys = [(event_type, lead_id) for lead_id in lead_ids]
    gathered = _collected.get()
    if gathered is None:
        _write_events(keys)
    else:
        gathered.extend(key for key in keys if key not in gathered)


def _subscribers(event_types: set[str]) -> dict[str, list[int]]:
    """The active endpoints that want each of ``event_types``."""
    wanted: dict[str, list[int]] = {event_type: [] for event_type in event_types}
    for pk, events in WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "events"):
        for event_type in event_types:
            if isinstance(events, list) and event_type in events:
                wanted[event_type].append(pk)
    return wanted


def _write_events(keys: Sequence[EventKey]) -> None:
    if not keys:
        return
    subscribers = _subscribers({event_type for event_type, _lead in keys})
    keys = [key for key in dict.fromkeys(keys) if subscribers[key[0]]]
    if not keys:
        return
    data = leads_data({lead_id for _type, lead_id in keys})
    now = timezone.now()
    rows = []
    for event_type, lead_id in keys:
        if lead_id not in data:
            continue
        body = event_body(event_type, data[lead_id], now)
        rows.extend(
            _message(endpoint_id, event_type, lead_id, body, now)
            for endpoint_id in subscribers[event_type]
        )
    _queue(WebhookMessage.objects.bulk_create(rows))


def _message(endpoint_id: int, event_type: str, lead_id: int | None, body: str, now: datetime):
    return WebhookMessage(
        endpoint_id=endpoint_id,
        msg_id=new_msg_id(),
        event_type=event_type,
        lead_id=lead_id,
        body=body,
        next_attempt_at=now,
        queued_at=now,
        created_at=now,
    )


def _queue(messages: Iterable[WebhookMessage], countdown: float = 0) -> None:
    for message in messages:
        _send_after_commit(DELIVER_TASK, message.pk, countdown=countdown)


@transaction.atomic
def webhook_lead_erased(*, lead_id: int) -> None:
    """Raise ``lead.erased`` (the lead's id only) and forget what earlier messages said
    about the lead: their bodies are emptied and those still waiting are cancelled.

    For the erasure (anonymisation) of a lead, in its transaction."""
    now = timezone.now()
    earlier = WebhookMessage.objects.filter(lead_id=lead_id).exclude(
        event_type=WebhookEventType.LEAD_ERASED
    )
    earlier.filter(status=WebhookMessage.Status.PENDING).update(
        status=WebhookMessage.Status.CANCELLED, updated_at=now
    )
    earlier.exclude(body="").update(body="", updated_at=now)
    event_type = WebhookEventType.LEAD_ERASED.value
    body = event_body(event_type, {"id": lead_id}, now)
    rows = [
        _message(endpoint_id, event_type, lead_id, body, now)
        for endpoint_id in _subscribers({event_type})[event_type]
    ]
    _queue(WebhookMessage.objects.bulk_create(rows))


# --- the sweep and the log's retention -------------------------------------------------


def webhooks_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue the messages that are due and have no task on the way (Redis was down when
    it was sent, a worker died, a retry's time came). Returns how many were queued."""
    now = now or timezone.now()
    resend_before = now - timedelta(seconds=app_settings.WEBHOOK_RESEND_AFTER)
    due = (
        WebhookMessage.objects.filter(
            status=WebhookMessage.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=resend_before))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    if not ids:
        return 0
    with transaction.atomic():
        WebhookMessage.objects.filter(pk__in=ids).update(queued_at=now)
        _queue(WebhookMessage(pk=pk) for pk in ids)
    return len(ids)


@transaction.atomic
def webhook_log_purge(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete the delivery log and the finished messages older than
    ``CRM_WEBHOOK_LOG_RETENTION_DAYS``. Returns (attempts, messages) deleted."""
    from ..models_webhooks import WebhookDelivery

    before = (now or timezone.now()) - timedelta(days=app_settings.WEBHOOK_LOG_RETENTION_DAYS)
    attempts, _detail = WebhookDelivery.objects.filter(created_at__lt=before).delete()
    finished = WebhookMessage.objects.filter(updated_at__lt=before).exclude(
        status=WebhookMessage.Status.PENDING
    )
    counted, _detail = finished.filter(deliveries__isnull=True).delete()
    return attempts, counted
