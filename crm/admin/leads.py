"""``LeadAdmin``: the lead list and the lead page, saved through ``crm.services``.

Here: what the list shows, filters and searches, which actions it offers, and the lead
page's fieldsets, form and saves.

Its parts live beside it: the list's paging and columns (``lead_list.py``), its rows
(``fast_rows.py``), filters (``lead_filters.py``), actions (``lead_actions.py``), the
page's inlines and panels (``lead_page.py``) and its two extra views
(``lead_decisions.py``); the pipeline board (``board.py``) and the follow-up calendar
(``calendar.py``).
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .. import services
from ..app_settings import app_settings
from ..forms import LeadAdminForm
from ..models import Activity, Lead, ProposedChange
from . import lead_actions
from .board import LeadBoardViews
from .calendar import LeadCalendarViews
from .lead_decisions import LeadDecisionViews
from .lead_email import LeadEmailViews
from .lead_filters import (
    ConfidenceFilter,
    MineFilter,
    NextFollowUpFilter,
    OverdueFilter,
    OwnerFilter,
    RecommendationInForceFilter,
    ToReviewFilter,
    UtmCampaignFilter,
    UtmSourceFilter,
)
from .lead_list import CappedCountPaginator, LeadChangeList, LeadListColumns
from .lead_page import ActivityInline, LeadPanels, activity_formset_data
from .review_queue import LeadReviewQueueViews
from .widgets import LABELLED_DATETIME


@admin.register(Lead)
class LeadAdmin(
    LeadListColumns,
    LeadPanels,
    LeadDecisionViews,
    LeadEmailViews,
    LeadReviewQueueViews,
    LeadBoardViews,
    LeadCalendarViews,
    admin.ModelAdmin,
):
    form = LeadAdminForm
    formfield_overrides = LABELLED_DATETIME
    list_display = [
        "lead_name",
        "company_name",
        "recommendation_badge",
        "fit_display",
        "review_mark",
        "stage",
        "owner_name",
        "follow_up_display",
        "created_at",
    ]
    list_display_links = ["lead_name"]
    list_filter = [
        RecommendationInForceFilter,
        ConfidenceFilter,
        "fit_grade",
        ToReviewFilter,
        "needs_review",
        "stage",
        OwnerFilter,
        MineFilter,
        OverdueFilter,
        NextFollowUpFilter,
        "source",
        UtmSourceFilter,
        UtmCampaignFilter,
        "language",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = [
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "company__name",
    ]
    search_help_text = _("Search by name, e-mail or company.")
    list_select_related = ["contact", "company", "owner"]
    list_per_page = 100
    # No exact count of the whole table on each page load: see CappedCountPaginator.
    show_full_result_count = False
    # Facets would run one COUNT per filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER
    actions = [
        lead_actions.assign_to_me,
        lead_actions.move_to_stage,
        lead_actions.mark_lost,
        lead_actions.request_reclassification,
        lead_actions.export_csv,
    ]
    inlines = [ActivityInline]
    readonly_fields = [
        "lost_reason",
        "classification_panel",
        "explanation_panel",
        "override_panel",
        "contact_panel",
        "company_panel",
        "consents_panel",
        "answers_panel",
        "timeline_panel",
        "proposed_changes_panel",
        "source",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "referrer",
        "submission_count",
        "last_returned_at",
        "language",
        "created_at",
    ]

    class Media:
        css = {"all": ["crm/admin.css"]}

    # -- list ---------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return LeadChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return CappedCountPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            limit=app_settings.LIST_COUNT_LIMIT,
        )

    # -- the lead page ------------------------------------------------------------

    def has_add_permission(self, request):
        # Leads are opened by the questionnaire (public form or API), so that each one
        # has answers and a classification; a prospect met elsewhere fills in the form.
        return False

    def get_fieldsets(self, request, obj=None):
        override_fields = (
            ["override_to", "override_reason"] if self.has_override_permission(request, obj) else []
        )
        proposals = (
            [(_("Proposed changes"), {"fields": ["proposed_changes_panel"]})]
            if obj is not None
            and ProposedChange.objects.filter(
                lead=obj, status=ProposedChange.Status.PENDING
            ).exists()
            else []
        )
        return [
            *proposals,
            (
                _("Pipeline"),
                {"fields": ["stage", "stage_reason", "lost_reason", "owner", "next_follow_up_at"]},
            ),
            (
                _("Recommendation"),
                {
                    "fields": [
                        "classification_panel",
                        "explanation_panel",
                        "override_panel",
                        *override_fields,
                    ]
                },
            ),
            (_("Prospect"), {"fields": ["contact_panel", "company_panel", "consents_panel"]}),
            (_("Answers"), {"fields": ["answers_panel"]}),
            (_("Timeline"), {"fields": ["timeline_panel"]}),
            (
                _("Origin"),
                {
                    "classes": ["collapse"],
                    "fields": [
                        "language",
                        "source",
                        ("utm_source", "utm_medium", "utm_campaign"),
                        "referrer",
                        "submission_count",
                        "last_returned_at",
                        "created_at",
                    ],
                },
            ),
        ]

    def has_override_permission(self, request, obj=None) -> bool:
        # Whether to show the override fields; the service enforces it either way.
        return self.has_change_permission(request, obj) and services.lead_override_allowed(
            by=request.user
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        fieldsets_fields = {
            name
            for _name, options in self.get_fieldsets(request, obj)
            for name in options["fields"]
            if isinstance(name, str)
        }
        form = super().get_form(request, obj, change, **kwargs)
        if "override_to" not in fieldsets_fields:
            form.base_fields.pop("override_to", None)
            form.base_fields.pop("override_reason", None)
        return form

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "company", "owner")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        changed = set(form.changed_data)
        services.lead_update(
            lead=obj,
            by=request.user,
            stage=data["stage"] if "stage" in changed else None,
            reason=data.get("stage_reason", ""),
            owner=data["owner"] if "owner" in changed else services.UNSET,
            next_follow_up_at=(
                data["next_follow_up_at"] if "next_follow_up_at" in changed else services.UNSET
            ),
            override_recommendation=data["override_to"] if form.override_changed else None,
            override_reason=data.get("override_reason", ""),
        )
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # no writes: fills new/changed/deleted objects
        if formset.model is not Activity:
            return  # the history is read-only
        for activity in formset.new_objects:
            fields = services.activity_fields(activity)
            fields["owner"] = activity.owner or request.user
            services.activity_create(lead=form.instance, **fields)
        for activity, _changed in formset.changed_objects:
            services.activity_update(activity=activity, **services.activity_fields(activity))
        for activity in formset.deleted_objects:
            services.activity_delete(activity=activity)

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            if isinstance(inline_formset.opts, ActivityInline):
                inline_formset.inline_formset_data = partial(activity_formset_data, inline_formset)
        return inline_formsets

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_review": self.has_change_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.OverrideNotAllowed as refused:
            # The service refused the override: nothing was saved (one transaction).
            self.message_user(request, str(refused), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
