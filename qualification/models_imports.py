"""A CSV import of leads: the file as uploaded, the column mapping, progress and the report.

The file is kept in the database (``content``), not in a storage: the web process that
takes the upload and the worker that reads it may be different machines with no shared
disk. ``IMPORT_MAX_BYTES`` bounds it. The report is the outcome of every row (new,
update, skip or error, with the reason), as CSV text; it is downloaded through
``crm.csv_safety`` so no cell runs as a formula.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Through qualification.models (which imports this module last), the one module of the app
# that may import crm.models (pyproject.toml, import-linter).
from .models import TimeStampedModel, staff_link


class ImportJob(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file content"))
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    # What the reading found: the encoding, the delimiter, the header row as given.
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    # One target per column ("" for a column left out): see qualification.importing.mapping.
    mapping = models.JSONField(_("column mapping"), default=list, blank=True)
    dry_run = models.BooleanField(_("dry run (preview only)"), default=False)
    source = models.CharField(_("source name"), max_length=200, blank=True)
    # The staff member's language: the report's reasons are written in it.
    language = models.CharField(_("language"), max_length=2, default="fr")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows read"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    classified_count = models.PositiveIntegerField(_("classified"), default=0)
    report = models.TextField(_("report (CSV)"), blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    created_by = staff_link(_("by"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The dry run this import confirms (its file and mapping).
    preview_of = models.ForeignKey(
        "self",
        verbose_name=_("preview"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        """How far the run is, 0 to 100 (100 once finished)."""
        if self.is_finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)
