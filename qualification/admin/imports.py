"""The admin's CSV import: upload a file, check the guessed column mapping and the preview
of every row (a dry run), confirm, follow the progress, download the report.

Pages: *Add lead import* is the upload; a job's page shows, by its state, the progress
(``qualification/live-region.js`` reads the page again until the run ends; without
JavaScript a link does), the preview with the mapping to change and the button to
confirm, or the result with the report. The writes go through
``qualification.services`` (``import_job_create``, ``import_job_remap``,
``import_job_confirm``) and the runs through the worker (``import_job_send``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.text import without_control_characters

from .. import services
from ..app_settings import app_settings
from ..importing import mapping as mappings
from ..importing.reading import ImportFileError
from ..importing.report import OUTCOMES, report_rows, safe_csv_lines
from ..models import ImportJob
from ..selectors import questionnaire_current

ROWS_PER_PAGE = 100


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Headers in French or English; ',' or ';' between columns; UTF-8 or Windows-1252. "
            "Nothing is imported before you confirm the preview."
        ),
    )
    source = forms.CharField(
        label=gettext_lazy("Where the list comes from"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("e.g. salon-2026: the UTM source of new leads whose row has none."),
    )

    def clean_source(self):
        return without_control_characters(self.cleaned_data["source"], allowed=frozenset()).strip()


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "status", "dry_run", "total_rows", "new_count", "updated_count",
        "skipped_count", "error_count", "classified_count", "created_by", "created_at",
    ]  # fmt: skip
    list_filter = ["status", "dry_run"]
    list_select_related = ["created_by"]

    class Media:
        css = {"all": ["qualification/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "report")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("qualification.delete_importjob")

    def get_urls(self):
        view, name = self.admin_site.admin_view, "qualification_importjob_"
        return [
            path("<int:pk>/report.csv", view(self.report_view), name=name + "report"),
            path("<int:pk>/remap/", view(self.remap_view), name=name + "remap"),
            path("<int:pk>/confirm/", view(self.confirm_view), name=name + "confirm"),
            *super().get_urls(),
        ]

    # --- pages --------------------------------------------------------------------------

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > app_settings.IMPORT_MAX_BYTES:
                form.add_error(
                    "file",
                    _("The file is larger than %(max)d bytes: split it into smaller files.")
                    % {"max": app_settings.IMPORT_MAX_BYTES},
                )
            else:
                try:
                    job = services.import_job_create(
                        content=upload.read(),
                        file_name=without_control_characters(upload.name, allowed=frozenset()),
                        by=request.user,
                        dry_run=True,
                        source=form.cleaned_data["source"],
                    )
                except ImportFileError as error:
                    form.add_error("file", str(error))
                else:
                    services.import_job_send(job_id=job.pk)
                    return HttpResponseRedirect(self._job_url(job))
        return TemplateResponse(
            request,
            "admin/qualification/importjob/upload.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Import leads from a CSV file"),
                "form": form,
                "media": self.media + form.media,
            },
        )

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob.objects.defer("content"), pk=object_id)
        outcome = request.GET.get("outcome")
        outcome = outcome if outcome in OUTCOMES else None
        page = None
        if job.status == ImportJob.Status.DONE:
            rows = list(report_rows(job.report, outcome=outcome))
            page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Preview of import #%(id)d") % {"id": job.pk}
            if job.dry_run
            else _("Import #%(id)d") % {"id": job.pk},
            "job": job,
            "page": page,
            "outcome": outcome,
            "outcomes": [(value, _outcome_label(value)) for value in OUTCOMES],
            "columns": self._columns(job),
            "can_import": self.has_add_permission(request),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/qualification/importjob/job.html", context)

    def report_view(self, request: HttpRequest, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
        outcome = request.GET.get("outcome")
        outcome = outcome if outcome in OUTCOMES else None
        response = StreamingHttpResponse(
            safe_csv_lines(job.report, outcome=outcome), content_type="text/csv; charset=utf-8"
        )
        name = f"import-{job.pk}-{outcome or 'report'}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def remap_view(self, request: HttpRequest, pk: int):
        job = self._job_for_writing(request, pk)
        mapping = [request.POST.get(f"column-{index}", "") for index in range(len(job.headers))]
        problems = services.import_job_remap(job=job, mapping=mapping)
        if problems:
            for problem in problems:
                messages.error(request, problem)
        else:
            services.import_job_send(job_id=job.pk)
        return HttpResponseRedirect(self._job_url(job))

    def confirm_view(self, request: HttpRequest, pk: int):
        preview = self._job_for_writing(request, pk)
        if not (preview.dry_run and preview.status == ImportJob.Status.DONE):
            messages.error(request, _("Only a finished preview can be confirmed."))
            return HttpResponseRedirect(self._job_url(preview))
        try:
            job = services.import_job_confirm(preview=preview, by=request.user)
        except ImportFileError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(self._job_url(preview))
        services.import_job_send(job_id=job.pk)
        return HttpResponseRedirect(self._job_url(job))

    # --- helpers --------------------------------------------------------------------------

    def _job_for_writing(self, request: HttpRequest, pk: int) -> ImportJob:
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        return get_object_or_404(ImportJob, pk=pk)

    def _job_url(self, job: ImportJob) -> str:
        return reverse("admin:qualification_importjob_change", args=[job.pk])

    def _columns(self, job: ImportJob) -> list[dict]:
        questionnaire = questionnaire_current()
        targets = mappings.targets(questionnaire) if questionnaire is not None else []
        return [
            {
                "index": index,
                "header": header or f"#{index + 1}",
                "target": target,
                "choices": targets,
            }
            for index, (header, target) in enumerate(zip(job.headers, job.mapping, strict=False))
        ]


def _outcome_label(value: str) -> str:
    return {
        "new": _("New"),
        "update": _("Update"),
        "skip": _("Skip"),
        "error": _("Error"),
    }[value]
