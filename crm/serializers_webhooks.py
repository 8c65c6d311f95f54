"""The staff API's webhook shapes. The secret appears in one shape only, the answer to
a creation or a rotation; lists and reads never carry it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from . import services
from .models_webhooks import (
    DELIVERY_LOG_FIELDS,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
    WebhookMessage,
)
from .text import has_control_characters


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        help_text=_("The events sent to this endpoint."),
    )
    created_by = serializers.SerializerMethodField(help_text=_("Username, or null."))

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_reason",
            "failing_since",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_created_by(self, endpoint: WebhookEndpoint) -> str | None:
        return endpoint.created_by.get_username() if endpoint.created_by_id else None


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_("The signing secret (whsec_…), shown this once: keep it to verify signatures."),
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, each with an error of its own."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: [_("Unknown field.")] for key in unknown})
        return super().to_internal_value(data)


class WebhookEndpointCreateSerializer(StrictSerializer):
    url = serializers.URLField(
        max_length=500,
        help_text=_(
            "Where events are posted: https, on a public address (loopback, private and "
            "link-local addresses are refused unless the site allows private networks)."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        allow_empty=False,
        max_length=len(WebhookEventType.values),
        help_text=_('The events to send, e.g. ["lead.created", "lead.classified"].'),
    )
    description = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default=""
    )

    def validate_url(self, value: str) -> str:
        problem = services.webhook_endpoint_problems(url=value).get("url")
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_description(self, value: str) -> str:
        if has_control_characters(value, allowed=frozenset()):
            raise serializers.ValidationError(_("Remove the control characters."))
        return value.strip()


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(
        source="message.msg_id", read_only=True, help_text=_("The webhook-id header sent.")
    )
    event_type = serializers.ChoiceField(
        source="message.event_type", choices=WebhookEventType.choices, read_only=True
    )
    response_excerpt = serializers.CharField(
        read_only=True, help_text=_("The start of the receiver's answer, as text.")
    )

    class Meta:
        model = WebhookDelivery
        fields = ["id", *DELIVERY_LOG_FIELDS]
        read_only_fields = fields


class WebhookMessageSerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="msg_id", read_only=True)

    class Meta:
        model = WebhookMessage
        fields = ["webhook_id", "event_type", "status", "attempts", "next_attempt_at"]
        read_only_fields = fields
