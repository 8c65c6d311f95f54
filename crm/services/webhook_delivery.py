"""Sending one webhook message: one attempt, its log line, and what comes next.

The Standard Webhooks retry schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
10 h, 14 h, 20 h and 24 h after each failure (about three days in all), each delay
with ±10 % jitter so that many failures do not all come back at once. A ``429`` or
``503`` with ``Retry-After`` waits at least what it asks (up to 24 h). ``410 Gone``
disables the endpoint. An endpoint that has been failing for
``CRM_WEBHOOK_DISABLE_AFTER_DAYS`` is disabled and the practice is told.

A message is claimed before it is sent (``claimed_until``), so a task queued twice (by
the sweep and a retry, or after a worker died) sends it once; the HTTP call runs outside
any transaction, and its outcome is written in one.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..app_settings import app_settings
from ..models_webhooks import WebhookDelivery, WebhookEndpoint, WebhookMessage
from ..webhooks import transport
from ..webhooks.signing import webhook_headers
from .webhooks import (
    DELIVER_TASK,
    _send_after_commit,
    webhook_endpoint_secrets,
    webhook_endpoint_set_active,
)

#: Seconds to wait before each attempt (the first is immediate).
RETRY_SCHEDULE = (
    0,
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
)
#: A retry this soon is queued with a countdown; later ones are the sweep's.
COUNTDOWN_UP_TO = 60
#: The longest ``Retry-After`` honoured.
MAX_RETRY_AFTER = 24 * 3600
JITTER = 0.1


def retry_delay(step: int, *, retry_after: float | None = None, rng=random) -> float | None:
    """Seconds before attempt number ``step + 1`` (``step`` attempts failed so far in this
    round), or None when the schedule is over."""
    if step >= len(RETRY_SCHEDULE):
        return None
    delay = RETRY_SCHEDULE[step] * rng.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def _claim(message_id: int, now: datetime) -> bool:
    hold = timedelta(seconds=app_settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    return bool(
        WebhookMessage.objects.filter(
            pk=message_id, status=WebhookMessage.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + hold)
    )


def webhook_message_deliver(*, message_id: int) -> str:
    """Make the attempt that is due for this message, if one is. Returns what happened:
    ``"not due"`` (already sent, being sent, cancelled or not yet time), ``"cancelled"``
    (the endpoint is disabled), ``"gone"`` (deleted meanwhile), or the attempt's outcome."""
    now = timezone.now()
    if not _claim(message_id, now):
        return "not due"
    message = WebhookMessage.objects.select_related("endpoint").filter(pk=message_id).first()
    if message is None:
        return "gone"  # its endpoint was deleted meanwhile
    endpoint = message.endpoint
    if not endpoint.is_active or not message.body:
        WebhookMessage.objects.filter(pk=message_id).update(
            status=WebhookMessage.Status.CANCELLED, claimed_until=None, updated_at=now
        )
        return "cancelled"
    headers = webhook_headers(
        msg_id=message.msg_id,
        body=message.body,
        secrets_in_force=webhook_endpoint_secrets(endpoint, now=now),
        at=now,
    )
    answer = transport.post(
        endpoint.url,
        message.body.encode("utf-8"),
        headers,
        timeout=app_settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_private=app_settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
        excerpt_chars=app_settings.WEBHOOK_RESPONSE_EXCERPT_CHARS,
    )
    return _record(message_id, answer)


@transaction.atomic
def _record(message_id: int, answer: transport.Answer) -> str:
    # The endpoint first, then the message: the order every writer takes them in.
    endpoint_id = (
        WebhookMessage.objects.filter(pk=message_id).values_list("endpoint_id", flat=True).first()
    )
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    message = WebhookMessage.objects.select_for_update().filter(pk=message_id).first()
    if endpoint is None or message is None:
        return "gone"  # deleted while it was being sent: nothing to log it on
    now = timezone.now()
    message.attempts += 1
    message.claimed_until = None
    delivery = WebhookDelivery(
        message=message,
        endpoint=endpoint,
        attempt=message.attempts,
        response_status=answer.status,
        duration_ms=answer.duration_ms,
        response_excerpt=answer.excerpt,
        error=answer.error[:300],
        created_at=now,
    )
    if answer.succeeded:
        delivery.outcome = WebhookDelivery.Outcome.SUCCEEDED
        message.status = WebhookMessage.Status.DELIVERED
        message.delivered_at = now
        message.next_attempt_at = None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since", "updated_at"])
    else:
        delivery.outcome = (
            WebhookDelivery.Outcome.REFUSED if answer.refused else WebhookDelivery.Outcome.FAILED
        )
        _after_failure(message, endpoint, answer, delivery, now)
    message.save()
    delivery.save()
    return delivery.outcome


def _after_failure(message, endpoint, answer, delivery, now) -> None:
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since", "updated_at"])
    if answer.status == 410:
        message.status = WebhookMessage.Status.FAILED
        message.next_attempt_at = None
        webhook_endpoint_set_active(
            endpoint=endpoint,
            active=False,
            reason=_("The receiver answered 410 Gone."),
            notify=True,
        )
        return
    failing_for = now - endpoint.failing_since
    if failing_for >= timedelta(days=app_settings.WEBHOOK_DISABLE_AFTER_DAYS):
        message.status = WebhookMessage.Status.FAILED
        message.next_attempt_at = None
        webhook_endpoint_set_active(
            endpoint=endpoint,
            active=False,
            reason=_("Every delivery failed for %(days)s days.")
            % {"days": app_settings.WEBHOOK_DISABLE_AFTER_DAYS},
            notify=True,
        )
        return
    retry_after = answer.retry_after if answer.status in (429, 503) else None
    message.schedule_step += 1
    delay = retry_delay(message.schedule_step, retry_after=retry_after)
    if delay is None:
        message.status = WebhookMessage.Status.FAILED
        message.next_attempt_at = None
        return
    message.next_attempt_at = now + timedelta(seconds=delay)
    delivery.next_attempt_at = message.next_attempt_at
    if delay <= COUNTDOWN_UP_TO:
        message.queued_at = now
        _send_after_commit(DELIVER_TASK, message.pk, countdown=delay)
    else:
        message.queued_at = None  # the sweep queues it when its time comes


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookMessage:
    """Send a delivery's message again, now: the same ``webhook-id`` and body, signed
    afresh, with a new retry schedule. Raises ``ValueError`` when it cannot be (the
    endpoint is disabled, the lead was erased)."""
    message = WebhookMessage.objects.select_for_update().get(pk=delivery.message_id)
    endpoint = WebhookEndpoint.objects.get(pk=message.endpoint_id)
    if not endpoint.is_active:
        raise ValueError(_("This endpoint is disabled: enable it before replaying."))
    if not message.body:
        raise ValueError(_("This message's lead was erased: it cannot be sent again."))
    now = timezone.now()
    message.status = WebhookMessage.Status.PENDING
    message.schedule_step = 0
    message.next_attempt_at = now
    message.queued_at = now
    message.delivered_at = None
    message.save()
    _send_after_commit(DELIVER_TASK, message.pk)
    return message
