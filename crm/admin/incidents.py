"""The register of confidentiality incidents, and the log of exports of personal data.

The incident register holds what the regulation lists (``crm.models_incidents``); it is
kept at least five years after the practice learned of an incident (no deletion
before), and exported as CSV for the Commission d'accès à l'information (OWASP CSV
injection neutralized). Seeing it needs ``view_confidentialityincident`` (the Privacy
officer role). The exports' log is read-only: who exported whose data, when and why.
"""

from __future__ import annotations

import io

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import services
from ..csv_safety import SafeCsvWriter
from ..models import ConfidentialityIncident, PrivacyExport
from ..services.retention import incident_kept_until

#: The CSV's columns: the regulation's elements, in its order.
CSV_FIELDS = [
    "id",
    "information_concerned",
    "circumstances",
    "occurred_from",
    "occurred_to",
    "occurred_approximate",
    "discovered_from",
    "discovered_to",
    "people_count",
    "people_count_approximate",
    "risk_assessment",
    "serious_injury_risk",
    "commission_notified_on",
    "people_notified_on",
    "public_notice",
    "measures",
    "created_at",
]


def incidents_csv(incidents) -> str:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(
        [str(ConfidentialityIncident._meta.get_field(name).verbose_name) for name in CSV_FIELDS]
    )
    for incident in incidents:
        writer.writerow(
            ["" if (value := getattr(incident, name)) is None else value for name in CSV_FIELDS]
        )
    return out.getvalue()


@admin.register(ConfidentialityIncident)
class ConfidentialityIncidentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "discovered_from",
        "people_count",
        "serious_injury_risk",
        "commission_notified_on",
        "people_notified_on",
        "kept_until",
    ]
    list_filter = ["serious_injury_risk"]
    date_hierarchy = "discovered_from"
    readonly_fields = ["recorded_by", "created_at", "kept_until"]
    actions = ["export_for_the_commission"]
    fieldsets = [
        (_("The information concerned"), {"fields": ["information_concerned", "circumstances"]}),
        (
            _("When"),
            {
                "fields": [
                    ("occurred_from", "occurred_to"),
                    "occurred_approximate",
                    ("discovered_from", "discovered_to"),
                ]
            },
        ),
        (_("Who"), {"fields": ["people_count", "people_count_approximate"]}),
        (
            _("Risk and notices"),
            {
                "fields": [
                    "risk_assessment",
                    "serious_injury_risk",
                    "commission_notified_on",
                    "people_notified_on",
                    "public_notice",
                ]
            },
        ),
        (_("Measures"), {"fields": ["measures"]}),
        (_("Record"), {"fields": ["recorded_by", "created_at", "kept_until"]}),
    ]

    class Media:
        css = {"all": ["crm/admin.css"]}

    @admin.display(description=_("kept until at least"))
    def kept_until(self, obj):
        if obj is None or obj.discovered_from is None:
            return "—"
        return incident_kept_until(obj)

    def has_delete_permission(self, request, obj=None):
        # The regulation: kept at least five years after the practice learned of it.
        if obj is None:
            return False
        allowed = super().has_delete_permission(request, obj)
        return allowed and incident_kept_until(obj) <= timezone.localdate()

    def save_model(self, request, obj, form, change):
        services.incident_save(incident=obj, by=request.user)

    @admin.action(description=_("Export for the Commission (CSV)"), permissions=["view"])
    def export_for_the_commission(self, request, queryset):
        response = HttpResponse(
            "\ufeff" + incidents_csv(queryset.order_by("discovered_from", "pk")),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="confidentiality-incidents.csv"'
        return response


@admin.register(PrivacyExport)
class PrivacyExportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "request", "by", "created_at", "reason", "content_removed_at"]
    list_select_related = ["request", "by"]
    list_filter = ["format"]
    date_hierarchy = "created_at"
    fields = ["request", "contact", "by", "created_at", "reason", "format", "content_removed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
