"""Thin Celery wrappers: take ids, fetch fresh rows, call a service."""

from smtplib import SMTPException

from celery import shared_task

from . import services

# --- Intake ----------------------------------------------------------------------


@shared_task(name="qualification.tasks.sweep_pending_submissions", ignore_result=True)
def sweep_pending_submissions() -> int:
    """Celery beat's periodic sweep: send again what is still pending (never raises)."""
    return services.submission_sweep_pending()


@shared_task(name="qualification.tasks.purge_submissions", ignore_result=True)
def purge_submissions() -> dict:
    """Daily: delete old spam, forget expired idempotency keys."""
    return services.submissions_purge()


# --- Classification ----------------------------------------------------------------


@shared_task(
    name="qualification.tasks.classify_submission",
    acks_late=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    # Celery's own retries stop here; the submission's attempt count (capped by
    # QUALIFICATION_MAX_ATTEMPTS) is what marks it failed, redeliveries included.
    max_retries=10,
)
def classify_submission(submission_id: int) -> None:
    """Classify one submission (idempotent; see ``services.submission_classify``)."""
    services.submission_classify(submission_id=submission_id)


# --- The prospect's e-mails --------------------------------------------------------

_MAIL_RETRIES = {
    "autoretry_for": (SMTPException, ConnectionError),
    "retry_backoff": 30,
    "max_retries": 5,
    "ignore_result": True,
}


@shared_task(name="qualification.tasks.send_prospect_confirmation", **_MAIL_RETRIES)
def send_prospect_confirmation(submission_id: int) -> bool:
    """The confirmation e-mail of a classified submission (once per submission)."""
    return services.submission_send_confirmation(submission_id=submission_id)


@shared_task(name="qualification.tasks.send_private_link", **_MAIL_RETRIES)
def send_private_link(email: str, language: str) -> bool:
    """A new private-page link, to an address a contact has (else nothing)."""
    return services.private_link_send(email=email, language=language)


@shared_task(name="qualification.tasks.send_privacy_answer", **_MAIL_RETRIES)
def send_privacy_answer(request_id: int) -> bool:
    """The staff's answer to a person's privacy request (once per request)."""
    return services.privacy_answer_send(request_id=request_id)
