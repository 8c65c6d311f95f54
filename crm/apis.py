"""The staff API: leads and their activities. Views validate, call one service, serialize."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .authentication import ExpiringTokenAuthentication, token_expires_at
from .filters import LeadFilter
from .models import Activity, Lead
from .pagination import StaffPagination
from .parsers import StrictJSONParser
from .permissions import CanViewLeads, ModelPermissions
from .serializers import (
    ActivitySerializer,
    ApiTokenSerializer,
    LeadSerializer,
    LeadUpdateSerializer,
)


class LeadPagination(StaffPagination):
    example_path = "/api/v1/leads/"


class StaffApi(generics.GenericAPIView):
    # Token first, so that a request without credentials gets 401 and a
    # ``WWW-Authenticate: Token`` header rather than a bare 403.
    authentication_classes = [ExpiringTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAdminUser, ModelPermissions]
    # JSON without duplicate keys or text that cannot be stored (an error message quoting
    # a lone surrogate would break the answer itself); forms as Django decodes them.
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]


@extend_schema_view(
    get=extend_schema(
        summary=_("List leads"),
        responses={
            200: LeadSerializer,
            400: OpenApiResponse(description=_("Invalid fields, with a message per field.")),
        },
        tags=["staff: leads"],
    ),
)
class LeadListApi(StaffApi, generics.ListAPIView):
    queryset = Lead.objects.none()  # replaced by get_queryset; names the model for permissions
    serializer_class = LeadSerializer
    pagination_class = LeadPagination
    # Named here: a host's REST_FRAMEWORK need not list django-filter's backend.
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeadFilter

    def get_queryset(self):
        return selectors.lead_list()


class LeadDetailApi(StaffApi, generics.RetrieveAPIView):
    queryset = Lead.objects.none()
    serializer_class = LeadSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.lead_list()

    @extend_schema(summary=_("Read a lead"), tags=["staff: leads"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary=_("Change a lead's stage, owner, follow-up or override"),
        description=_(
            "Only the fields given change, each through the same service as the admin "
            "(so the history records who and when). `override` sets a recommendation "
            'beside the computed one, with a reason; `override: {"recommendation": null, '
            '"reason": "…"}` removes it (a removal needs a reason too), and '
            "`override: null` is refused. Moving to `lost` needs `lost_reason`. "
            "Changing the override needs the `crm.override_recommendation` permission."
        ),
        request=LeadUpdateSerializer,
        responses={
            200: LeadSerializer,
            400: OpenApiResponse(description=_("Invalid fields, with a message per field.")),
            403: OpenApiResponse(description=_("Not allowed for this user.")),
        },
        tags=["staff: leads"],
    )
    def patch(self, request, *args, **kwargs):
        lead = self.get_object()
        update = LeadUpdateSerializer(data=request.data, context={"lead": lead, "request": request})
        update.is_valid(raise_exception=True)
        data = update.validated_data
        override = data.get("override")
        try:
            services.lead_update(
                lead=lead,
                by=request.user,
                stage=data.get("stage"),
                reason=data.get("lost_reason", ""),
                owner=data.get("owner", services.UNSET),
                next_follow_up_at=data.get("next_follow_up_at", services.UNSET),
                override_recommendation=(
                    None if override is None else (override["recommendation"] or "")
                ),
                override_reason=override["reason"] if override else "",
            )
        except ValueError as error:
            raise serializers.ValidationError({"non_field_errors": [str(error)]}) from error
        return Response(LeadSerializer(self.get_queryset().get(pk=lead.pk)).data)


@extend_schema_view(
    get=extend_schema(summary=_("List a lead's activities"), tags=["staff: activities"]),
    post=extend_schema(
        summary=_("Log an activity on a lead"),
        responses={201: ActivitySerializer},
        tags=["staff: activities"],
    ),
)
class LeadActivitiesApi(StaffApi, generics.ListCreateAPIView):
    """A lead's notes, calls, e-mails and meetings, newest first (not paginated: a lead
    has a handful)."""

    queryset = Activity.objects.none()
    serializer_class = ActivitySerializer
    permission_classes = [*StaffApi.permission_classes, CanViewLeads]
    pagination_class = None
    filterset_class = None
    filter_backends = []

    def get_lead(self) -> Lead:
        return get_object_or_404(Lead.objects.all(), pk=self.kwargs["pk"])

    def get_queryset(self):
        return (
            Activity.objects.filter(lead_id=self.kwargs["pk"])
            .select_related("owner")
            .order_by("-created_at", "-id")
        )

    def list(self, request, *args, **kwargs):
        self.get_lead()  # 404 for a lead that does not exist
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        lead = self.get_lead()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        activity = services.activity_create(
            lead=lead,
            kind=data.get("kind", Activity.Kind.NOTE),
            body=data.get("body", ""),
            due_at=data.get("due_at"),
            done_at=data.get("done_at"),
            owner=data["owner"] if "owner" in data else request.user,
        )
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)


class ApiTokenRotateApi(APIView):
    """The caller's own API token, replaced: the old key stops working at once."""

    authentication_classes = StaffApi.authentication_classes
    permission_classes = [IsAdminUser, CanViewLeads]
    http_method_names = ["post", "options"]

    @extend_schema(
        summary=_("Rotate my API token"),
        description=_(
            "Deletes the caller's token and issues a new one, shown once in the answer. "
            "Authenticate with the current token, or with the admin session (and its "
            "CSRF token); an expired token is refused, so rotate it with the admin "
            "session or from the admin's “My API token” page."
        ),
        request=None,
        responses={201: ApiTokenSerializer},
        tags=["staff: auth"],
    )
    def post(self, request, *args, **kwargs):
        token = services.api_token_rotate(user=request.user)
        body = ApiTokenSerializer({"token": token.key, "expires_at": token_expires_at(token)})
        return Response(body.data, status=status.HTTP_201_CREATED)
