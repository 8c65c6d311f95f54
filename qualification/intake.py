"""The rules of intake that the web form and the API share, so they can never disagree.

Plain functions over a questionnaire (with its questions and choices prefetched):
validate the answers, clean them, describe them in both languages. Messages come out
in the active language: callers activate the submission's language first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.text import has_control_characters

from .models import Question, Questionnaire

#: The field a person never sees (and a bot fills in). Same name in the form and the API.
HONEYPOT_FIELD = "fax"

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def honeypot_filled(payload: Any) -> bool:
    """Whether the hidden field has anything in it: then the submission is spam."""
    if not isinstance(payload, Mapping):
        return False
    value = payload.get(HONEYPOT_FIELD)
    return value not in (None, "", False) and bool(str(value).strip())


def submission_language(requested: Any, fallback: str | None = None) -> str:
    """``fr`` or ``en``: the asked language when it is one of them, else the fallback, else fr."""
    for candidate in (requested, fallback):
        if isinstance(candidate, str) and candidate[:2].lower() in LANGUAGES:
            return candidate[:2].lower()
    return DEFAULT_LANGUAGE


def _questions(questionnaire: Questionnaire) -> list[Question]:
    return list(questionnaire.questions.all())


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: str) -> str:
    """A posted value as quoted back in a message: short, whatever was sent."""
    return value if len(value) <= 40 else value[:39] + "…"


def _question_errors(question: Question, value: Any) -> list[str]:
    if _is_missing(value):
        return [_("Please answer this question.")] if question.required else []
    if question.kind == Question.Kind.TEXT:
        if not isinstance(value, str):
            return [_("Expected text.")]
        if has_control_characters(value):
            return [
                _(
                    "Remove the invisible control characters from this answer (line breaks "
                    "and tabs are fine)."
                )
            ]
        length = len(value.strip())
        if question.max_length and length > question.max_length:
            return [
                ngettext(
                    "Keep this answer to %(max)d character or fewer (it has %(length)d).",
                    "Keep this answer to %(max)d characters or fewer (it has %(length)d).",
                    question.max_length,
                )
                % {"max": question.max_length, "length": length}
            ]
        return []
    choice_keys = {choice.key for choice in question.choices.all()}
    if question.kind == Question.Kind.SINGLE:
        if not isinstance(value, str):
            return [_("Expected one answer: a choice key, as text.")]
        if value not in choice_keys:
            return [_("“%(value)s” is not one of the choices.") % {"value": _shown(value)}]
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return [_("Expected a list of answers: choice keys, as text.")]
    unknown = [item for item in value if item not in choice_keys]
    if unknown:
        return [
            _("“%(value)s” is not one of the choices.") % {"value": _shown(item)}
            for item in unknown
        ]
    if len(set(value)) != len(value):
        return [_("Each answer can be chosen only once.")]
    if question.required and len(value) < question.min_choices:
        return [
            ngettext(
                "Choose at least %(count)d answer.",
                "Choose at least %(count)d answers.",
                question.min_choices,
            )
            % {"count": question.min_choices}
        ]
    if question.max_choices and len(value) > question.max_choices:
        return [
            ngettext(
                "Choose at most %(count)d answer.",
                "Choose at most %(count)d answers.",
                question.max_choices,
            )
            % {"count": question.max_choices}
        ]
    return []


def validate_answers(
    answers: Mapping[str, Any], questionnaire: Questionnaire
) -> dict[str, list[str]]:
    """Field-level errors keyed by question key (or by the unknown key); empty when valid.

    Every question but the optional ones must be answered; a key that is not a
    question, a choice that is not offered, too few or too many choices and text
    that is too long are each reported on their own key.
    """
    questions = _questions(questionnaire)
    known = {question.key for question in questions}
    errors: dict[str, list[str]] = {}
    for key in answers:
        if key not in known:
            errors[str(key)] = [_("This question is not part of the questionnaire.")]
    for question in questions:
        messages = _question_errors(question, answers.get(question.key))
        if messages:
            errors[question.key] = messages
    return errors


def clean_answers(answers: Mapping[str, Any], questionnaire: Questionnaire) -> dict[str, Any]:
    """Valid answers as stored: questionnaire order, choices in their order, text trimmed,
    unanswered optional questions left out."""
    cleaned: dict[str, Any] = {}
    for question in _questions(questionnaire):
        value = answers.get(question.key)
        if _is_missing(value) or value == []:
            continue
        if question.kind == Question.Kind.TEXT:
            cleaned[question.key] = value.strip()
        elif question.kind == Question.Kind.MULTIPLE:
            order = [choice.key for choice in question.choices.all()]
            cleaned[question.key] = sorted(value, key=order.index)
        else:
            cleaned[question.key] = value
    return cleaned


def answers_display(answers: Mapping[str, Any], questionnaire: Questionnaire) -> list[dict]:
    """The answers as people read them, in both languages, in questionnaire order:
    ``[{"key", "question": {"fr", "en"}, "answer": {"fr", "en"}}]``."""
    rows = []
    for question in _questions(questionnaire):
        value = answers.get(question.key)
        if _is_missing(value) or value == []:
            continue
        if question.kind == Question.Kind.TEXT:
            answer = {"fr": value, "en": value}
        else:
            chosen = value if isinstance(value, list) else [value]
            labels = [choice for choice in question.choices.all() if choice.key in chosen]
            answer = {
                language: "; ".join(choice.label(language) for choice in labels)
                for language in LANGUAGES
            }
        rows.append(
            {
                "key": question.key,
                "question": {language: question.label(language) for language in LANGUAGES},
                "answer": answer,
            }
        )
    return rows
