"""The questionnaire as a web form, built from the questionnaire's rows.

The form only presents: its fields accept whatever is posted, and ``clean()`` hands
the same payload the API takes to ``submission_validate``, then puts its errors
back on the fields. So the page and the API can never judge a submission differently.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import consent
from .app_settings import app_settings
from .fast_validation import submission_validate
from .intake import HONEYPOT_FIELD, honeypot_filled
from .models import Question, Questionnaire

SECTION_TITLES = {
    "need": _("Your needs"),
    "role": _("The role you have in mind"),
    "company": _("Your company"),
    "project": _("Your project"),
}
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")
COMPANY_FIELDS = {"company_name": "name", "company_website": "website"}
SOURCE_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "referrer")


class ChoiceKeysField(forms.Field):
    """Ticked boxes as a list of choice keys; which keys are allowed is checked in ``intake``."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        return [str(item) for item in value]


def _text(label, *, autocomplete: str, input_type: str = "text", **attrs) -> forms.CharField:
    widget_attrs = {"autocomplete": autocomplete, **attrs}
    if input_type == "email":
        widget = forms.EmailInput(attrs=widget_attrs)
    else:
        widget = forms.TextInput(attrs={"type": input_type, **widget_attrs})
    return forms.CharField(label=label, required=False, widget=widget)


#: The name of the language switch's button on the questionnaire page (see ``initial_from``).
SWITCH_LANGUAGE = "switch_language"


def _labelled(label: str, message: str) -> str:
    label = label.strip()
    if label[-1:] in ("?", "!", ":", "."):
        return f"{label} {message}"
    return gettext("%(label)s: %(message)s") % {"label": label, "message": message}


@dataclass
class FieldBlock:
    """One field as the template draws it, with the ids that tie its help and errors to it."""

    field: BoundField
    kind: str  # "single", "multiple", "text" (a question's kind), "input" or "checkbox"
    optional: bool = False
    widget: str = ""
    options: list = field(default_factory=list)

    @property
    def help_id(self) -> str:
        return f"{self.field.auto_id}_helptext"

    @property
    def error_id(self) -> str:
        return f"{self.field.auto_id}_error"

    @property
    def described_by(self) -> str:
        ids = []
        if self.field.help_text:
            ids.append(self.help_id)
        if self.field.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def anchor(self) -> str:
        """Where the error summary links to: the field, or a group's first option."""
        if self.options:
            return self.options[0].id_for_label
        return self.field.auto_id

    @property
    def is_group(self) -> bool:
        return self.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)


@dataclass
class Section:
    title: str
    blocks: list[FieldBlock]
    intro: str = ""
    #: The collection notice's elements under the intro (the consent section).
    notice: list[str] = field(default_factory=list)
    policy_url: str = ""


class QuestionnaireForm(forms.Form):
    first_name = _text(_("First name"), autocomplete="given-name", maxlength=100)
    last_name = _text(_("Last name"), autocomplete="family-name", maxlength=100)
    email = _text(_("E-mail address"), autocomplete="email", input_type="email", maxlength=254)
    phone = _text(_("Phone"), autocomplete="tel", input_type="tel", maxlength=40)
    job_title = _text(_("Job title"), autocomplete="organization-title", maxlength=150)
    company_name = _text(_("Company name"), autocomplete="organization", maxlength=200)
    company_website = _text(
        _("Company website"), autocomplete="url", inputmode="url", maxlength=300
    )
    consent_contact = forms.BooleanField(required=False)
    consent_marketing = forms.BooleanField(required=False)
    utm_source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    referrer = forms.CharField(required=False, widget=forms.HiddenInput)
    # A fresh one on each blank form: posting the same form twice stores it once.
    submission_token = forms.CharField(required=False, widget=forms.HiddenInput)
    # The person's private-page link when they correct their answers from it (issue 12).
    correction = forms.CharField(required=False, widget=forms.HiddenInput)
    # The honeypot: kept off-screen and out of the tab order by the template.
    fax = forms.CharField(
        label=_("Fax (leave this field empty)"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    optional_fields = ("last_name", "phone", "job_title", "company_website")

    def __init__(self, *args, questionnaire: Questionnaire, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.language = language
        self.questions = list(questionnaire.questions.all())
        for question in self.questions:
            self.fields[question.key] = self._field_for(question)
        self.fields["consent_contact"].label = consent.CONTACT.render(language)
        self.fields["consent_marketing"].label = consent.MARKETING.render(language)
        self.validated_data: dict[str, Any] | None = None

    def _field_for(self, question: Question) -> forms.Field:
        language = self.language
        options = {
            "label": question.label(language),
            "help_text": question.help_text(language),
            "required": False,
        }
        choices = [(choice.key, choice.label(language)) for choice in question.choices.all()]
        if question.kind == Question.Kind.MULTIPLE:
            return ChoiceKeysField(widget=forms.CheckboxSelectMultiple(choices=choices), **options)
        if question.kind == Question.Kind.SINGLE:
            return forms.CharField(widget=forms.RadioSelect(choices=choices), **options)
        attrs = {"rows": 6}
        if question.max_length:
            attrs["maxlength"] = question.max_length
        return forms.CharField(widget=forms.Textarea(attrs=attrs), **options)

    @classmethod
    def blank_initial(cls, query: Any, referrer: str = "") -> dict[str, str]:
        """A new form's hidden values: where the prospect came from and a fresh token."""
        initial = {name: query.get(name, "")[:200] for name in SOURCE_FIELDS[:3]}
        initial["referrer"] = referrer[:500]
        initial["submission_token"] = uuid.uuid4().hex
        return initial

    # --- validation: all of it in submission_validate -------------------------------

    def payload(self) -> dict[str, Any]:
        """What the form posted, shaped as the API takes it (``api.md``)."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        for question in self.questions:
            value = data.get(question.key)
            if isinstance(value, str):
                # Browsers send line breaks as CRLF; count them as one character.
                value = value.replace("\r\n", "\n").strip()
            if value not in (None, "", []):
                answers[question.key] = value
        payload = {
            "language": self.language,
            "contact": {name: data.get(name, "") for name in CONTACT_FIELDS},
            "company": {key: data.get(name, "") for name, key in COMPANY_FIELDS.items()},
            "answers": answers,
            "consent": {
                "contact": bool(data.get("consent_contact")),
                "marketing": bool(data.get("consent_marketing")),
            },
            "source": {name: data.get(name, "") for name in SOURCE_FIELDS},
        }
        if data.get(HONEYPOT_FIELD):
            payload[HONEYPOT_FIELD] = data[HONEYPOT_FIELD]
        return payload

    def clean(self):
        validated, errors = submission_validate(self.payload(), questionnaire=self.questionnaire)
        if validated is not None:
            self.validated_data = validated
        else:
            for name, message in self._field_errors(errors):
                self.add_error(name, message)
        return self.cleaned_data

    def _field_errors(self, errors: dict) -> Iterator[tuple[str | None, str]]:
        """The serializer's nested errors, each on the form field that holds that value."""
        for part, detail in errors.items():
            if not isinstance(detail, dict):
                for message in detail:
                    yield None, str(message)
                continue
            for key, messages in detail.items():
                name = self._field_name(part, key)
                for message in messages if isinstance(messages, list) else [messages]:
                    yield name, str(message)

    def _field_name(self, part: str, key: str) -> str | None:
        if part == "contact" and key in CONTACT_FIELDS:
            return key
        if part == "company":
            return {value: name for name, value in COMPANY_FIELDS.items()}.get(key)
        if part == "consent" and key in ("contact", "marketing"):
            return f"consent_{key}"
        if part == "answers" and key in {question.key for question in self.questions}:
            return key
        return None

    def posted(self) -> dict[str, list[str]]:
        """What was posted, as the idempotency fingerprint sees it: every field but the
        form's own tokens."""
        return {
            name: values
            for name, values in sorted(self.data.lists())
            if name not in ("csrfmiddlewaretoken", "submission_token")
        }

    def is_spam(self) -> bool:
        return honeypot_filled(self.data)

    @property
    def idempotency_key(self) -> str | None:
        """The blank form's token, namespaced apart from API keys, if it looks like one."""
        token = str(self.data.get("submission_token", ""))
        try:
            return f"form:{uuid.UUID(hex=token).hex}"
        except ValueError:
            return None

    # --- presentation -------------------------------------------------------------------

    @property
    def title(self) -> str:
        return self.questionnaire.title(self.language)

    #: Consents the prospect may leave unticked (the contact consent is needed to reply).
    optional_consents = ("consent_marketing",)

    def _block(self, name: str, kind: str, *, optional: bool | None = None) -> FieldBlock:
        """How field ``name`` is drawn. A required field says so to assistive technology:
        ``aria-required`` on a text field or a checkbox, ``required`` on a group's radio
        buttons (a radio group is required when one of its buttons is); a group of
        checkboxes says it in its legend (no ARIA attribute fits a group of checkboxes).
        The form posts with ``novalidate``: the server judges, in the page's language."""
        bound = self[name]
        if optional is None:
            optional = name in self.optional_fields or name in self.optional_consents
        block = FieldBlock(field=bound, kind=kind, optional=optional)
        if block.is_group:
            if kind == Question.Kind.SINGLE and not optional:
                bound.field.widget.attrs["required"] = True
            block.options = list(bound.subwidgets)
        else:
            attrs = {"aria-describedby": block.described_by} if block.described_by else {}
            if not optional:
                attrs["aria-required"] = "true"
            block.widget = bound.as_widget(attrs=attrs)
        return block

    @classmethod
    def initial_from(cls, data: Any) -> dict[str, Any]:
        """What a posted form held, as the initial values of a new, unjudged one (the
        language switch keeps what was typed and ticked, with no error shown yet)."""
        return {
            name: data.getlist(name) if len(data.getlist(name)) > 1 else data.get(name)
            for name in data
            if name not in ("csrfmiddlewaretoken", SWITCH_LANGUAGE)
        }

    def sections(self) -> list[Section]:
        """The page, in order: the questions by section, then the contact details and consent."""
        sections: list[Section] = []
        by_title: dict[str, Section] = {}
        for question in self.questions:
            title = str(SECTION_TITLES.get(question.section, _("Other questions")))
            if title not in by_title:
                by_title[title] = Section(title=title, blocks=[])
                sections.append(by_title[title])
            block = self._block(question.key, question.kind, optional=not question.required)
            by_title[title].blocks.append(block)
        contact_names = [*CONTACT_FIELDS, *COMPANY_FIELDS]
        sections.append(
            Section(
                title=str(_("How to reach you")),
                blocks=[self._block(name, "input") for name in contact_names],
            )
        )
        sections.append(
            Section(
                title=str(_("Your consent")),
                intro=consent.PRIVACY_NOTICE.render(self.language),
                notice=consent.collection_notice(self.language),
                policy_url=app_settings.PRIVACY_POLICY_URL,
                blocks=[
                    self._block("consent_contact", "checkbox"),
                    self._block("consent_marketing", "checkbox"),
                ],
            )
        )
        return sections

    def error_summary(self) -> list[tuple[str, str]]:
        """``(anchor id, text)`` for the list at the top of the page: the field's label
        and its message (``Company name: Please enter...``; a label that ends with its
        own punctuation, a question, takes no colon after it)."""
        if not self.is_bound or not self.errors:
            return []
        summary = [("", str(message)) for message in self.non_field_errors()]
        for section in self.sections():
            for block in section.blocks:
                label = block.field.label
                if block.kind == "checkbox":
                    label = _("Consent")
                for message in block.field.errors:
                    summary.append((block.anchor, _labelled(str(label), str(message))))
        return summary
