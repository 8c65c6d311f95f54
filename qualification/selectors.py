"""Reads of the qualification app that are more than a ``.get``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Max, Prefetch
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import scoring
from .app_settings import app_settings
from .idempotency import remembered_since
from .models import Choice, Classification, Question, Questionnaire, Ruleset, Submission

#: How the recommendation is named and explained to a prospect (not the staff's words).
PROSPECT_RECOMMENDATIONS = {
    "consultant": (
        _("A marketing consultant"),
        _(
            "A marketing consultant takes on a precise, time-limited mandate: solving a "
            "specific problem, launching a campaign, tuning a channel or setting up a tool. "
            "They deliver, then step out."
        ),
    ),
    "fractional_cmo": (
        _("A fractional CMO"),
        _(
            "A fractional CMO acts as your marketing vice-president, part time: they join "
            "your leadership team, align marketing with your business goals, structure and "
            "develop your team, and build for lasting growth."
        ),
    ),
}


def _with_questions():
    return Questionnaire.objects.prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position")),
        Prefetch("questions__choices", queryset=Choice.objects.order_by("position")),
    )


#: Questionnaires with their questions and choices, read once per process and version.
#: Keyed by (id, version, updated_at): the admin edits a questionnaire's own fields only
#: (which moves updated_at), and a changed questionnaire is a new version.
_QUESTIONNAIRES: dict[tuple, Questionnaire] = {}
#: The current one and until when (monotonic clock) it is trusted without a query, as
#: one tuple replaced whole (threads of one process read it without a lock).
_current: tuple[float, Questionnaire | None] = (0.0, None)


def questionnaire_current() -> Questionnaire | None:
    """The published questionnaire of the highest version, questions and choices prefetched.

    A public post asks for it each time: the answer is trusted for
    ``QUALIFICATION_QUESTIONNAIRE_CACHE_SECONDS`` (then one small query to check the
    version); the questions and choices come from this process's cache of that version.
    """
    global _current
    ttl = app_settings.QUESTIONNAIRE_CACHE_SECONDS
    until, cached = _current
    if ttl and until > time.monotonic():
        return cached
    key = (
        Questionnaire.objects.filter(is_published=True)
        .order_by("-version")
        .values_list("pk", "version", "updated_at")
        .first()
    )
    questionnaire = None if key is None else _QUESTIONNAIRES.get(key)
    if key is not None and questionnaire is None:
        questionnaire = _with_questions().filter(pk=key[0]).first()
        if questionnaire is None:
            return None
        if len(_QUESTIONNAIRES) >= 8:
            _QUESTIONNAIRES.clear()
        _QUESTIONNAIRES[key] = questionnaire
    if ttl:
        _current = (time.monotonic() + ttl, questionnaire)
    return questionnaire


def questionnaires_forget(**_kwargs) -> None:
    """Read questionnaires from the database again (connected to their saves)."""
    global _current
    _current = (0.0, None)
    _QUESTIONNAIRES_BY_ID.clear()


_QUESTIONNAIRES_BY_ID: dict[int, Questionnaire] = {}


def questionnaire_by_id(pk: int) -> Questionnaire:
    """A questionnaire with its questions and choices, read once per process.

    For labelling stored answers: a published questionnaire's questions and choices
    do not change (a changed questionnaire is a new version).
    """
    questionnaire = _QUESTIONNAIRES_BY_ID.get(pk)
    if questionnaire is None:
        questionnaire = _with_questions().get(pk=pk)
        if len(_QUESTIONNAIRES_BY_ID) >= 8:
            _QUESTIONNAIRES_BY_ID.clear()
        _QUESTIONNAIRES_BY_ID[pk] = questionnaire
    return questionnaire


def submission_by_idempotency_key(*, key: str, scope: str) -> Submission | None:
    """The submission this client (``scope``) stored with this key while keys are
    remembered, or None (see :mod:`qualification.idempotency`)."""
    return Submission.objects.filter(
        idempotency_scope=scope, idempotency_key=key, created_at__gte=remembered_since()
    ).first()


@dataclass(frozen=True)
class ProspectView:
    """What the prospect may see of their submission.

    ``name`` and ``email`` are what they typed (to fill in the booking link); the
    result fields are empty unless the result is shown (see
    :func:`submission_for_prospect`).
    """

    id: uuid.UUID
    status: str
    language: str
    recommendation: str | None = None
    recommendation_label: str | None = None
    recommendation_description: str | None = None
    alternative: str | None = None
    explanation: tuple = ()
    fit_grade: str = ""
    name: str = ""
    email: str = ""


def submission_for_prospect(*, public_id: uuid.UUID) -> ProspectView | None:
    """The submission as its sender may see it, or None when there is no such submission.

    Spam looks pending forever (a bot learns nothing). The result shows only when
    ``QUALIFICATION_SHOW_RESULT_TO_PROSPECT`` is on (the default) and the submission is
    classified: for the lead's own answers, the result in force on the lead (a person's
    override included); for a later post by an address already known, its own
    classification, never the lead's. Labels are in the submission's language.
    """
    submission = Submission.objects.select_related("lead").filter(public_id=public_id).first()
    if submission is None:
        return None
    status = submission.status
    if status == Submission.Status.SPAM:
        status = Submission.Status.PENDING
    contact = (submission.details or {}).get("contact") or {}
    name = " ".join(
        part for part in (contact.get("first_name", ""), contact.get("last_name", "")) if part
    )
    view = ProspectView(
        id=submission.public_id,
        status=status,
        language=submission.language,
        name=name,
        email=contact.get("email", ""),
    )
    if status != Submission.Status.CLASSIFIED or submission.lead is None:
        return view
    own = (
        Classification.objects.filter(submission=submission)
        .order_by("-pk")
        .values("recommendation", "alternative", "explanation", "fit_grade")
        .first()
    )
    if submission.answers_adopted:
        lead = submission.lead
        stored = lead.classification or {}
        result = {
            "recommendation": lead.recommendation_in_force,
            "alternative": lead.alternative or None,
            "explanation": stored.get("explanation") or (own or {}).get("explanation") or [],
            "fit_grade": lead.fit_grade,
        }
    elif own is not None:
        # A later post for a known address shows its own result, never the lead's (which
        # may hold a person's override about someone else's answers).
        result = {**own, "alternative": own["alternative"] or None}
    else:
        return view
    # The grade chooses the next step (the booking link), shown even when the result is not.
    view = replace(view, fit_grade=result["fit_grade"] or "")
    recommendation = result["recommendation"]
    if not app_settings.SHOW_RESULT_TO_PROSPECT or recommendation not in PROSPECT_RECOMMENDATIONS:
        return view
    label, description = PROSPECT_RECOMMENDATIONS[recommendation]
    with translation.override(submission.language):
        return replace(
            view,
            recommendation=recommendation,
            recommendation_label=str(label),
            recommendation_description=str(description),
            alternative=result["alternative"],
            explanation=tuple(result["explanation"] or ()),
        )


# --- Classification: rulesets and the submissions they score --------------------------


def ruleset_get_current() -> Ruleset | None:
    """The ruleset in force: the published one with the highest version."""
    return Ruleset.objects.filter(status=Ruleset.Status.PUBLISHED).order_by("-version").first()


def ruleset_get_published(*, version: int | None = None) -> Ruleset:
    """Published ruleset ``version`` (the current one when None). Raises Ruleset.DoesNotExist."""
    if version is None:
        ruleset = ruleset_get_current()
        if ruleset is None:
            raise Ruleset.DoesNotExist("No ruleset is published.")
        return ruleset
    return Ruleset.objects.get(version=version, status=Ruleset.Status.PUBLISHED)


def ruleset_compiled(ruleset: Ruleset) -> scoring.CompiledRuleset:
    """The ruleset's weights compiled for scoring, cached per process.

    Published versions never change, so the version is their key; a draft's key also
    carries its last update so an edited draft is compiled again.
    """
    if ruleset.status == Ruleset.Status.PUBLISHED:
        key: tuple = ("published", ruleset.version)
    else:
        key = ("draft", ruleset.pk, ruleset.updated_at)
    return scoring.compile_ruleset(ruleset.weights, version=ruleset.version, cache_key=key)


def ruleset_current_for_scoring() -> tuple[int, int, scoring.CompiledRuleset] | None:
    """``(id, version, compiled)`` of the current ruleset, or None if none is published.

    Cheap on the hot path: reads two columns, and the weights only when this process
    has not compiled that version yet.
    """
    row = (
        Ruleset.objects.filter(status=Ruleset.Status.PUBLISHED)
        .order_by("-version")
        .values_list("pk", "version")
        .first()
    )
    if row is None:
        return None
    pk, version = row
    compiled = scoring.compiled_in_cache(("published", version))
    if compiled is None:
        compiled = ruleset_compiled(Ruleset.objects.get(pk=pk))
    return pk, version, compiled


def questionnaire_answer_keys() -> dict[str, frozenset[str]]:
    """Question key -> its choice keys, over every questionnaire version, to check rulesets."""
    keys: dict[str, set[str]] = {}
    for questionnaire in Questionnaire.objects.prefetch_related("questions__choices"):
        for question in questionnaire.questions.all():
            keys.setdefault(question.key, set()).update(c.key for c in question.choices.all())
    return {key: frozenset(choices) for key, choices in keys.items() if choices}


def submissions_latest_per_lead(*, lead_ids: Iterable[int]) -> dict[int, int]:
    """Lead id -> id of its latest submission whose answers are the lead's (leads without one
    are left out)."""
    return dict(
        Submission.objects.filter(lead_id__in=list(lead_ids), answers_adopted=True)
        .exclude(status=Submission.Status.SPAM)
        .values("lead_id")
        .annotate(latest=Max("id"))
        .values_list("lead_id", "latest")
    )
