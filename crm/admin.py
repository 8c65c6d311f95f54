"""The staff's screens: the lead list and page, contacts, companies, activities, consents.

Every change goes through ``crm.services``; the admin only validates and presents.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import _boolean_icon
from django.contrib.admin.utils import display_for_field, display_for_value, quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from . import selectors, services
from .app_settings import app_settings
from .authentication import token_expires_at, token_has_expired
from .csv_safety import SafeCsvWriter
from .forms import (
    LeadAdminForm,
    MarkLostForm,
    MoveStageForm,
    ProposedChangesForm,
    StaffLanguageForm,
)
from .models import (
    OPEN_STAGES,
    Activity,
    Company,
    Consent,
    Contact,
    Lead,
    LeadEvent,
    ProposedChange,
    Recommendation,
    StaffProfile,
    Stage,
)

# The dashboard sits on the admin's index page, unless the host chose its own index.
if admin.site.index_template is None:
    admin.site.index_template = "crm/admin/index.html"

PAGE_SIZE_VAR = "page_size"
PAGE_SIZES = (25, 50, 100, 200, 500)


# --- The lead list: paging without counting the whole table -------------------------


class CappedCountPaginator(Paginator):
    """Counts matching rows exactly up to a limit, and stops there.

    An exact ``COUNT(*)`` reads every matching row: on the unfiltered list it grows
    with the table, on every page load. Counting at most ``limit + 1`` rows
    (``CRM_LIST_COUNT_LIMIT``, 10,000 by default) costs the same at 10,000 or
    1,000,000 leads. Above the limit the list says "more than 10,000" and pages
    through the first 10,000; a filter or a search brings the count back to an exact
    figure, and the dashboard has the exact totals. (PostgreSQL's planner estimate
    would give a figure for any size, but not on SQLite, and not exactly.)
    """

    def __init__(self, *args, limit: int, **kwargs):
        self.limit = limit
        super().__init__(*args, **kwargs)

    @cached_property
    def _found(self) -> int:
        return self.object_list.order_by().values("pk")[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._found, self.limit)

    @property
    def is_capped(self) -> bool:
        """More rows match than were counted."""
        return self._found > self.limit


class LeadChangeList(ChangeList):
    """The admin's ChangeList with ``?page_size=`` (up to 500 leads a page)."""

    def __init__(self, request, *args):
        args = list(args)
        # args[7] is list_per_page in ChangeList's signature (after request, model, ...).
        args[7] = self._page_size(request, default=args[7])
        self.page_size_links = []
        super().__init__(request, *args)
        # Each row links to its lead page carrying the list's filters, as in Django,
        # but the link is built once per page rather than parsed and resolved again
        # for every row (add_preserved_filters skips rows when this is empty).
        self._row_link = reverse(
            "admin:crm_lead_change",
            args=["__pk__"],
            current_app=self.model_admin.admin_site.name,
        ).replace("__pk__", "{}")
        if self.preserved_filters:
            self._row_link += "?" + self.preserved_filters.replace("{", "{{").replace("}", "}}")
        self.preserved_filters = ""
        self.page_size_links = [
            (
                size,
                self.get_query_string({PAGE_SIZE_VAR: size}, remove=["p"]),
                size == self.list_per_page,
            )
            for size in PAGE_SIZES
        ]

    @staticmethod
    def _page_size(request, default: int) -> int:
        try:
            size = int(request.GET.get(PAGE_SIZE_VAR, default))
        except ValueError:
            return default
        return min(max(size, 1), max(PAGE_SIZES))

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(PAGE_SIZE_VAR, None)
        return lookup_params

    def url_for_result(self, result):
        return self._row_link.format(quote(result.pk))

    def get_queryset(self, request, exclude_parameters=None):
        # The list shows none of the big JSON columns: do not fetch and decode them.
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .defer("answers", "answers_display", "classification")
        )


# --- The lead list's filters --------------------------------------------------------


class RecommendationInForceFilter(admin.SimpleListFilter):
    title = _("recommendation")
    parameter_name = "recommendation"

    def lookups(self, request, model_admin):
        return [*Recommendation.choices, (selectors.PENDING, _("Pending"))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(selectors.recommendation_in_force_q(self.value()))
        return queryset


class ConfidenceFilter(admin.SimpleListFilter):
    title = _("confidence")
    parameter_name = "confidence"

    def lookups(self, request, model_admin):
        return [
            ("high", _("High (75 % and more)")),
            ("medium", _("Medium (50 to 75 %)")),
            ("low", _("Low (under 50 %)")),
        ]

    def queryset(self, request, queryset):
        bounds = {"high": (0.75, None), "medium": (0.5, 0.75), "low": (None, 0.5)}
        if self.value() not in bounds:
            return queryset
        low, high = bounds[self.value()]
        if low is not None:
            queryset = queryset.filter(confidence__gte=low)
        if high is not None:
            queryset = queryset.filter(confidence__lt=high)
        return queryset


class OwnerFilter(admin.SimpleListFilter):
    title = _("owner")
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("none", _("Nobody")), *((str(u.pk), str(u)) for u in selectors.staff_users())]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(owner__isnull=True)
        if self.value():
            return queryset.filter(owner_id=self.value())
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = _("my leads")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Only mine"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(owner=request.user)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("late follow-ups")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", _("Only overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(selectors.overdue_q(timezone.now()))
        return queryset


class NextFollowUpFilter(admin.SimpleListFilter):
    title = _("next follow-up")
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [
            ("today", _("Today")),
            ("week", _("Next 7 days")),
            ("later", _("Later")),
            ("none", _("None planned")),
        ]

    def queryset(self, request, queryset):
        end_of_today = selectors.end_of_day(timezone.now())
        start_of_today = end_of_today - timedelta(days=1)
        value = self.value()
        if value == "today":
            return queryset.filter(
                next_follow_up_at__gte=start_of_today, next_follow_up_at__lt=end_of_today
            )
        if value == "week":
            return queryset.filter(
                next_follow_up_at__gte=start_of_today,
                next_follow_up_at__lt=start_of_today + timedelta(days=7),
            )
        if value == "later":
            return queryset.filter(next_follow_up_at__gte=start_of_today + timedelta(days=7))
        if value == "none":
            return queryset.filter(next_follow_up_at__isnull=True)
        return queryset


# --- The lead page's inlines --------------------------------------------------------


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
_VALUE_LABELS = {**dict(Stage.choices), **dict(Recommendation.choices)}


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


# --- Leads --------------------------------------------------------------------------


def _badge_label(value: str) -> str:
    if value == selectors.PENDING:
        return gettext("Pending")
    return str(Recommendation(value).label)


def _in_force_expression():
    return Coalesce(NullIf(F("override_recommendation"), Value("")), F("recommendation"))


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    form = LeadAdminForm
    list_display = [
        "lead_name",
        "company_name",
        "recommendation_badge",
        "confidence_display",
        "fit_display",
        "needs_review",
        "stage",
        "owner",
        "follow_up_display",
        "created_at",
    ]
    list_display_links = ["lead_name"]
    list_filter = [
        RecommendationInForceFilter,
        ConfidenceFilter,
        "fit_grade",
        "needs_review",
        "stage",
        OwnerFilter,
        MineFilter,
        OverdueFilter,
        NextFollowUpFilter,
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
        "assign_to_me",
        "move_to_stage",
        "mark_lost",
        "request_reclassification",
        "export_csv",
    ]
    inlines = [ActivityInline, LeadEventInline]
    readonly_fields = [
        "lost_reason",
        "classification_panel",
        "explanation_panel",
        "override_panel",
        "contact_panel",
        "company_panel",
        "consents_panel",
        "answers_panel",
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

    @admin.display(description=_("lead"), ordering="contact__last_name")
    def lead_name(self, lead):
        return lead.contact.full_name or lead.contact.email

    @admin.display(description=_("company"), ordering="company__name")
    def company_name(self, lead):
        return lead.company.name

    @admin.display(description=_("recommendation"), ordering=_in_force_expression())
    def recommendation_badge(self, lead):
        in_force = lead.recommendation_in_force or selectors.PENDING
        overridden = bool(lead.override_recommendation)
        return format_html(
            '<span class="crm-badge crm-badge-{}"{}>{}{}</span>{}',
            in_force,
            mark_safe(' title="{}"'.format(escape(gettext("Overridden by a person"))))
            if overridden
            else "",
            _badge_label(in_force),
            " ✎" if overridden else "",
            format_html(
                ' <span class="crm-alternative">{} {}</span>',
                gettext("or"),
                lead.get_alternative_display(),
            )
            if lead.alternative
            else "",
        )

    @admin.display(description=_("confidence"), ordering="confidence")
    def confidence_display(self, lead):
        if lead.confidence is None:
            return "—"
        return f"{round(lead.confidence * 100)} %"

    @admin.display(description=_("fit"), ordering="fit_score")
    def fit_display(self, lead):
        if not lead.fit_grade:
            return "—"
        return format_html(
            '<span class="crm-grade crm-grade-{}" title="{}/100">{}</span>',
            lead.fit_grade,
            lead.fit_score,
            lead.fit_grade,
        )

    @admin.display(description=_("next follow-up"), ordering="next_follow_up_at")
    def follow_up_display(self, lead):
        if lead.next_follow_up_at is None:
            return "—"
        when = timezone.localtime(lead.next_follow_up_at)
        text = when.strftime("%Y-%m-%d %H:%M")
        if lead.stage in OPEN_STAGES and lead.next_follow_up_at < timezone.now():
            return format_html(
                '<span class="crm-overdue" title="{}">⚠ {}</span>', gettext("Overdue"), text
            )
        return text

    def action_checkbox(self, obj):
        # Django's own markup, written out: rendering a widget template for each row
        # cost more than the rest of the row on a page of 500 leads.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    def list_rows(self, cl):
        """The page's rows, each as one piece of HTML, for ``{% crm_lead_result_list %}``.

        The same cells as Django's ``items_for_result`` (tests compare them), but each
        column's field, classes and link are looked up once per page instead of once
        per cell: on a page of 500 leads Django's generic path was most of the time.
        """
        columns = [self._list_cell(cl, index, name) for index, name in enumerate(cl.list_display)]
        for lead in cl.result_list:
            yield [mark_safe("".join(cell(lead) for cell in columns))]

    def _list_cell(self, cl, index, name):
        empty = self.get_empty_value_display()
        if name == "action_checkbox":
            return lambda lead: f'<td class="action-checkbox">{self.action_checkbox(lead)}</td>'
        if callable(getattr(self, name, None)):
            method = getattr(self, name)
            classes = f"field-{name}"

            def value(lead):
                return conditional_escape(display_for_value(method(lead), empty))

        else:
            field = self.opts.get_field(name)
            classes = f"field-{name}"
            if isinstance(field, models.DateField | models.TimeField | models.ForeignKey):
                classes += " nowrap"
            if isinstance(field, models.BooleanField):
                icons = {flag: _boolean_icon(flag) for flag in (True, False, None)}

                def value(lead):
                    return icons[getattr(lead, name)]

            elif isinstance(field, models.ForeignKey):

                def value(lead):
                    related = getattr(lead, name)
                    return empty if related is None else conditional_escape(str(related))

            else:

                def value(lead):
                    shown = display_for_field(getattr(lead, field.attname), field, empty)
                    return conditional_escape(shown)

        if name in (cl.list_display_links or ()):
            return lambda lead: (
                f'<th class="{classes}"><a href="{escape(cl.url_for_result(lead))}">'
                f"{value(lead)}</a></th>"
            )
        return lambda lead: f'<td class="{classes}">{value(lead)}</td>'

    # -- actions ------------------------------------------------------------------

    def _apply_each(self, request, queryset, change, done_message):
        """Run ``change(lead)`` on each selected lead; one that cannot is skipped, not fatal."""
        done, problems = 0, []
        for lead in queryset.select_related("contact", "company", "owner"):
            try:
                with transaction.atomic():
                    change(lead)
            except (ValueError, IntegrityError) as error:
                problems.append(f"{lead}: {error}")
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for problem in problems[:10]:
            self.message_user(request, problem, messages.WARNING)

    @admin.action(description=_("Assign to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._apply_each(
            request,
            queryset,
            lambda lead: services.lead_assign(lead=lead, owner=request.user, by=request.user),
            lambda n: (
                ngettext("%(n)d lead assigned to you.", "%(n)d leads assigned to you.", n)
                % {"n": n}
            ),
        )

    @admin.action(description=_("Move to a stage…"), permissions=["change"])
    def move_to_stage(self, request, queryset):
        form = MoveStageForm.for_request(request)
        if form.is_bound and form.is_valid():
            stage = form.cleaned_data["stage"]
            self._apply_each(
                request,
                queryset,
                lambda lead: services.lead_move_stage(
                    lead=lead, stage=stage, by=request.user, reason=form.cleaned_data["reason"]
                ),
                lambda n: (
                    ngettext("%(n)d lead moved to %(stage)s.", "%(n)d leads moved to %(stage)s.", n)
                    % {"n": n, "stage": Stage(stage).label}
                ),
            )
            return None
        return self._intermediate_page(
            request, queryset, form, _("Move leads to a stage"), _("Move")
        )

    @admin.action(description=_("Mark lost…"), permissions=["change"])
    def mark_lost(self, request, queryset):
        form = MarkLostForm.for_request(request)
        if form.is_bound and form.is_valid():
            self._apply_each(
                request,
                queryset,
                lambda lead: services.lead_move_stage(
                    lead=lead, stage=Stage.LOST, by=request.user, reason=form.cleaned_data["reason"]
                ),
                lambda n: (
                    ngettext("%(n)d lead marked lost.", "%(n)d leads marked lost.", n) % {"n": n}
                ),
            )
            return None
        return self._intermediate_page(
            request, queryset, form, _("Mark leads lost"), _("Mark lost")
        )

    def _intermediate_page(self, request, queryset, form, title, button):
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "button": button,
            "form": form,
            "opts": self.opts,
            "count": count,
            "leads": queryset.select_related("contact", "company")[:20],
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/crm/lead/action_form.html", context)

    @admin.action(description=_("Re-classify with the current rules"), permissions=["change"])
    def request_reclassification(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        services.lead_request_reclassification(lead_ids=ids, requested_by=request.user)
        self.message_user(
            request,
            ngettext(
                "Re-classification requested for %(n)d lead.",
                "Re-classification requested for %(n)d leads.",
                len(ids),
            )
            % {"n": len(ids)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Export the selection as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = _csv_rows(queryset.select_related("contact", "company", "owner"))
        response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="leads-{stamp}.csv"'
        return response

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
            services.activity_create(
                lead=form.instance,
                kind=activity.kind,
                body=activity.body,
                due_at=activity.due_at,
                done_at=activity.done_at,
                owner=activity.owner or request.user,
            )
        for activity, _changed in formset.changed_objects:
            services.activity_update(
                activity=activity,
                kind=activity.kind,
                body=activity.body,
                due_at=activity.due_at,
                done_at=activity.done_at,
                owner=activity.owner,
            )
        for activity in formset.deleted_objects:
            services.activity_delete(activity=activity)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name="crm_lead_review",
            ),
            path(
                "<path:object_id>/proposed-changes/",
                self.admin_site.admin_view(self.proposed_changes_view),
                name="crm_lead_proposed_changes",
            ),
            *super().get_urls(),
        ]

    def proposed_changes_view(self, request, object_id):
        """Accept or reject, field by field, what a later post gave differently."""
        lead = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        changes = selectors.lead_pending_changes(lead_id=lead.pk)
        form = ProposedChangesForm(request.POST or None, changes=changes)
        if request.method == "POST" and form.is_valid():
            accepted, rejected = services.proposed_changes_decide(
                lead=lead, accept=form.accepted(), reject=form.rejected(), by=request.user
            )
            self.message_user(
                request,
                gettext("%(accepted)d change(s) accepted, %(rejected)d rejected.")
                % {"accepted": accepted, "rejected": rejected},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[lead.pk]))
        language = translation.get_language()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Proposed changes for %(lead)s")
            % {"lead": lead.contact.full_name or lead.contact.email},
            "opts": self.opts,
            "lead": lead,
            "form": form,
            "items": [
                (
                    change,
                    form[form.field_name(change)],
                    selectors.proposed_change_rows(change, language),
                )
                for change in changes
            ],
        }
        return TemplateResponse(request, "admin/crm/lead/proposed_changes.html", context)

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

    def review_view(self, request, object_id):
        """The "mark reviewed" button: a person agrees with the computed recommendation."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[object_id]))
        lead = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, lead):
            raise PermissionDenied
        if not lead.classification:
            self.message_user(
                request,
                gettext("There is no computed recommendation to review yet."),
                messages.ERROR,
            )
        else:
            services.lead_mark_reviewed(lead=lead, by=request.user)
            self.message_user(request, gettext("Marked as reviewed by you."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:crm_lead_change", args=[lead.pk]))

    # -- read-only panels of the lead page ----------------------------------------

    def _render(self, template, **context):
        from django.template.loader import render_to_string

        return render_to_string(template, context)

    @admin.display(description=_("the rules' result"))
    def classification_panel(self, lead):
        return self._render(
            "admin/crm/lead/classification_panel.html",
            lead=lead,
            classification=lead.classification,
        )

    @admin.display(description=_("why"))
    def explanation_panel(self, lead):
        return self._render(
            "admin/crm/lead/explanation_panel.html",
            lines=selectors.lead_explanation_display(lead, translation.get_language()),
        )

    @admin.display(description=_("override"))
    def override_panel(self, lead):
        return self._render("admin/crm/lead/override_panel.html", lead=lead)

    @admin.display(description=_("contact"))
    def contact_panel(self, lead):
        return self._render(
            "admin/crm/lead/contact_panel.html",
            contact=lead.contact,
            url=reverse("admin:crm_contact_change", args=[lead.contact_id]),
        )

    @admin.display(description=_("company"))
    def company_panel(self, lead):
        return self._render(
            "admin/crm/lead/company_panel.html",
            company=lead.company,
            url=reverse("admin:crm_company_change", args=[lead.company_id]),
        )

    @admin.display(description=_("consent"))
    def consents_panel(self, lead):
        consents = Consent.objects.filter(contact_id=lead.contact_id).order_by("-created_at")
        return self._render("admin/crm/lead/consents_panel.html", consents=consents)

    @admin.display(description=_("to decide"))
    def proposed_changes_panel(self, lead):
        language = translation.get_language()
        changes = selectors.lead_pending_changes(lead_id=lead.pk)
        return self._render(
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
        return self._render(
            "admin/crm/lead/answers_panel.html",
            rows=selectors.lead_answers_display(lead, translation.get_language()),
            context=(lead.answers or {}).get("context", ""),
        )


def _local_iso(moment: datetime | None) -> str:
    """A time as the admin shows it: in the practice's time zone, ISO 8601 with its offset."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _csv_rows(leads):
    """The CSV export, streamed one row at a time (a selection may be every lead).

    Every cell goes through ``SafeCsvWriter`` (no formulas) and every time is local.
    """

    class Echo:
        def write(self, value):
            return value

    writer = SafeCsvWriter(Echo())
    yield "\ufeff"  # lets spreadsheet programs read the accents as UTF-8
    yield writer.writerow(
        [
            "id",
            "created_at",
            "first_name",
            "last_name",
            "email",
            "phone",
            "job_title",
            "company",
            "website",
            "language",
            "stage",
            "owner",
            "recommendation",
            "computed_recommendation",
            "alternative",
            "confidence",
            "fit_score",
            "fit_grade",
            "needs_review",
            "next_follow_up_at",
            "source",
            "utm_source",
            "utm_medium",
            "utm_campaign",
        ]
    )
    for lead in leads.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                lead.pk,
                _local_iso(lead.created_at),
                lead.contact.first_name,
                lead.contact.last_name,
                lead.contact.email,
                lead.contact.phone,
                lead.contact.job_title,
                lead.company.name,
                lead.company.website,
                lead.language,
                lead.stage,
                lead.owner.get_username() if lead.owner_id else "",
                lead.recommendation_in_force,
                lead.recommendation,
                lead.alternative,
                "" if lead.confidence is None else lead.confidence,
                "" if lead.fit_score is None else lead.fit_score,
                lead.fit_grade,
                "yes" if lead.needs_review else "no",
                _local_iso(lead.next_follow_up_at),
                lead.source,
                lead.utm_source,
                lead.utm_medium,
                lead.utm_campaign,
            ]
        )


# --- Activities ---------------------------------------------------------------------


class ActivityStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("To do")), ("overdue", _("Overdue")), ("done", _("Done"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "overdue":
            return queryset.filter(done_at__isnull=True, due_at__lt=timezone.now())
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "lead", "due_at", "done_at", "owner", "created_at"]
    list_filter = ["kind", ActivityStateFilter, MineFilter, "due_at"]
    list_select_related = ["lead__contact", "lead__company", "owner"]
    search_fields = ["body", "lead__contact__email", "lead__company__name"]
    autocomplete_fields = ["lead"]
    fields = ["lead", "kind", "body", "due_at", "done_at", "owner"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return ["lead"] if obj else []

    def save_model(self, request, obj, form, change):
        fields = {
            "kind": obj.kind,
            "body": obj.body,
            "due_at": obj.due_at,
            "done_at": obj.done_at,
            "owner": obj.owner,
        }
        if change:
            saved = services.activity_update(activity=obj, **fields)
        else:
            saved = services.activity_create(
                lead=obj.lead, **{**fields, "owner": obj.owner or request.user}
            )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.activity_delete(activity=obj)

    def delete_queryset(self, request, queryset):
        for activity in queryset:
            services.activity_delete(activity=activity)


# --- Contacts and companies ---------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContactLeadInline(ReadOnlyInline):
    model = Lead
    fk_name = "contact"
    fields = ["stage", "recommendation", "override_recommendation", "owner", "created_at"]
    readonly_fields = fields
    verbose_name_plural = _("leads")


class ContactConsentInline(ReadOnlyInline):
    model = Consent
    fields = ["purpose", "granted", "wording_version", "language", "created_at"]
    readonly_fields = fields
    show_change_link = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "company", "language", "created_at"]
    list_select_related = ["company"]
    list_filter = ["language"]
    search_fields = ["email", "first_name", "last_name", "company__name"]
    fields = ["email", "first_name", "last_name", "phone", "job_title", "language", "company"]
    readonly_fields = ["company"]
    inlines = [ContactLeadInline, ContactConsentInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        # Contacts come with their questionnaire (see LeadAdmin.has_add_permission).
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.contact_update(
            contact=obj,
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            job_title=data["job_title"],
            language=data["language"],
        )


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "website", "created_at"]
    # Prospects' sites are https nowadays; it is also Django 6's default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ["name"]
    fields = ["name", "website"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.company_update(
            company=obj, name=form.cleaned_data["name"], website=form.cleaned_data["website"]
        )


# --- Consents: evidence, never edited -----------------------------------------------


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["contact", "purpose", "granted", "wording_version", "language", "created_at"]
    list_filter = ["purpose", "granted", "language"]
    list_select_related = ["contact"]
    search_fields = ["contact__email"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Evidence of consent is kept as given (CASL, Law 25).
        return False


# --- Staff profiles -----------------------------------------------------------------


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "follow_up_digest_sent_on"]
    list_select_related = ["user"]
    fields = ["user", "language", "follow_up_digest_sent_on"]
    readonly_fields = ["follow_up_digest_sent_on"]

    def get_urls(self):
        return [
            path(
                "mine/",
                self.admin_site.admin_view(self.my_language_view),
                name="crm_staffprofile_mine",
            ),
            path(
                "api-token/",
                self.admin_site.admin_view(self.my_api_token_view),
                name="crm_api_token",
            ),
            *super().get_urls(),
        ]

    def my_language_view(self, request):
        """Any staff member chooses the language of their own e-mails."""
        if request.method == "POST":
            form = StaffLanguageForm(request.POST)
            if form.is_valid():
                services.staff_profile_set_language(
                    user=request.user, language=form.cleaned_data["language"]
                )
                self.message_user(request, gettext("Your e-mail language is saved."))
                return HttpResponseRedirect(reverse("admin:index"))
        else:
            form = StaffLanguageForm(initial={"language": selectors.staff_language(request.user)})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Language of my e-mails"),
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/crm/staffprofile/mine.html", context)

    def my_api_token_view(self, request):
        """A staff member sees when their API token expires and rotates it (shown once)."""
        if not services.api_token_allowed(user=request.user):
            raise PermissionDenied
        new_key = None
        if request.method == "POST":
            token = services.api_token_rotate(user=request.user)
            new_key = token.key
        token = Token.objects.filter(user=request.user).first()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("My API token"),
            "opts": self.opts,
            "token": token,
            "new_key": new_key,
            "expires_at": token_expires_at(token) if token else None,
            "expired": token_has_expired(token) if token else False,
            "max_age_days": app_settings.API_TOKEN_MAX_AGE_DAYS,
        }
        return TemplateResponse(request, "admin/crm/staffprofile/api_token.html", context)
