"""Forms of the staff screens. They validate; the admin then calls one service."""

from django import forms
from django.contrib.admin import helpers
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Language, Lead, Recommendation, Stage
from .selectors import staff_users


class LeadAdminForm(forms.ModelForm):
    """The lead page: pipeline fields, plus the override and a note for a stage change.

    ``override_to`` and ``override_reason`` are not the model's fields on purpose: the
    override goes through ``lead_update`` (which records who and when), never straight
    onto the lead.
    """

    stage_reason = forms.CharField(
        label=_("Why (for the history)"),
        required=False,
        max_length=500,
        help_text=_("Kept in the lead's history with the stage change; required to mark it lost."),
    )
    override_to = forms.ChoiceField(
        label=_("Recommendation in force"),
        required=False,
        choices=[("", _("As computed (no override)")), *Recommendation.choices],
        help_text=_("Choose another recommendation than the computed one, with a reason."),
    )
    override_reason = forms.CharField(
        label=_("Reason for the override"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Lead
        fields = ["stage", "owner", "next_follow_up_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = staff_users()
        if "override_to" in self.fields:
            self.fields["override_to"].initial = self.instance.override_recommendation

    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        if stage and stage != self.instance.stage:
            problem = services.lead_stage_change_problem(
                lead=self.instance, stage=stage, reason=cleaned.get("stage_reason", "")
            )
            if problem:
                self.add_error("stage_reason" if stage == Stage.LOST else "stage", problem)
        if "override_to" in self.fields:
            wanted = cleaned.get("override_to", "")
            if (
                wanted != self.instance.override_recommendation
                and not (cleaned.get("override_reason") or "").strip()
            ):
                self.add_error("override_reason", _("Say why you override the recommendation."))
        return cleaned

    @property
    def override_changed(self) -> bool:
        return (
            "override_to" in self.fields
            and self.cleaned_data.get("override_to", "") != self.instance.override_recommendation
        )


class ActionForm(forms.Form):
    """Keeps the admin action's selection across an intermediate page."""

    _selected_action = forms.CharField(widget=forms.MultipleHiddenInput, required=False)
    select_across = forms.BooleanField(widget=forms.HiddenInput, required=False)
    action = forms.CharField(widget=forms.HiddenInput)
    index = forms.IntegerField(widget=forms.HiddenInput, required=False, initial=0)

    def __init__(self, *args, selected=(), action="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["_selected_action"].initial = list(selected)
        self.fields["action"].initial = action

    @classmethod
    def for_request(cls, request, **kwargs):
        """Bound to the changelist's POST (first visit) or the confirmation (second)."""
        return cls(
            request.POST if "apply" in request.POST else None,
            selected=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            action=request.POST.get("action", ""),
            initial={"select_across": request.POST.get("select_across") == "1"},
            **kwargs,
        )


class MoveStageForm(ActionForm):
    stage = forms.ChoiceField(label=_("New stage"), choices=Stage.choices)
    reason = forms.CharField(
        label=_("Why (for the history)"),
        required=False,
        max_length=500,
        help_text=_("Required to mark leads lost."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stage") == Stage.LOST and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Marking a lead lost needs a reason."))
        return cleaned


class MarkLostForm(ActionForm):
    reason = forms.CharField(
        label=_("Why were these leads lost?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffLanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of my e-mails"), choices=Language.choices)


class ProposedChangesForm(forms.Form):
    """One choice per pending proposed change: accept it, reject it, or decide later."""

    LATER, ACCEPT, REJECT = "later", "accept", "reject"

    def __init__(self, *args, changes, **kwargs):
        super().__init__(*args, **kwargs)
        self.changes = list(changes)
        for change in self.changes:
            self.fields[self.field_name(change)] = forms.ChoiceField(
                label=change.get_field_display(),
                choices=[
                    (self.ACCEPT, _("Accept")),
                    (self.REJECT, _("Reject")),
                    (self.LATER, _("Decide later")),
                ],
                initial=self.LATER,
                required=False,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(change) -> str:
        return f"change_{change.pk}"

    def _with(self, decision: str) -> list[int]:
        return [
            change.pk
            for change in self.changes
            if self.cleaned_data.get(self.field_name(change)) == decision
        ]

    def accepted(self) -> list[int]:
        return self._with(self.ACCEPT)

    def rejected(self) -> list[int]:
        return self._with(self.REJECT)
