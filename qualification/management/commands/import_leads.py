"""Import leads from a CSV file: ``python manage.py import_leads FILE.csv [--dry-run]
[--source NAME]``, with a progress bar and a summary (see qualification.services.imports)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from qualification.app_settings import app_settings
from qualification.importing.reading import ImportFileError
from qualification.importing.report import ERROR, report_rows, safe_csv_lines
from qualification.services import import_job_create, import_job_run


class Command(BaseCommand):
    help = (
        "Import leads from a CSV file (French or English headers, ',' or ';', UTF-8 or "
        "Windows-1252). New people are created and, with complete answers, classified; "
        "known ones only get their empty details filled. Bad rows are reported by line."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report every row, write nothing"
        )
        parser.add_argument("--source", default="", help="where the list comes from (UTM source)")
        parser.add_argument("--report", help="write the report of every row to this CSV file")
        parser.add_argument(
            "--language", default="en", choices=["fr", "en"], help="language of the report"
        )
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, file, dry_run, source, report, language, no_progress, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > app_settings.IMPORT_MAX_BYTES:
            raise CommandError(
                f"{file} is larger than QUALIFICATION_IMPORT_MAX_BYTES "
                f"({app_settings.IMPORT_MAX_BYTES} bytes): split it."
            )
        try:
            job = import_job_create(
                content=path.read_bytes(),
                file_name=path.name,
                dry_run=dry_run,
                source=source,
                language=language,
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        started = time.monotonic()
        bar = tqdm(
            total=None, unit="row", disable=no_progress, file=self.stderr, dynamic_ncols=True
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        with translation.override(language):
            job = import_job_run(job_id=job.pk, on_progress=progress)
        bar.close()
        elapsed = time.monotonic() - started
        if job.status == job.Status.FAILED:
            raise CommandError(f"Import #{job.pk} failed: {job.error}")
        self.stdout.write(
            f"Import #{job.pk} of {job.file_name}{' (dry run: nothing written)' if dry_run else ''}"
            f": {job.total_rows} rows in {elapsed:.1f} s ({job.encoding}, "
            f"delimiter {job.delimiter!r})\n"
            f"  new: {job.new_count}, updated: {job.updated_count}, "
            f"skipped: {job.skipped_count}, errors: {job.error_count}, "
            f"classified: {job.classified_count}"
        )
        for row in list(report_rows(job.report, outcome=ERROR))[:20]:
            self.stdout.write(f"  line {row['line']}: {row['reason']}")
        if job.error_count > 20:
            self.stdout.write(f"  ... and {job.error_count - 20} more (see --report)")
        if report:
            Path(report).write_text("".join(safe_csv_lines(job.report)), encoding="utf-8")
            self.stdout.write(f"Report of every row: {report}")
