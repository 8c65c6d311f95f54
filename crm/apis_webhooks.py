"""The staff API's webhooks: register receivers, rotate their secret, read the delivery log,
replay a delivery. Views validate, call one service, serialize.

Permissions are the admin's: ``view``/``add``/``delete_webhookendpoint`` to list, register
and remove; ``change_webhookendpoint`` to rotate a secret or replay; ``view_webhookdelivery``
to read the log.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAdminUser
from rest_framework.response import Response

from . import services
from .apis import StaffApi
from .models_webhooks import WebhookDelivery, WebhookEndpoint
from .pagination import StaffPagination
from .serializers_webhooks import (
    WebhookDeliverySerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWithSecretSerializer,
    WebhookMessageSerializer,
)

TAGS = ["staff: webhooks"]
INVALID = OpenApiResponse(description=_("Invalid fields, with a message per field."))


class CanChangeWebhooks(BasePermission):
    message = _("You may not change webhook endpoints.")

    def has_permission(self, request, view):
        return request.user.has_perm("crm.change_webhookendpoint")


class DeliveryPagination(StaffPagination):
    example_path = "/api/v1/webhooks/7/deliveries/"


class WebhookApi(StaffApi):
    queryset = WebhookEndpoint.objects.none()
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return WebhookEndpoint.objects.select_related("created_by")


class WebhookListApi(WebhookApi, generics.ListAPIView):
    serializer_class = WebhookEndpointSerializer
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(summary=_("List webhook endpoints (without their secrets)"), tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary=_("Register a webhook endpoint"),
        description=_(
            "Events are posted to `url` as Standard Webhooks 1.0 messages, signed with "
            "the endpoint's secret, which this answer shows once."
        ),
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointWithSecretSerializer, 400: INVALID},
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        given = WebhookEndpointCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = services.webhook_endpoint_create(**given.validated_data, by=request.user)
        except ValueError as error:
            raise serializers.ValidationError(error.args[0]) from error
        body = WebhookEndpointWithSecretSerializer(endpoint).data
        return Response(body, status=status.HTTP_201_CREATED)


class WebhookDetailApi(WebhookApi, generics.RetrieveDestroyAPIView):
    serializer_class = WebhookEndpointSerializer

    @extend_schema(summary=_("Read a webhook endpoint (without its secret)"), tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary=_("Remove a webhook endpoint, with its delivery log"),
        responses={204: None},
        tags=TAGS,
    )
    def delete(self, request, *args, **kwargs):
        services.webhook_endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretApi(WebhookApi, generics.GenericAPIView):
    serializer_class = WebhookEndpointWithSecretSerializer
    permission_classes = [IsAdminUser, CanChangeWebhooks]
    http_method_names = ["post", "options"]

    @extend_schema(
        summary=_("Rotate a webhook endpoint's secret"),
        description=_(
            "Issues a new secret, shown once in the answer. Messages are signed with the "
            "previous secret as well for CRM_WEBHOOK_PREVIOUS_SECRET_HOURS (24 by "
            "default), so the receiver can switch over."
        ),
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer},
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        endpoint = services.webhook_endpoint_rotate_secret(endpoint=self.get_object())
        return Response(WebhookEndpointWithSecretSerializer(endpoint).data)


class WebhookDeliveriesApi(StaffApi, generics.ListAPIView):
    """An endpoint's delivery log, newest first: one line per attempt."""

    queryset = WebhookDelivery.objects.none()
    serializer_class = WebhookDeliverySerializer
    pagination_class = DeliveryPagination
    filter_backends = []

    def get_queryset(self):
        return (
            WebhookDelivery.objects.filter(endpoint_id=self.kwargs["pk"])
            .select_related("message")
            .order_by("-created_at", "-id")
        )

    @extend_schema(summary=_("List a webhook endpoint's deliveries"), tags=TAGS)
    def get(self, request, *args, **kwargs):
        get_object_or_404(WebhookEndpoint.objects.all(), pk=self.kwargs["pk"])
        return super().get(request, *args, **kwargs)


class WebhookReplayApi(StaffApi, generics.GenericAPIView):
    queryset = WebhookDelivery.objects.none()
    serializer_class = WebhookMessageSerializer
    permission_classes = [IsAdminUser, CanChangeWebhooks]
    http_method_names = ["post", "options"]

    @extend_schema(
        summary=_("Replay a delivery"),
        description=_(
            "Sends the delivery's message again now, with the same webhook-id and body "
            "(signed afresh) and a new retry schedule. The answer says where it stands."
        ),
        request=None,
        responses={
            202: WebhookMessageSerializer,
            400: OpenApiResponse(description=_("The endpoint is disabled or the lead erased.")),
        },
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        delivery = get_object_or_404(
            WebhookDelivery.objects.all(),
            pk=self.kwargs["delivery_id"],
            endpoint_id=self.kwargs["pk"],
        )
        try:
            message = services.webhook_delivery_replay(delivery=delivery)
        except ValueError as error:
            raise serializers.ValidationError({"non_field_errors": [str(error)]}) from error
        return Response(WebhookMessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)
