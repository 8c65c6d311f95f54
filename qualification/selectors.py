"""Reads of the qualification app that are more than a ``.get``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max

from . import scoring
from .models import Questionnaire, Ruleset, Submission

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
    """Lead id -> id of its latest submission that is not spam (leads without one are left out)."""
    return dict(
        Submission.objects.filter(lead_id__in=list(lead_ids))
        .exclude(status=Submission.Status.SPAM)
        .values("lead_id")
        .annotate(latest=Max("id"))
        .values_list("lead_id", "latest")
    )
