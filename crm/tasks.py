"""Thin Celery wrappers around the crm's services (reminders and notifications)."""

from functools import partial
from smtplib import SMTPException

from celery import shared_task

from . import services

#: A task that sends e-mail: tried again with growing pauses when the mail server is
#: unreachable, a few times, then left in the worker's log.
email_task = partial(
    shared_task, autoretry_for=(SMTPException, ConnectionError), retry_backoff=30, max_retries=5
)


@shared_task(
    name="crm.tasks.send_follow_up_digests",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=3,
)
def send_follow_up_digests() -> int:
    """Each owner's daily e-mail of due and overdue follow-ups (once a day each)."""
    return services.follow_up_digests_send()


@email_task(name="crm.tasks.notify_new_lead")
def notify_new_lead(lead_id: int) -> bool:
    """Tell the practice about a promising new lead; a second run sends nothing."""
    return services.lead_notify_practice(lead_id=lead_id)


@email_task(name="crm.tasks.notify_returning_prospect")
def notify_returning_prospect(lead_id: int, changes: int = 0) -> bool:
    """Tell the lead's owner that the prospect posted again (and what they proposed)."""
    return services.lead_notify_return(lead_id=lead_id, changes=changes)


# --- Outbound webhooks (crm.services.webhooks, crm.services.webhook_delivery) ----------


@shared_task(name="crm.tasks.deliver_webhook")
def deliver_webhook(message_id: int) -> str:
    """One attempt at a webhook message, if one is due (a second copy sends nothing)."""
    return services.webhook_message_deliver(message_id=message_id)


@shared_task(name="crm.tasks.sweep_webhooks")
def sweep_webhooks() -> int:
    """Queue the webhook messages that are due and have no task on the way (beat)."""
    return services.webhooks_sweep()


@shared_task(name="crm.tasks.purge_webhook_log")
def purge_webhook_log() -> tuple[int, int]:
    """Delete the webhook log past CRM_WEBHOOK_LOG_RETENTION_DAYS (daily)."""
    return services.webhook_log_purge()


@email_task(name="crm.tasks.notify_webhook_disabled")
def notify_webhook_disabled(endpoint_id: int) -> bool:
    """Tell the practice that a webhook endpoint was disabled."""
    return services.webhook_endpoint_notify_disabled(endpoint_id=endpoint_id)


@shared_task(name="crm.tasks.apply_retention")
def apply_retention() -> dict[str, int]:
    """Apply the retention policy (daily; ``manage.py apply_retention`` does the same)."""
    return services.retention_apply(services.retention_plan())
