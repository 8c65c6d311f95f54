"""CSV imports of leads: a job created from an uploaded file, run in batches.

The admin, the API and the ``import_leads`` command all create a job
(:func:`import_job_create`) and run it with :func:`import_job_run`: the admin and the
API through the worker (:func:`import_job_send`, task ``qualification.tasks_imports.
run_import``), the command in its own process with a progress bar. A dry run plans every
row and writes nothing but the job's report; the admin's preview is a dry run, and
confirming it makes a new job with the same file and mapping.

Each batch of ``QUALIFICATION_IMPORT_BATCH_SIZE`` rows is one transaction, so a row is
never half imported: if a run stops (a worker killed, a database error), the batches
written stay, and importing the file again skips their rows (their e-mails are known)
and adds the rest. Importing the same file twice creates nothing the second time.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import publish
from ..app_settings import app_settings
from ..importing import mapping as mappings
from ..importing.reading import ImportFileError, count_rows, data_records, open_csv
from ..importing.report import ReportWriter
from ..importing.rows import RowReader
from ..models import ImportJob
from ..selectors import questionnaire_current, ruleset_current_for_scoring
from .import_batches import plan_batch, write_batch

logger = logging.getLogger(__name__)

#: The task that runs a job, sent by name (services never import tasks).
IMPORT_TASK = "qualification.tasks_imports.run_import"


def import_job_create(
    *,
    content: bytes,
    file_name: str,
    by=None,
    dry_run: bool = False,
    source: str = "",
    mapping: list[str] | None = None,
    language: str | None = None,
    preview_of: ImportJob | None = None,
) -> ImportJob:
    """Store a job for this file, ``pending``: its header read, its mapping guessed (or
    the one given, checked). Raises ImportFileError (a message for staff) when the file
    is too large, has no header or cannot be mapped (no e-mail column)."""
    language = (language or translation.get_language() or "fr")[:2]
    if language not in ("fr", "en"):
        language = "fr"
    with translation.override(language):
        if len(content) > app_settings.IMPORT_MAX_BYTES:
            raise ImportFileError(
                _("The file is larger than %(max)d bytes: split it into smaller files.")
                % {"max": app_settings.IMPORT_MAX_BYTES}
            )
        csv_text = open_csv(content)
        questionnaire = _questionnaire()
        mapping = (
            list(mapping)
            if mapping is not None
            else mappings.guess(csv_text.headers, questionnaire)
        )
        problems = mappings.problems(mapping, csv_text.headers, questionnaire)
        if problems:
            raise ImportFileError(" ".join(problems))
    return ImportJob.objects.create(
        file_name=(file_name or "import.csv")[:255],
        content=content,
        file_sha256=hashlib.sha256(content).hexdigest(),
        encoding=csv_text.encoding,
        delimiter=csv_text.delimiter,
        headers=csv_text.headers,
        mapping=mapping,
        dry_run=dry_run,
        source=source[:200],
        language=language,
        created_by=by,
        preview_of=preview_of,
    )


def import_job_confirm(*, preview: ImportJob, by=None) -> ImportJob:
    """The import a finished dry run previewed: a new job, same file, mapping and source."""
    return import_job_create(
        content=bytes(preview.content),
        file_name=preview.file_name,
        by=by,
        dry_run=False,
        source=preview.source,
        mapping=preview.mapping,
        language=preview.language,
        preview_of=preview,
    )


def import_job_remap(*, job: ImportJob, mapping: list[str]) -> list[str]:
    """Another mapping for a finished dry run, which runs again (the caller sends it).
    Returns the problems (the job is unchanged then)."""
    with translation.override(job.language):
        problems = mappings.problems(mapping, job.headers, _questionnaire())
    if problems or not job.dry_run or not job.is_finished:
        return problems or [_("Only a finished preview can be run again.")]
    ImportJob.objects.filter(pk=job.pk).update(
        mapping=mapping, status=ImportJob.Status.PENDING, report="", error="",
        processed_rows=0, updated_at=timezone.now(),
    )  # fmt: skip
    return []


def import_job_send(*, job_id: int) -> None:
    """Send the job to the worker once the current transaction commits. If the broker
    is down the job stays pending (the admin and the API show it so)."""

    def send():
        try:
            publish.send_task(current_app, IMPORT_TASK, args=[job_id])
        except Exception:
            logger.warning("Could not send import job %s to the worker", job_id, exc_info=True)

    transaction.on_commit(send, robust=True)


def import_job_run(
    *, job_id: int, on_progress: Callable[[int, int], None] | None = None
) -> ImportJob | None:
    """Run the job (see the module's docstring). ``on_progress(rows done, total)`` is
    called after each batch. A finished job is left as it is; one found running (its
    worker died) runs again from the start. Never raises for a bad file or row: the job
    ends ``failed`` with the reason, or ``done`` with its counts and report."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.RUNNING, started_at=now, finished_at=None, updated_at=now,
        processed_rows=0, new_count=0, updated_count=0, skipped_count=0, error_count=0,
        classified_count=0, error="",
    )  # fmt: skip
    with translation.override(job.language):
        try:
            _run(job, on_progress)
        except ImportFileError as error:
            _finish(job.pk, ImportJob.Status.FAILED, error=str(error))
        except Exception as error:
            logger.exception("Import job %s stopped", job_id)
            _finish(
                job.pk,
                ImportJob.Status.FAILED,
                error=_(
                    "The import stopped on an unexpected error (%(error)s). The batches "
                    "written before it are imported: importing the file again adds the rest."
                )
                % {"error": type(error).__name__},
            )
    return ImportJob.objects.get(pk=job_id)


def _questionnaire():
    questionnaire = questionnaire_current()
    if questionnaire is None:
        raise ImportFileError(_("No questionnaire is published: publish one first."))
    return questionnaire


def _batches(records: Iterable, size: int) -> Iterator[list]:
    records = iter(records)
    while batch := list(islice(records, size)):
        yield batch


def _run(job: ImportJob, on_progress) -> None:
    csv_text = open_csv(bytes(job.content))
    total = count_rows(csv_text)
    if total > app_settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("The file has %(rows)d rows, more than %(max)d: split it into smaller files.")
            % {"rows": total, "max": app_settings.IMPORT_MAX_ROWS}
        )
    ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
    questionnaire = _questionnaire()
    target = ruleset_current_for_scoring()
    reader = RowReader(
        mapping=job.mapping,
        headers=job.headers,
        questionnaire=questionnaire,
        max_cell_chars=app_settings.IMPORT_MAX_CELL_CHARS,
        consent_source=f"import #{job.pk}: {job.source or job.file_name}"[:300],
    )
    write = partial(
        write_batch,
        questionnaire=questionnaire,
        scoring_target=target,
        source_name=job.source,
        consent_source=reader.consent_source,
        job_id=job.pk,
    )
    report, counts, seen, done = ReportWriter(), Counter(), {}, 0
    for batch in _batches(data_records(csv_text), app_settings.IMPORT_BATCH_SIZE):
        planned = plan_batch(batch, reader, seen, can_classify=target is not None)
        if not job.dry_run:
            try:
                counts["classified"] += write(planned)
            except IntegrityError:
                # A post created one of these people meanwhile: plan the batch again.
                planned = plan_batch(batch, reader, seen, can_classify=target is not None)
                counts["classified"] += write(planned)
        elif target is not None:
            counts["classified"] += sum(item.classify for item in planned)
        for item in planned:
            report.add(item.line, item.outcome, item.email, item.reasons)
            counts[item.outcome] += 1
            if item.row is not None and item.outcome != "error":
                seen.setdefault(item.row.email, item.line)
        done += len(batch)
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=done, updated_at=timezone.now(), **_count_fields(counts)
        )
        if on_progress is not None:
            on_progress(done, total)
    _finish(job.pk, ImportJob.Status.DONE, report=report.text(), **_count_fields(counts))


def _count_fields(counts: Counter) -> dict[str, int]:
    return {
        "new_count": counts["new"],
        "updated_count": counts["update"],
        "skipped_count": counts["skip"],
        "error_count": counts["error"],
        "classified_count": counts["classified"],
    }


def _finish(job_id: int, status: str, **fields) -> None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(
        status=status, finished_at=now, updated_at=now, **fields
    )
