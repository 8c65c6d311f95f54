"""Admin screens of the qualification app. They validate and call services."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crm import services as crm_services
from crm.choices import Recommendation

from . import scoring, services
from .models import Classification, Questionnaire, Ruleset, Submission
from .selectors import questionnaire_answer_keys, ruleset_get_current

admin.site.register(Questionnaire)


def _pretty_json(value) -> str:
    return format_html(
        '<pre class="qualification-json">{}</pre>',
        json.dumps(value, indent=1, ensure_ascii=False),
    )


# --- Rulesets: drafts are edited, published versions are read-only --------------------


class RulesetForm(forms.ModelForm):
    class Meta:
        model = Ruleset
        fields = ["weights", "notes"]
        widgets = {"weights": forms.Textarea(attrs={"rows": 40, "cols": 120})}

    def clean_weights(self):
        weights = self.cleaned_data["weights"]
        errors = scoring.validate_ruleset(weights, questions=questionnaire_answer_keys())
        if errors:
            raise forms.ValidationError(errors)
        return weights


@admin.register(Ruleset)
class RulesetAdmin(admin.ModelAdmin):
    form = RulesetForm
    list_display = ["version", "status", "published_at", "created_by", "updated_at"]
    list_filter = ["status"]
    ordering = ["-version"]
    actions = ["publish", "new_draft"]
    readonly_fields = ["version", "status", "published_at", "created_by"]

    class Media:
        css = {"all": ["qualification/admin.css"]}

    def has_change_permission(self, request: HttpRequest, obj: Ruleset | None = None) -> bool:
        if obj is not None and obj.status == Ruleset.Status.PUBLISHED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Ruleset | None = None) -> bool:
        if obj is not None and obj.status == Ruleset.Status.PUBLISHED:
            return False
        return super().has_delete_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:  # a new draft: numbered when saved
            return ["notes", "weights"]
        if obj.status == Ruleset.Status.PUBLISHED:
            return ["version", "status", "published_at", "created_by", "notes", "weights_display"]
        return ["version", "status", "created_by", "notes", "weights"]

    def get_changeform_initial_data(self, request):
        """A new draft starts from the current version's weights."""
        current = ruleset_get_current()
        return {"weights": current.weights if current else {}}

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Ruleset.Status.PUBLISHED:
            return self.get_fields(request, obj)
        return self.readonly_fields

    @admin.display(description=_("weights"))
    def weights_display(self, obj: Ruleset) -> str:
        return _pretty_json(obj.weights)

    def save_model(self, request, obj, form, change):
        if change:
            services.ruleset_update_draft(
                ruleset=obj, weights=form.cleaned_data["weights"], notes=form.cleaned_data["notes"]
            )
        else:
            services.ruleset_add_draft(draft=obj, by=request.user)

    @admin.action(description=_("Publish the selected drafts"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Ruleset]) -> None:
        for ruleset in queryset.order_by("version"):
            try:
                services.ruleset_publish(ruleset=ruleset, by=request.user)
            except (services.RulesetLocked, scoring.RulesetError) as exc:
                self.message_user(
                    request,
                    gettext("Version %(version)s was not published: %(error)s")
                    % {"version": ruleset.version, "error": exc},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext(
                        "Version %(version)s is published: new submissions are classified "
                        "with it. Past results keep their version; run reclassify to "
                        "re-score stored leads."
                    )
                    % {"version": ruleset.version},
                    messages.SUCCESS,
                )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return super().has_change_permission(request)

    @admin.action(description=_("New draft from this version"), permissions=["add_draft"])
    def new_draft(self, request: HttpRequest, queryset: QuerySet[Ruleset]) -> None:
        for source in queryset.order_by("version"):
            draft = services.ruleset_create_draft(source=source, by=request.user)
            url = reverse("admin:qualification_ruleset_change", args=[draft.pk])
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("Draft created from version %(version)s:")
                    % {"version": source.version},
                    url,
                    gettext("version %(version)s") % {"version": draft.version},
                ),
                messages.SUCCESS,
            )

    def has_add_draft_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request)


# --- Submissions: as received, with their classification status ---------------------


#: A classification's result, in the order staff read it.
RESULT_FIELDS = [
    "recommendation",
    "alternative",
    "confidence",
    "needs_review",
    "fit_score",
    "fit_grade",
]


class RecordAdmin(admin.ModelAdmin):
    """A record kept as it was made: every field shown read-only, none added by hand."""

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


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


# --- Classifications: what the rules computed, and a person's review of it ----------


class OverrideForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Recommendation in force"),
        choices=[("", _("None: go back to the computed recommendation")), *Recommendation.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Kept with the lead's history; the computed result stays beside it."),
    )


class RulesetVersionFilter(admin.SimpleListFilter):
    title = _("ruleset")
    parameter_name = "ruleset_version"

    def lookups(self, request, model_admin):
        return [(v, f"v{v}") for v in Ruleset.objects.values_list("version", flat=True)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(ruleset__version=self.value())
        return queryset


@admin.register(Classification)
class ClassificationAdmin(RecordAdmin):
    list_display = [
        "lead",
        "ruleset_version",
        "recommendation",
        "alternative",
        "confidence",
        "needs_review",
        "fit_grade",
        "fit_score",
        "in_force",
        "reviewed_by_a_person",
        "created_at",
    ]
    list_filter = [
        "recommendation",
        "needs_review",
        "fit_grade",
        "alternative",
        RulesetVersionFilter,
    ]
    list_select_related = [
        "ruleset",
        "submission__lead__contact",
        "submission__lead__company",
        "submission__lead__reviewed_by",
    ]
    search_fields = ["submission__lead__contact__email", "submission__lead__company__name"]
    actions = ["mark_reviewed", "override_recommendation"]
    fields = [
        "submission",
        "lead",
        "ruleset_version",
        *RESULT_FIELDS,
        "explanation_display",
        "in_force",
        "override_display",
        "reviewed_by_a_person",
        "created_at",
    ]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("lead"))
    def lead(self, obj: Classification):
        return obj.submission.lead

    @admin.display(description=_("ruleset"), ordering="ruleset__version")
    def ruleset_version(self, obj: Classification) -> str:
        return f"v{obj.ruleset.version}"

    @admin.display(description=_("in force on the lead"))
    def in_force(self, obj: Classification) -> str:
        lead = obj.submission.lead
        if lead is None or not lead.recommendation_in_force:
            return "-"
        return Recommendation(lead.recommendation_in_force).label

    @admin.display(description=_("reviewed by a person"))
    def reviewed_by_a_person(self, obj: Classification) -> str:
        lead = obj.submission.lead
        if lead is None or lead.reviewed_by_id is None:
            return gettext("Not yet")
        return gettext("%(who)s, %(when)s") % {
            "who": lead.reviewed_by,
            "when": lead.reviewed_at.strftime("%Y-%m-%d %H:%M") if lead.reviewed_at else "",
        }

    @admin.display(description=_("override"))
    def override_display(self, obj: Classification) -> str:
        lead = obj.submission.lead
        if lead is None or not lead.override_recommendation:
            return gettext("None")
        return gettext("%(recommendation)s by %(who)s: %(reason)s") % {
            "recommendation": Recommendation(lead.override_recommendation).label,
            "who": lead.override_by or "-",
            "reason": lead.override_reason,
        }

    @admin.display(description=_("explanation"))
    def explanation_display(self, obj: Classification) -> str:
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li><strong>{}</strong> ({} = {}): {}<br><em>{}</em></li>",
                (
                    (
                        item.get("effect", ""),
                        item.get("question", ""),
                        item.get("answer", ""),
                        item.get("reason_fr", ""),
                        item.get("reason_en", ""),
                    )
                    for item in obj.explanation or []
                ),
            ),
        )

    def _leads(self, queryset: QuerySet[Classification]):
        leads = {}
        for classification in queryset.select_related("submission__lead"):
            lead = classification.submission.lead
            if lead is not None:
                leads[lead.pk] = lead
        return list(leads.values())

    @admin.action(
        description=_("Mark the lead's recommendation as reviewed by me"), permissions=["review"]
    )
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Classification]) -> None:
        leads = self._leads(queryset)
        for lead in leads:
            crm_services.lead_mark_reviewed(lead=lead, by=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d lead marked as reviewed.",
                "%(count)d leads marked as reviewed.",
                len(leads),
            )
            % {"count": len(leads)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Override the lead's recommendation…"), permissions=["override"])
    def override_recommendation(self, request: HttpRequest, queryset: QuerySet[Classification]):
        form = OverrideForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            leads = self._leads(queryset)
            try:
                with transaction.atomic():
                    for lead in leads:
                        crm_services.lead_override_recommendation(
                            lead=lead,
                            recommendation=form.cleaned_data["recommendation"],
                            reason=form.cleaned_data["reason"],
                            by=request.user,
                        )
            except crm_services.OverrideNotAllowed as refused:
                self.message_user(request, str(refused), messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext(
                    "Recommendation overridden on %(count)d lead.",
                    "Recommendation overridden on %(count)d leads.",
                    len(leads),
                )
                % {"count": len(leads)},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/qualification/override_recommendation.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Override the recommendation"),
                "opts": self.model._meta,
                "form": form,
                "classifications": queryset.select_related("submission__lead__contact", "ruleset"),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("crm.change_lead")

    def has_override_permission(self, request: HttpRequest) -> bool:
        # Only offered to who may override; the crm service enforces it either way.
        return self.has_review_permission(request) and crm_services.lead_override_allowed(
            by=request.user
        )
