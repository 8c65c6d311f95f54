"""The staff API's privacy request shapes (``api/v1/privacy-requests/``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import PrivacyExport, PrivacyRequest

#: The API's names of the kinds (``withdrawal``) and the register's (``consent_withdrawal``).
API_KINDS = {
    "access": PrivacyRequest.Kind.ACCESS,
    "rectification": PrivacyRequest.Kind.RECTIFICATION,
    "portability": PrivacyRequest.Kind.PORTABILITY,
    "erasure": PrivacyRequest.Kind.ERASURE,
    "review": PrivacyRequest.Kind.REVIEW,
    "withdrawal": PrivacyRequest.Kind.CONSENT_WITHDRAWAL,
}
KIND_NAMES = {kind.value: name for name, kind in API_KINDS.items()}


class PrivacyRequestSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text=_("What the person asked."))
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    found = serializers.SerializerMethodField(
        help_text=_("Whether anything is kept about the address (false: nothing found).")
    )
    handled_by = serializers.SerializerMethodField(help_text=_("Username, or null."))
    export = serializers.SerializerMethodField(
        help_text=_("Where the export is, for an access or portability request carried out.")
    )

    class Meta:
        model = PrivacyRequest
        fields = [
            "id",
            "kind",
            "status",
            "received_at",
            "due_at",
            "overdue",
            "found",
            "contact",
            "lead",
            "handled_by",
            "handled_at",
            "resolution",
            "export",
        ]
        read_only_fields = fields

    def get_kind(self, obj: PrivacyRequest) -> str:
        return KIND_NAMES.get(obj.kind, obj.kind)

    def get_found(self, obj: PrivacyRequest) -> bool:
        return obj.contact_id is not None

    def get_handled_by(self, obj: PrivacyRequest) -> str | None:
        return obj.handled_by.get_username() if obj.handled_by_id else None

    def get_export(self, obj: PrivacyRequest) -> str | None:
        if not PrivacyExport.objects.filter(request_id=obj.pk).exists():
            return None
        return reverse("crm:privacy-request-export", args=[obj.pk])


class PrivacyRequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(API_KINDS))
    email = serializers.EmailField(max_length=254, help_text=_("The person's e-mail address."))
    note = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("How the request came in, what the person said."),
    )


class PrivacyRequestFulfilSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False,
        help_text=_("For an erasure: go ahead even though the person's leads have follow-ups."),
    )
    resolution = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("How it was handled (needed for a review or a rectification)."),
    )
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why the export is made (logged with it); the request by default."),
    )
