"""What the lead page shows besides its form: inlines and read-only panels.

The activities inline (where staff add a note, call, meeting or e-mail), and the panels
(the rules' result and why, the override, the prospect, consents, answers, the timeline
of everything that happened, what to decide), each rendered from its own template under
``admin/crm/lead/``.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import Activity
from ..timeline import lead_timeline
from .widgets import LABELLED_DATETIME, LabelledInlineFormSet


def activity_formset_data(inline_admin_formset) -> str:
    """What Django's ``InlineAdminFormSet.inline_formset_data`` gives ``inlines.js`` for the
    activities, with an add link that reads as a sentence ("Add an activity", "Ajouter une
    activité"), not Django's generic "Ajouter un objet Activité supplémentaire".

    Same keys as Django 5.2's (``name``, ``options.prefix``, ``addText``, ``deleteText``);
    ``tests/crm/test_admin.py`` checks the link's text on the lead page, and the browser
    test adds an activity through it.
    """
    prefix = inline_admin_formset.formset.prefix
    return json.dumps(
        {
            "name": f"#{prefix}",
            "options": {
                "prefix": prefix,
                "addText": gettext("Add an activity"),
                "deleteText": gettext("Remove"),
            },
        },
        ensure_ascii=False,
    )


class ActivityInline(admin.TabularInline):
    model = Activity
    fields = ["kind", "body", "due_at", "done_at", "owner"]
    extra = 1
    formset = LabelledInlineFormSet
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
        **LABELLED_DATETIME,
    }
    verbose_name_plural = _("activities (notes, calls, e-mails, meetings)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").order_by("-created_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = selectors.staff_users()
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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

    @admin.display(description=_("timeline"))
    def timeline_panel(self, lead):
        return _render("admin/crm/lead/timeline_panel.html", entries=lead_timeline(lead))

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
        ledger = selectors.contact_consent_history(contact_id=lead.contact_id)
        return _render(
            "admin/crm/lead/consents_panel.html",
            consents=ledger["history"],
            current=ledger["current"],
        )

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
