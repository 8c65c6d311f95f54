"""Outbound webhooks (Standard Webhooks 1.0): where events go, what is to be sent, what was.

- ``WebhookEndpoint``: a receiver's address, the events it wants, its signing secret
  (and the previous one for a while after a rotation), whether it is in use.
- ``WebhookMessage``: the outbox. One row per event and endpoint, written in the same
  transaction as the change that caused it, with the exact body to send; it stays
  ``pending`` until delivered, refused for good, or given up after the last retry.
- ``WebhookDelivery``: the log, one row per attempt (kept ``CRM_WEBHOOK_LOG_RETENTION_DAYS``).

Imported by ``crm.models``; nothing here imports it back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEventType(models.TextChoices):
    LEAD_CREATED = "lead.created", _("A lead was created")
    LEAD_CLASSIFIED = "lead.classified", _("A lead was classified")
    LEAD_UPDATED = "lead.updated", _("A lead's stage, owner or follow-up changed")
    LEAD_OVERRIDDEN = "lead.overridden", _("A lead's recommendation was overridden")
    LEAD_ERASED = "lead.erased", _("A lead was erased (identifiers only)")


class WebhookEndpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=300, blank=True)
    events = models.JSONField(_("events"), default=list)
    # whsec_ + base64 of 32 random bytes. Shown once (on creation and rotation), never
    # listed; needed as it is to sign (HMAC), so it is stored as it is.
    secret = models.CharField(_("secret"), max_length=100)
    previous_secret = models.CharField(_("previous secret"), max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    # The first failed attempt since the last success: failing for too long disables it.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class WebhookMessage(models.Model):
    """One event for one endpoint: the outbox row and its retry state."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")
        CANCELLED = "cancelled", _("Cancelled")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    # The webhook-id header: the same for every attempt and replay of this message.
    msg_id = models.CharField(_("webhook-id"), max_length=64, unique=True)
    event_type = models.CharField(_("event"), max_length=30, choices=WebhookEventType.choices)
    # The lead it is about (not a foreign key: the message outlives an erased lead).
    lead_id = models.BigIntegerField(_("lead"), null=True, blank=True, db_index=True)
    # The exact JSON sent, frozen when the event happened (emptied when the lead is erased).
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Where in the retry schedule the next attempt is (a replay starts it again).
    schedule_step = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When a task to send it was last queued (the sweep queues it again if that was lost).
    queued_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is sending it, so that no other sends it at the same time.
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="crm_webhook_message_due",
            ),
        ]

    def __str__(self):
        return f"{self.event_type} {self.msg_id}"


#: What the delivery log shows of an attempt, in the admin and the staff API alike.
DELIVERY_LOG_FIELDS = (
    "webhook_id",
    "event_type",
    "attempt",
    "outcome",
    "response_status",
    "duration_ms",
    "error",
    "response_excerpt",
    "next_attempt_at",
    "created_at",
)


class WebhookDelivery(models.Model):
    """One attempt to send a message, as the receiver answered it (or did not)."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        REFUSED = "refused", _("Destination refused")

    message = models.ForeignKey(
        WebhookMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    attempt = models.PositiveIntegerField(_("attempt"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    response_status = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    # What the receiver answered: text nobody vouches for, cut short and cleaned.
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="crm_webhook_delivery_endpoint")
        ]

    def __str__(self):
        return f"#{self.attempt} {self.get_outcome_display()}"
