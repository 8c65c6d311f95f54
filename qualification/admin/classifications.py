"""Classifications: what the rules computed, and a person's review of it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from crm import services as crm_services
from crm.choices import Recommendation

from .. import selectors
from ..models import Classification, Ruleset
from .base import RESULT_FIELDS, RecordAdmin

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

    def _leads(self, request: HttpRequest, queryset: QuerySet[Classification]):
        """The leads whose result in force is one of the selected classifications.

        A classification of another submission (an earlier one, or a returning
        prospect's answers not adopted) or of another ruleset version is not what the
        lead shows: reviewing or overriding "the lead's recommendation" from it would
        act on a result the person did not see. Those are left alone, and said so.
        """
        chosen = list(queryset.select_related("submission__lead", "ruleset"))
        latest = selectors.submissions_latest_per_lead(
            lead_ids={c.submission.lead_id for c in chosen if c.submission.lead_id}
        )
        leads, skipped = {}, 0
        for classification in chosen:
            lead = classification.submission.lead
            if (
                lead is not None
                and latest.get(lead.pk) == classification.submission_id
                and lead.ruleset_version == classification.ruleset.version
            ):
                leads[lead.pk] = lead
            else:
                skipped += 1
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected classification is not the one in force on its lead: "
                    "left alone.",
                    "%(count)d selected classifications are not the ones in force on their "
                    "leads: left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return list(leads.values())

    @admin.action(
        description=_("Mark the lead's recommendation as reviewed by me"), permissions=["review"]
    )
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Classification]) -> None:
        leads = self._leads(request, queryset)
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
            leads = self._leads(request, queryset)
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
