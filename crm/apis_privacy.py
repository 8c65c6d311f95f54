"""The staff API's privacy requests: file one, list them, carry one out, read its export.

Permissions: ``view``/``add_privacyrequest`` to list and file; ``change_privacyrequest``
to carry one out, plus ``crm.export_personal_data`` for access and portability (and to
read an export) and ``crm.erase_personal_data`` for an erasure (the Privacy officer role
and the superuser; not Sales nor Reviewer).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission, IsAdminUser
from rest_framework.response import Response

from . import personal_data, services
from .apis import StaffApi
from .choices import OPEN_PRIVACY_STATUSES
from .models import PrivacyExport, PrivacyRequest
from .pagination import StaffPagination
from .serializers_privacy import (
    API_KINDS,
    PrivacyRequestCreateSerializer,
    PrivacyRequestFulfilSerializer,
    PrivacyRequestSerializer,
)

TAGS = ["staff: privacy"]
INVALID = OpenApiResponse(description=_("Invalid fields, with a message per field."))
FORBIDDEN = OpenApiResponse(description=_("Not allowed for this user."))


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class CanHandlePrivacyRequests(BasePermission):
    message = _("You may not handle privacy requests.")

    def has_permission(self, request, view):
        return request.user.has_perm("crm.change_privacyrequest")


class CanExport(BasePermission):
    message = _("You may not export a person's data.")

    def has_permission(self, request, view):
        return request.user.has_perm(services.EXPORT_PERMISSION)


class RequestPagination(StaffPagination):
    example_path = "/api/v1/privacy-requests/"


def _flag(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise serializers.ValidationError({"overdue": [gettext("Use true or false.")]})


class PrivacyRequestListApi(StaffApi, generics.ListAPIView):
    queryset = PrivacyRequest.objects.none()
    serializer_class = PrivacyRequestSerializer
    pagination_class = RequestPagination
    filter_backends = []
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        rows = PrivacyRequest.objects.select_related("handled_by").order_by("due_at", "pk")
        params = self.request.query_params
        errors = {}
        if params.get("status"):
            if params["status"] not in PrivacyRequest.Status.values:
                errors["status"] = [gettext("Unknown status.")]
            rows = rows.filter(status=params["status"])
        if params.get("kind"):
            if params["kind"] not in API_KINDS:
                errors["kind"] = [gettext("Unknown kind.")]
            else:
                rows = rows.filter(kind=API_KINDS[params["kind"]])
        if errors:
            raise serializers.ValidationError(errors)
        overdue = _flag(params.get("overdue"))
        late = {"status__in": OPEN_PRIVACY_STATUSES, "due_at__lt": timezone.now()}
        if overdue is True:
            rows = rows.filter(**late)
        elif overdue is False:
            rows = rows.exclude(**late)
        return rows

    @extend_schema(
        summary=_("List privacy requests"),
        parameters=[
            OpenApiParameter("status", str, enum=PrivacyRequest.Status.values),
            OpenApiParameter("kind", str, enum=list(API_KINDS)),
            OpenApiParameter("overdue", bool),
        ],
        responses={200: PrivacyRequestSerializer, 400: INVALID},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary=_("File a privacy request"),
        description=_(
            "A request a person made by e-mail, phone or letter. Due in 30 days (Law 25), "
            "a withdrawal in 10 business days (CASL), which is recorded at once. An "
            "address nobody has gives a request already `done`, `found: false`."
        ),
        request=PrivacyRequestCreateSerializer,
        responses={201: PrivacyRequestSerializer, 400: INVALID, 403: FORBIDDEN},
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        given = PrivacyRequestCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        filed = services.privacy_request_file(
            kind=API_KINDS[data["kind"]],
            email=data["email"],
            note=data["note"],
            by=request.user,
            channel="api",
        )
        return Response(PrivacyRequestSerializer(filed).data, status=status.HTTP_201_CREATED)


class PrivacyRequestFulfilApi(StaffApi, generics.GenericAPIView):
    queryset = PrivacyRequest.objects.none()
    serializer_class = PrivacyRequestSerializer
    permission_classes = [IsAdminUser, CanHandlePrivacyRequests]
    http_method_names = ["post", "options"]

    @extend_schema(
        summary=_("Carry out a privacy request"),
        description=_(
            "Access or portability: the person's data is exported (then at `export/`; "
            "needs `crm.export_personal_data`). Erasure: the person is anonymised "
            "(needs `crm.erase_personal_data`; `409` when their leads have follow-ups "
            "planned unless `confirm` is true, and when they were erased already). "
            "Withdrawal: the marketing consent is withdrawn. Review and rectification "
            "need `resolution`. Answers the request, now `done`."
        ),
        request=PrivacyRequestFulfilSerializer,
        responses={
            200: PrivacyRequestSerializer,
            400: INVALID,
            403: FORBIDDEN,
            409: OpenApiResponse(
                description=_("Already handled, already erased, or follow-ups to confirm.")
            ),
        },
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        privacy_request = get_object_or_404(PrivacyRequest.objects.all(), pk=kwargs["pk"])
        given = PrivacyRequestFulfilSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            done = services.privacy_request_fulfil(
                privacy_request=privacy_request,
                by=request.user,
                confirm=data["confirm"],
                resolution=data["resolution"],
                reason=data["reason"],
            )
        except services.RequestClosed as error:
            raise Conflict(gettext("This request is handled already.")) from error
        except services.AlreadyErased as error:
            raise Conflict(
                gettext("This person was erased already: nothing is left to erase.")
            ) from error
        except services.OpenFollowUps as error:
            raise Conflict(
                gettext(
                    "This person's leads have follow-ups planned. Send confirm: true to "
                    "erase them all the same."
                )
            ) from error
        except ValueError as error:
            raise serializers.ValidationError({"resolution": [str(error)]}) from error
        return Response(PrivacyRequestSerializer(done).data)


class PrivacyRequestExportApi(StaffApi, generics.GenericAPIView):
    queryset = PrivacyRequest.objects.none()
    permission_classes = [IsAdminUser, CanExport]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary=_("Read the export of an access or portability request"),
        description=_(
            "The person's data as JSON: `provided` (what they gave), `inferred` (what "
            "was computed from it) and `recorded` (what staff wrote). `?as=csv` gives "
            "it as CSV, one value a row. Kept CRM_RETENTION_EXPORT_DAYS after it was made."
        ),
        parameters=[OpenApiParameter("as", str, enum=["json", "csv"])],
        responses={
            200: OpenApiTypes.OBJECT,
            403: FORBIDDEN,
            404: OpenApiResponse(description=_("No export, or it was removed.")),
        },
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        get_object_or_404(PrivacyRequest.objects.all(), pk=kwargs["pk"])
        export = (
            PrivacyExport.objects.filter(request_id=kwargs["pk"], content__isnull=False)
            .order_by("-created_at", "-pk")
            .first()
        )
        if export is None:
            return Response(
                {"detail": gettext("There is no export for this request (or it was removed).")},
                status=status.HTTP_404_NOT_FOUND,
            )
        if request.query_params.get("as") == "csv":
            response = HttpResponse(
                "\ufeff" + personal_data.as_csv(export.content),
                content_type="text/csv; charset=utf-8",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="person-data-{kwargs["pk"]}.csv"'
            )
            return response
        return Response(export.content)
