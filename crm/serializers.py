"""The staff API's shapes (the endpoints and fields the README's "Staff API" lists). No rules
here."""

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import services
from .models import Activity, Alternative, Company, Contact, FitGrade, Lead, Recommendation, Stage
from .selectors import staff_users

USERNAME = get_user_model().USERNAME_FIELD


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class StaffField(serializers.SlugRelatedField):
    """A staff member, by username (``null`` for nobody)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", USERNAME)
        kwargs.setdefault("help_text", _("A staff member's username, or null for nobody."))
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", staff_users())
        super().__init__(**kwargs)


class CalendarDateTimeField(serializers.DateTimeField):
    """A date on the practice's calendar, from 1900 on: older local times carry offsets in
    seconds (local mean time) that the API could not give back as RFC 3339."""

    default_error_messages = {"too_early": _("Enter a date from the year 1900 on.")}

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if moment.year < 1900:
            self.fail("too_early")
        return moment


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone", "job_title", "language"]


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["name", "website"]


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "A choice's key, several keys, or free text.",
    }
)
class AnswerValueField(serializers.JSONField):
    pass


class ExplanationLineSerializer(serializers.Serializer):
    question = serializers.CharField(help_text=_("The question's key."))
    answer = AnswerValueField(help_text=_("The answer's key(s)."))
    effect = serializers.ChoiceField(
        choices=[
            "consultant",
            "fractional_cmo",
            "review",
            "advisor",
            "interim_director",
            "full_time_hire",
            "fit",
        ]
    )
    weight = serializers.FloatField(required=False)
    reason = serializers.CharField(help_text=_("In the lead's language."))
    reason_fr = serializers.CharField(required=False)
    reason_en = serializers.CharField(required=False)


class ClassificationSerializer(serializers.Serializer):
    """What the rules computed, as they computed it; ``reviewed_by`` is the person's review."""

    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    confidence = serializers.FloatField(min_value=0, max_value=1)
    needs_review = serializers.BooleanField()
    alternative = serializers.ChoiceField(choices=Alternative.choices, allow_null=True)
    fit_score = serializers.IntegerField(min_value=0, max_value=100)
    fit_grade = serializers.ChoiceField(choices=FitGrade.choices)
    explanation = ExplanationLineSerializer(many=True)
    ruleset_version = serializers.IntegerField()
    reviewed_by = serializers.CharField(
        allow_null=True, help_text=_("Username of the person who reviewed it, or null.")
    )
    reviewed_at = serializers.DateTimeField(allow_null=True)


class OverrideSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    reason = serializers.CharField()
    by = serializers.CharField(allow_null=True, help_text=_("Username, or null."))
    at = serializers.DateTimeField()


class LeadSerializer(serializers.ModelSerializer):
    owner = StaffField(read_only=True, allow_null=True)
    recommendation = serializers.SerializerMethodField(
        help_text=_("In force: the override's when there is one, else the computed one.")
    )
    contact = ContactSerializer(read_only=True)
    company = CompanySerializer(read_only=True)
    answers = serializers.DictField(
        child=AnswerValueField(), read_only=True, help_text=_("Question key to answer key(s).")
    )
    classification = serializers.SerializerMethodField(
        help_text=_("What the rules computed; null while pending.")
    )
    override = serializers.SerializerMethodField(help_text=_("A person's override, or null."))

    class Meta:
        model = Lead
        fields = [
            "id",
            "stage",
            "owner",
            "next_follow_up_at",
            "recommendation",
            "contact",
            "company",
            "answers",
            "classification",
            "override",
            "language",
            "source",
            "lost_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Recommendation.choices, allow_null=True))
    def get_recommendation(self, lead: Lead) -> str | None:
        return lead.recommendation_in_force or None

    @extend_schema_field(ClassificationSerializer(allow_null=True))
    def get_classification(self, lead: Lead) -> dict | None:
        if not lead.classification:
            return None
        computed = dict(lead.classification)
        return {
            "recommendation": computed.get("recommendation", lead.recommendation),
            "confidence": computed.get("confidence", lead.confidence),
            "needs_review": computed.get("needs_review", lead.needs_review),
            "alternative": computed.get("alternative") or None,
            "fit_score": computed.get("fit_score", lead.fit_score),
            "fit_grade": computed.get("fit_grade", lead.fit_grade),
            "explanation": computed.get("explanation", []),
            "ruleset_version": computed.get("ruleset_version", lead.ruleset_version),
            # The person's review is the lead's, not what was stored at computation.
            "reviewed_by": _username(lead.reviewed_by),
            "reviewed_at": lead.reviewed_at,
        }

    @extend_schema_field(OverrideSerializer(allow_null=True))
    def get_override(self, lead: Lead) -> dict | None:
        if not lead.override_recommendation:
            return None
        return OverrideSerializer(
            {
                "recommendation": lead.override_recommendation,
                "reason": lead.override_reason,
                "by": _username(lead.override_by),
                "at": lead.override_at,
            }
        ).data


class OverrideInputSerializer(serializers.Serializer):
    recommendation = serializers.ChoiceField(
        choices=Recommendation.choices,
        allow_null=True,
        allow_blank=True,
        help_text=_("The recommendation to put in force; null (or '') removes the override."),
    )
    reason = serializers.CharField(
        max_length=2000, help_text=_("Why: required to set and to remove an override.")
    )


class LeadUpdateSerializer(serializers.Serializer):
    """``PATCH /api/v1/leads/<id>/``: only the fields given change."""

    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    lost_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Why the lead was lost: required with stage 'lost'."),
    )
    owner = StaffField(required=False, allow_null=True)
    next_follow_up_at = CalendarDateTimeField(required=False, allow_null=True)
    override = OverrideInputSerializer(
        required=False,
        error_messages={
            "null": _(
                # Doubled braces: DRF formats this message.
                'To remove the override, send {{"recommendation": null, "reason": "…"}}: '
                "a removal needs a reason too."
            )
        },
    )

    def validate(self, attrs):
        lead = self.context["lead"]
        stage = attrs.get("stage")
        if stage and stage != lead.stage:
            problem = services.lead_stage_change_problem(
                lead=lead, stage=stage, reason=attrs.get("lost_reason", "")
            )
            if problem:
                field = "lost_reason" if stage == Stage.LOST else "stage"
                raise serializers.ValidationError({field: problem})
        return attrs


class ActivitySerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: CalendarDateTimeField,
    }
    owner = StaffField(
        required=False,
        allow_null=True,
        help_text=_("Username; the author when left out."),
    )

    class Meta:
        model = Activity
        fields = ["id", "kind", "body", "due_at", "done_at", "owner", "created_at"]
        read_only_fields = ["id", "created_at"]


class ApiTokenSerializer(serializers.Serializer):
    """A newly issued staff API token: shown once, keep it safe."""

    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))
    expires_at = serializers.DateTimeField(help_text=_("When it stops working."))
