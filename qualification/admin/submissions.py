"""Submissions as received, with their classification status."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import services
from ..models import Classification, Submission
from .base import RESULT_FIELDS, RecordAdmin, _pretty_json

# --- Submissions: as received, with their classification status ---------------------


class ClassificationInline(admin.TabularInline):
    model = Classification
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["ruleset", *RESULT_FIELDS, "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(RecordAdmin):
    class Media:
        css = {"all": ["qualification/admin.css"]}

    list_display = [
        "public_id",
        "lead",
        "status",
        "attempts",
        "last_error_short",
        "channel",
        "language",
        "created_at",
        "classified_at",
    ]
    list_filter = ["status", "channel", "language"]
    list_select_related = ["lead__contact", "lead__company"]
    # details__...: a submission not filed under its lead yet is found all the same.
    search_fields = [
        "public_id",
        "lead__contact__email",
        "lead__company__name",
        "details__contact__email",
        "details__company__name",
    ]
    date_hierarchy = "created_at"
    actions = ["retry_classification"]
    inlines = [ClassificationInline]
    fields = [
        "public_id",
        "lead",
        "questionnaire",
        "channel",
        "language",
        "status",
        "attempts",
        "last_error",
        "enqueued_at",
        "classified_at",
        "created_at",
        "answers_display",
        "details_display",
        "payload_display",
        "ip_address",
        "user_agent",
    ]

    @admin.display(description=_("last error"))
    def last_error_short(self, obj: Submission) -> str:
        return obj.last_error[:80]

    @admin.display(description=_("answers"))
    def answers_display(self, obj: Submission) -> str:
        return _pretty_json(obj.answers)

    @admin.display(description=_("validated details"))
    def details_display(self, obj: Submission) -> str:
        return _pretty_json(obj.details)

    @admin.display(description=_("payload as received"))
    def payload_display(self, obj: Submission) -> str:
        return _pretty_json(obj.payload)

    @admin.action(description=_("Retry classification (failed ones)"), permissions=["change"])
    def retry_classification(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        selected = list(queryset.values_list("pk", flat=True))
        sent = services.submissions_retry_classification(submission_ids=selected)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed submission sent to be classified again.",
                "%(count)d failed submissions sent to be classified again.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS if sent else messages.WARNING,
        )
        if len(selected) > sent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected submission was not failed and was left as is.",
                    "%(count)d selected submissions were not failed and were left as is.",
                    len(selected) - sent,
                )
                % {"count": len(selected) - sent},
                messages.INFO,
            )
