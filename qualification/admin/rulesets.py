"""Rulesets: drafts are edited, published versions are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import scoring, services
from ..models import Ruleset
from ..selectors import questionnaire_answer_keys, ruleset_get_current
from .base import _pretty_json

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
