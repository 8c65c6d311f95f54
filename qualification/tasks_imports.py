"""The worker's side of CSV imports: a thin wrapper (``qualification.apps`` imports it so
the worker knows the task; ``qualification.tasks`` is left to classification)."""

from celery import shared_task

from . import services


@shared_task(name="qualification.tasks_imports.run_import", acks_late=True, ignore_result=True)
def run_import(job_id: int) -> None:
    """Run one import job (a finished one is left as it is)."""
    services.import_job_run(job_id=job_id)
