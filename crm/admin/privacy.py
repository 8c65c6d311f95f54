"""Privacy requests: the staff's queue of what people asked about their information.

Requests come from the people themselves (their private page), so nobody adds one by
hand; staff move them along (in progress, handled, refused) with their notes, which go
through ``crm.services.privacy_request_handle``. Oldest due first; filters by kind,
status and "overdue".
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .. import services
from ..choices import OPEN_PRIVACY_STATUSES
from ..models import PrivacyRequest


class OverdueFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("Overdue")), ("0", _("Not overdue"))]

    def queryset(self, request, queryset):
        overdue = {"status__in": OPEN_PRIVACY_STATUSES, "due_at__lt": timezone.now()}
        if self.value() == "1":
            return queryset.filter(**overdue)
        if self.value() == "0":
            return queryset.exclude(**overdue)
        return queryset


#: How long one detail may be on the page (the full text stays in the database).
_SHOWN_CHARS = 5000


def _detail_text(value) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "kind",
        "contact",
        "received_at",
        "due_at",
        "overdue",
        "status",
        "handled_by",
    ]
    list_filter = ["kind", "status", OverdueFilter]
    list_select_related = ["contact", "handled_by"]
    search_fields = ["contact__email"]
    date_hierarchy = "received_at"
    ordering = ["due_at", "pk"]
    show_full_result_count = False
    fields = [
        "kind",
        "contact",
        "lead",
        "language",
        "received_at",
        "due_at",
        "details_shown",
        "status",
        "resolution",
        "handled_by",
        "handled_at",
        "answer_sent_at",
    ]
    readonly_fields = [
        "kind",
        "contact",
        "lead",
        "language",
        "received_at",
        "due_at",
        "details_shown",
        "handled_by",
        "handled_at",
        "answer_sent_at",
    ]

    @admin.display(description="#", ordering="pk")
    def number(self, obj):
        return f"#{obj.pk}"

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description=_("details"))
    def details_shown(self, obj):
        details = obj.details if isinstance(obj.details, dict) else {"": obj.details}
        if not details:
            return "—"
        return format_html(
            "<dl class='crm-privacy-details'>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd class='crm-privacy-details__text'>{}</dd>",
                ((str(key)[:200], _detail_text(value)) for key, value in details.items()),
            ),
        )

    class Media:
        css = {"all": ["crm/admin.css"]}

    def has_add_permission(self, request):
        # Requests come from the people themselves (their private page).
        return False

    def has_delete_permission(self, request, obj=None):
        # The register is the record that a request was made and answered.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.privacy_request_handle(
            privacy_request=obj,
            status=data["status"],
            resolution=data.get("resolution", ""),
            by=request.user,
        )
