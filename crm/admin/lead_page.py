"""What the lead page shows besides its form: inlines and read-only panels.

The activities and history inlines, and the panels (the rules' result and why, the
override, the prospect, consents, answers, what to decide), each rendered from its own
template under ``admin/crm/lead/``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..choices import ProspectAction
from ..models import Activity, Consent, LeadEvent, Recommendation, Stage


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["kind", "body", "due_at", "done_at", "owner"]
    extra = 1
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}
    }
    verbose_name_plural = _("activities (notes, calls, e-mails, meetings)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").order_by("-created_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = selectors.staff_users()
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


#: How the history shows the stages and recommendations it recorded as keys.
_VALUE_LABELS = {
    **dict(Stage.choices),
    **dict(Recommendation.choices),
    **dict(ProspectAction.choices),
}


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    fields = ["created_at", "kind", "from_label", "to_label", "note", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    @admin.display(description=_("from"))
    def from_label(self, event):
        return _VALUE_LABELS.get(event.from_value, event.from_value)

    @admin.display(description=_("to"))
    def to_label(self, event):
        return _VALUE_LABELS.get(event.to_value, event.to_value)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _render(template: str, **context) -> str:
    return render_to_string(template, context)


class LeadPanels:
    """The lead page's read-only panels (``LeadAdmin.readonly_fields`` names them)."""

    @admin.display(description=_("the rules' result"))
    def classification_panel(self, lead):
        return _render(
            "admin/crm/lead/classification_panel.html",
            lead=lead,
            classification=lead.classification,
        )

    @admin.display(description=_("why"))
    def explanation_panel(self, lead):
        return _render(
            "admin/crm/lead/explanation_panel.html",
            lines=selectors.lead_explanation_display(lead, translation.get_language()),
        )

    @admin.display(description=_("override"))
    def override_panel(self, lead):
        return _render("admin/crm/lead/override_panel.html", lead=lead)

    @admin.display(description=_("contact"))
    def contact_panel(self, lead):
        return _render("admin/crm/lead/contact_panel.html", contact=lead.contact)

    @admin.display(description=_("company"))
    def company_panel(self, lead):
        return _render("admin/crm/lead/company_panel.html", company=lead.company)

    @admin.display(description=_("consent"))
    def consents_panel(self, lead):
        consents = Consent.objects.filter(contact_id=lead.contact_id).order_by("-created_at")
        return _render("admin/crm/lead/consents_panel.html", consents=consents)

    @admin.display(description=_("to decide"))
    def proposed_changes_panel(self, lead):
        language = translation.get_language()
        changes = selectors.lead_pending_changes(lead_id=lead.pk)
        return _render(
            "admin/crm/lead/proposed_changes_panel.html",
            rows=[
                row
                for change in changes
                for row in selectors.proposed_change_rows(change, language)
            ],
            url=reverse("admin:crm_lead_proposed_changes", args=[lead.pk]),
        )

    @admin.display(description=_("answers"))
    def answers_panel(self, lead):
        return _render(
            "admin/crm/lead/answers_panel.html",
            rows=selectors.lead_answers_display(lead, translation.get_language()),
            context=(lead.answers or {}).get("context", ""),
        )
