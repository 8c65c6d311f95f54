"""The staff API's CSV imports: ``POST /api/v1/imports/`` (multipart ``file``, ``dry_run``,
``source``) answers ``202`` with the job; ``GET /api/v1/imports/<id>/`` gives its progress,
counts and first errors. Permissions are the admin's: ``qualification.add_importjob`` to
import, ``view_importjob`` to read a job (the Sales role has both)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response

from crm.authentication import ExpiringTokenAuthentication
from crm.permissions import ModelPermissions
from crm.text import without_control_characters

from . import services
from .app_settings import app_settings
from .importing.reading import ImportFileError
from .importing.report import ERROR, report_rows
from .models import ImportJob

TAGS = ["staff: imports"]
#: The first errors a job's answer lists; the admin's report has them all.
ERRORS_SHOWN = 100


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (UTF-8 or Windows-1252, ',' or ';').")
    dry_run = serializers.BooleanField(
        default=False, help_text="Check and report every row, write nothing."
    )
    source = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the list comes from: the new leads' UTM source when a row has none.",
    )

    def validate_source(self, value: str) -> str:
        return without_control_characters(value, allowed=frozenset()).strip()


class ImportCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField(source="new_count")
    updated = serializers.IntegerField(source="updated_count")
    skipped = serializers.IntegerField(source="skipped_count")
    errors = serializers.IntegerField(source="error_count")
    classified = serializers.IntegerField(source="classified_count")


class ImportColumnSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="The header as in the file.")
    field = serializers.CharField(
        help_text="What it is read as (`email`, `answer:<key>`, ...); empty: left out."
    )


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of the file the row starts on.")
    reason = serializers.CharField()


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    dry_run = serializers.BooleanField()
    source = serializers.CharField()
    file_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    total_rows = serializers.IntegerField(allow_null=True, help_text="Known once the run starts.")
    processed_rows = serializers.IntegerField()
    progress = serializers.IntegerField(source="percent", help_text="0 to 100.")
    counts = ImportCountsSerializer(source="*")
    columns = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    failure = serializers.CharField(source="error", help_text="Why the job failed, if it did.")

    def get_columns(self, job: ImportJob) -> list[dict[str, str]]:
        return ImportColumnSerializer(
            [{"column": c, "field": f} for c, f in zip(job.headers, job.mapping, strict=False)],
            many=True,
        ).data

    def get_errors(self, job: ImportJob) -> list[dict]:
        rows = []
        for row in report_rows(job.report, outcome=ERROR):
            rows.append({"line": int(row["line"]), "reason": row["reason"]})
            if len(rows) >= ERRORS_SHOWN:
                break
        return ImportErrorSerializer(rows, many=True).data


class ImportApi(generics.GenericAPIView):
    authentication_classes = [ExpiringTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAdminUser, ModelPermissions]
    queryset = ImportJob.objects.none()
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return ImportJob.objects.defer("content")


class ImportCreateApi(ImportApi):
    serializer_class = ImportCreateSerializer
    parser_classes = [MultiPartParser]
    http_method_names = ["post", "options"]

    @extend_schema(
        summary=_("Import leads from a CSV file"),
        description=_(
            "Stores the file and answers `202` with the job; the worker runs it. Columns "
            "are recognized by their French or English headers; rows are matched on the "
            "normalized e-mail. Follow the job at `GET /api/v1/imports/{id}/`."
        ),
        request={"multipart/form-data": ImportCreateSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description=_("Invalid fields, with a message per field.")),
            413: OpenApiResponse(description=_("The file is too large.")),
        },
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > app_settings.IMPORT_MAX_BYTES + 64 * 1024:
            return Response(
                {"detail": _("The file is larger than %(max)d bytes.")
                 % {"max": app_settings.IMPORT_MAX_BYTES}},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )  # fmt: skip
        given = ImportCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        if upload.size > app_settings.IMPORT_MAX_BYTES:
            return Response(
                {"detail": _("The file is larger than %(max)d bytes.")
                 % {"max": app_settings.IMPORT_MAX_BYTES}},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )  # fmt: skip
        try:
            job = services.import_job_create(
                content=upload.read(),
                file_name=without_control_characters(upload.name or "", allowed=frozenset()),
                by=request.user,
                dry_run=given.validated_data["dry_run"],
                source=given.validated_data["source"],
            )
        except ImportFileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        services.import_job_send(job_id=job.pk)
        location = reverse("qualification:api-import-detail", kwargs={"pk": job.pk})
        return Response(
            ImportJobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class ImportDetailApi(ImportApi, generics.RetrieveAPIView):
    serializer_class = ImportJobSerializer
    http_method_names = ["get", "head", "options"]

    @extend_schema(summary=_("Read an import job: progress, counts, first errors"), tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
