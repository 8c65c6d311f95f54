"""HTTP in and out for the public API. The rules of the answers live in ``intake``."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.text import without_control_characters

from . import consent
from .app_settings import app_settings
from .intake import HONEYPOT_FIELD, LANGUAGES, validate_answers
from .models import Question, Questionnaire
from .prospect.links import link_request_url
from .prospect.outcome import next_step, prospect_result


class TruncatedCharField(serializers.CharField):
    """Tracking data is never a reason to lose a lead: too long is cut, not refused."""

    def __init__(self, *, keep: int, **kwargs):
        self.keep = keep
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # Control characters are removed, never a reason to refuse (see crm.text).
        return without_control_characters(super().to_internal_value(data), allowed=frozenset())[
            : self.keep
        ]

    def validate_empty_values(self, data):
        is_empty, value = super().validate_empty_values(data)
        return is_empty, ("" if value is None else value)


def single_line(value: str) -> None:
    """Names and addresses end up in e-mail headers and CSV cells: no line breaks in them."""
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise serializers.ValidationError(
            _("Keep this on one line, without line breaks or control characters.")
        )


class LineField(serializers.CharField):
    """One line of text, sent as a JSON string (not a number or a boolean)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        single_line(data)
        return super().to_internal_value(data)


class LineEmailField(LineField, serializers.EmailField):
    pass


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know: a typo or a forged field is an error, never dropped
    in silence."""

    default_error_messages = {"unknown": _("This field is not part of the submission.")}

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            message = self.error_messages["unknown"]
            unknown = {str(key): [message] for key in data if key not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def _optional(max_length: int) -> serializers.CharField:
    return LineField(max_length=max_length, required=False, allow_blank=True, default="")


def _required(field_class, max_length: int, missing: str, **error_messages) -> serializers.Field:
    """A field that must be filled, saying ``missing`` when it is absent or blank."""
    return field_class(
        max_length=max_length,
        error_messages={"required": missing, "blank": missing, **error_messages},
    )


class ContactInSerializer(StrictSerializer):
    first_name = _required(LineField, 100, _("Please enter your first name."))
    last_name = _optional(100)
    email = _required(
        LineEmailField,
        254,
        _("Please enter your e-mail address."),
        invalid=_("Enter a valid e-mail address, such as name@example.com."),
    )
    phone = _optional(40)
    job_title = _optional(150)


class CompanyInSerializer(StrictSerializer):
    name = _required(LineField, 200, _("Please enter your company's name."))
    website = _optional(300)

    def validate_website(self, value: str) -> str:
        if not value:
            return value
        # People type "example.com": that is a web address too.
        if "://" not in value:
            value = f"https://{value}"
        try:
            URLValidator(schemes=["http", "https"])(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                _("Enter a valid web address, such as example.com.")
            ) from exc
        if len(value) > 300:
            raise serializers.ValidationError(
                _("Ensure this field has no more than {max_length} characters.").format(
                    max_length=300
                )
            )
        return value


class JSONBooleanField(serializers.BooleanField):
    """A consent is JSON ``true`` or ``false``: nothing else (``"yes"``, ``1``, ``"on"``) is
    taken as agreeing to anything."""

    default_error_messages = {"invalid": _("Send true or false (a JSON boolean).")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


class LanguageField(LineField):
    """``fr`` or ``en`` (a regional tag such as ``fr-CA`` counts as its language); left out
    or empty, the Accept-Language header decides. Any other value is refused."""

    default_error_messages = {"unknown": _("Use fr (French) or en (English).")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        primary = value.replace("_", "-").split("-", 1)[0].lower()
        if value and primary not in LANGUAGES:
            self.fail("unknown")
        return primary if value else value


class ConsentInSerializer(StrictSerializer):
    contact = JSONBooleanField(
        help_text="Must be true: the prospect agrees to be contacted about this request.",
        error_messages={"required": _("Please agree to be contacted so we can reply to you.")},
    )
    marketing = JSONBooleanField(
        required=False,
        default=False,
        help_text="Optional, false unless the prospect ticked it: marketing e-mails (CASL).",
    )

    def validate_contact(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Please agree to be contacted so we can reply to you.")
            )
        return value


class SourceInSerializer(serializers.Serializer):
    """Lenient on purpose: other tracking keys (``utm_term``...) are ignored, as tracking
    data is never a reason to lose a lead."""

    utm_source = TruncatedCharField(keep=200)
    utm_medium = TruncatedCharField(keep=200)
    utm_campaign = TruncatedCharField(keep=200)
    referrer = TruncatedCharField(keep=500)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        },
        "example": {"needs": ["align_strategy", "structure_team"], "horizon": "ongoing"},
    }
)
class AnswersField(serializers.Field):
    """The answers, keyed by question key, checked against the current questionnaire."""

    default_error_messages = {
        "not_a_dict": _("Expected an object: the answers keyed by question."),
    }

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            self.fail("not_a_dict")
        errors = validate_answers(data, self.context["questionnaire"])
        if errors:
            raise serializers.ValidationError(errors)
        return dict(data)

    def to_representation(self, value):
        return value


#: The nested objects that may be left out: an absent one is checked as empty, so that
#: every missing field gets its own message at once.
_NESTED = ("contact", "company", "answers", "consent", "source")


class SubmissionInSerializer(StrictSerializer):
    """A questionnaire as answered on the web form or posted by a partner site."""

    # Needs context={"questionnaire": <Questionnaire with its questions prefetched>}.

    language = LanguageField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=20,
        help_text="fr or en; otherwise the Accept-Language header decides, else fr.",
    )
    contact = ContactInSerializer()
    company = CompanyInSerializer()
    answers = AnswersField()
    consent = ConsentInSerializer()
    source = SourceInSerializer(required=False)
    # The honeypot (``intake.HONEYPOT_FIELD``); the view sets spam aside before validating.
    fax = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Honeypot: leave it out or empty. Filled in, the submission is kept as spam.",
    )

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            data = {**data, **{key: {} for key in _NESTED if data.get(key) is None}}
        return super().to_internal_value(data)


class SubmissionReceiptSerializer(serializers.Serializer):
    """The ``202`` body: the submission is stored and waits to be classified."""

    id = serializers.UUIDField()
    status = serializers.CharField(help_text="Always pending at this point.")


class AlternativeOutSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["advisor", "interim_director", "full_time_hire"])
    label = serializers.CharField()
    description = serializers.CharField()


class NextStepOutSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["booking", "resource", "write"],
        help_text=(
            "booking: the practice's booking page (url); resource: something to read "
            "(url); write: the practice will write to the prospect (no url)."
        ),
    )
    url = serializers.CharField(
        allow_blank=True,
        help_text="Without the prospect's name and address (the thank-you page fills them in).",
    )


class NoticeOutSerializer(serializers.Serializer):
    text = serializers.CharField(
        help_text="The notice of Law 25 s.12.1: the recommendation was made by automated "
        "processing, and what the person may ask for."
    )
    review_url = serializers.CharField(
        help_text="Where the person asks for their private page, to ask for a review, see "
        "or correct their information."
    )


class SubmissionStatusSerializer(serializers.Serializer):
    """Where a submission stands and, once classified (and unless the practice hides it),
    its result as the prospect reads it, in the submission's language."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["pending", "classified", "failed"])
    recommendation = serializers.SerializerMethodField(
        help_text="Null unless the practice shows the result to prospects and it is computed."
    )
    alternative = serializers.SerializerMethodField(
        help_text="Another model that may suit the prospect, when there is one."
    )
    reasons = serializers.SerializerMethodField(
        help_text="Three to five sentences of the explanation that weighed most."
    )
    notice = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField()

    def _result(self, view):
        cache = self.context.setdefault("_results", {})
        if view.id not in cache:
            cache[view.id] = (
                prospect_result(
                    recommendation=view.recommendation,
                    alternative=view.alternative,
                    explanation=view.explanation,
                    fit_grade=view.fit_grade,
                    language=view.language,
                )
                if view.recommendation
                else None
            )
        return cache[view.id]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "key": {"type": "string", "enum": ["consultant", "fractional_cmo"]},
                "label": {"type": "string"},
                "description": {"type": "string"},
            },
        }
    )
    def get_recommendation(self, view) -> dict | None:
        if not view.recommendation:
            return None
        return {
            "key": view.recommendation,
            "label": view.recommendation_label,
            "description": view.recommendation_description,
        }

    @extend_schema_field(AlternativeOutSerializer(allow_null=True))
    def get_alternative(self, view) -> dict | None:
        result = self._result(view)
        if result is None or not result.alternative:
            return None
        return {
            "key": result.alternative,
            "label": result.alternative_label,
            "description": result.alternative_description,
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons(self, view) -> list[str]:
        result = self._result(view)
        return list(result.reasons) if result is not None else []

    @extend_schema_field(NoticeOutSerializer(allow_null=True))
    def get_notice(self, view) -> dict | None:
        result = self._result(view)
        if result is None:
            return None
        return {"text": result.notice, "review_url": link_request_url(lang=view.language)}

    @extend_schema_field(NextStepOutSerializer)
    def get_next_step(self, view) -> dict:
        step = next_step(fit_grade=view.fit_grade)
        return {"kind": step.kind, "url": step.url}


class ChoiceOutSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.SerializerMethodField()

    def get_label(self, choice) -> str:
        return choice.label(self.context["language"])


class QuestionOutSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    section = serializers.CharField()
    label = serializers.SerializerMethodField()
    help = serializers.SerializerMethodField()
    required = serializers.BooleanField()
    min_choices = serializers.IntegerField()
    max_choices = serializers.IntegerField()
    max_length = serializers.IntegerField(allow_null=True)
    choices = ChoiceOutSerializer(many=True, source="choices.all")

    def get_label(self, question) -> str:
        return question.label(self.context["language"])

    def get_help(self, question) -> str:
        return question.help_text(self.context["language"])


class QuestionnaireOutSerializer(serializers.Serializer):
    """The current questionnaire in one language, so another site can render the form."""

    version = serializers.IntegerField()
    language = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    questions = QuestionOutSerializer(many=True, source="questions.all")
    consent = serializers.SerializerMethodField(
        help_text="The exact wording to show beside each consent checkbox, and its version."
    )
    privacy_notice = serializers.SerializerMethodField()
    honeypot_field = serializers.SerializerMethodField(
        help_text="A field to render hidden from people and leave empty."
    )

    def get_language(self, questionnaire: Questionnaire) -> str:
        return self.context["language"]

    def get_title(self, questionnaire: Questionnaire) -> str:
        return questionnaire.title(self.context["language"])

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_consent(self, questionnaire: Questionnaire) -> dict:
        language = self.context["language"]
        return {
            purpose: {"version": wording.version, "text": wording.render(language)}
            for purpose, wording in consent.WORDINGS.items()
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_privacy_notice(self, questionnaire: Questionnaire) -> dict:
        wording = consent.PRIVACY_NOTICE
        language = self.context["language"]
        return {
            "version": wording.version,
            "text": wording.render(language),
            "details": consent.collection_notice(language),
            "policy_url": app_settings.PRIVACY_POLICY_URL,
        }

    def get_honeypot_field(self, questionnaire: Questionnaire) -> str:
        return HONEYPOT_FIELD
