"""Thin Celery wrappers: take ids, fetch fresh rows, call a service."""

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
