"""Thin Celery wrappers: take ids, fetch fresh rows, call a service."""

# --- Intake ----------------------------------------------------------------------

from celery import shared_task

from . import services


@shared_task(name="qualification.tasks.sweep_pending_submissions", ignore_result=True)
def sweep_pending_submissions() -> int:
    """Celery beat's periodic sweep: send again what is still pending (never raises)."""
    return services.submission_sweep_pending()


# --- Classification ----------------------------------------------------------------
