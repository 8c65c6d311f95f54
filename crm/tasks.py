"""Thin Celery wrappers around the crm's services (reminders and notifications)."""

from smtplib import SMTPException

from celery import shared_task

from . import services


@shared_task(
    name="crm.tasks.send_follow_up_digests",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=3,
)
def send_follow_up_digests() -> int:
    """Each owner's daily e-mail of due and overdue follow-ups (once a day each)."""
    return services.follow_up_digests_send()


@shared_task(
    name="crm.tasks.notify_new_lead",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=30,
    max_retries=5,
)
def notify_new_lead(lead_id: int) -> bool:
    """Tell the practice about a promising new lead; a second run sends nothing."""
    return services.lead_notify_practice(lead_id=lead_id)


@shared_task(
    name="crm.tasks.notify_returning_prospect",
    autoretry_for=(SMTPException, ConnectionError),
    retry_backoff=30,
    max_retries=5,
)
def notify_returning_prospect(lead_id: int, changes: int = 0) -> bool:
    """Tell the lead's owner that the prospect posted again (and what they proposed)."""
    return services.lead_notify_return(lead_id=lead_id, changes=changes)
