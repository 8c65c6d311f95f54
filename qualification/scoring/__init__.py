"""Consultant or fractional CMO? Answers in, outcome out. Plain Python, no Django.

How a lead is read (the practice's seed document, ``rulesets/v1.json`` for the numbers):

* **Sides.** Every answer listed under ``signals`` adds its ``weight`` of evidence to
  one side, ``consultant`` (a precise, tactical, time-limited mandate: execute, then
  leave) or ``fractional_cmo`` (a part-time marketing VP who joins the leadership,
  represents the company, supervises and develops the team, builds for the long term).
  The structural answers weigh most (role, horizon, the marketing leader's seat,
  representing, supervising), then the needs (each chosen need counts), then the state
  of the strategy and the size of the team. The larger side is the recommendation;
  on a tie, the side of the single heaviest answer.
* **Confidence** is the margin over the total evidence, ``|C - M| / (C + M)``,
  multiplied by ``review.contradiction_confidence_factor`` when a contradiction fires.
* **Review.** ``needs_review`` when confidence is below ``review.confidence_below`` or
  when a ``contradictions`` rule matches (a leadership seat for a few weeks or a few
  days, supervising the team while only executing a mandate, strategic needs over a
  few weeks, representing the company for a few days, no end but a few days in total,
  occasional advice with a heavy presence or a team to supervise).
* **Alternative.** The first ``alternatives`` rule that matches, from the seed's
  comparison table: full time with no predictable end is a ``full_time_hire``; an
  empty leadership seat for a known period, three or more days a week, an
  ``interim_director``; occasional advice without execution, an ``advisor``. It is
  extra: the recommendation stays the closer of consultant and fractional CMO.
* **Fit** (0-100) adds points for budget (30), authority (20), timeline (15) and size
  (employees 8, revenue 7), plus need (20 x confidence; a fractional CMO whose budget
  cannot pay one, or an answer pointing to another model, gets a fraction of it).
  Grades: ``A`` >= 80, ``B`` >= 60, ``C`` >= 40, else ``D`` (``fit.grades``).
  A scenario's ``fit`` level maps to grades as :data:`FIT_LEVEL_GRADES`:
  ``high`` -> A or B, ``medium`` -> B or C, ``low`` -> C or D.
* **Explanation.** The answers that weighed most for the recommendation (up to
  ``explanation.max_supporting``), the strongest one against it, every contradiction,
  the alternative and the budget's effect on fit: at least three factors, each with
  its effect and a one-line reason in French and English (``reason`` is the lead's).

A ruleset is compiled once into lookup tables (:func:`compile_ruleset`, cached by a
key such as the version), so :meth:`CompiledRuleset.score` is dict lookups and a few
additions: tens of thousands of leads a second on one core.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

from .base import (
    ALTERNATIVES,
    BALANCED,
    CONSULTANT,
    FIT_EFFECT,
    FIT_LEVEL_GRADES,
    FRACTIONAL_CMO,
    GRADES,
    LANGUAGES,
    LEAN_SUFFIX,
    REVIEW_EFFECT,
    RULESETS_DIR,
    SIDES,
    Outcome,
    RulesetError,
)
from .compiled import CompiledRuleset
from .validation import validate_ruleset

# --- Entry points --------------------------------------------------------------------

_CACHE: OrderedDict[Hashable, CompiledRuleset] = OrderedDict()
_CACHE_SIZE = 32


def compile_ruleset(
    data: Mapping[str, Any], *, version: int | None = None, cache_key: Hashable | None = None
) -> CompiledRuleset:
    """Compile ``data`` (raises :class:`RulesetError`), reusing a cached one for ``cache_key``.

    A published version never changes, so its version number is a good key; a draft
    being edited needs a key that changes with it (e.g. version and last update).
    """
    if cache_key is not None:
        compiled = _CACHE.get(cache_key)
        if compiled is not None:
            _CACHE.move_to_end(cache_key)
            return compiled
    compiled = CompiledRuleset(data, version=version)
    if cache_key is not None:
        _CACHE[cache_key] = compiled
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def compiled_in_cache(cache_key: Hashable) -> CompiledRuleset | None:
    """The ruleset compiled earlier under ``cache_key``, if still cached."""
    return _CACHE.get(cache_key)


def load_ruleset_file(path: str | Path) -> dict[str, Any]:
    """A ruleset JSON file, as data (``rulesets/v1.json`` is the one published first)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def score(
    answers: Mapping[str, Any], ruleset: CompiledRuleset | Mapping[str, Any], language: str = "fr"
) -> Outcome:
    """Score one lead with a compiled ruleset or ruleset data."""
    if not isinstance(ruleset, CompiledRuleset):
        ruleset = compile_ruleset(ruleset)
    return ruleset.score(answers, language)


def judge(expected: Mapping[str, Any], outcome: Outcome) -> dict[str, bool]:
    """Which of a scenario's expectations the outcome meets, per expectation.

    ``recommendation`` is not judged when the scenario expects a review: a person
    decides those. ``fit`` is a level (high, medium, low), met by the grades of
    :data:`FIT_LEVEL_GRADES`.
    """
    verdict: dict[str, bool] = {}
    if "needs_review" in expected:
        verdict["needs_review"] = outcome.needs_review == bool(expected["needs_review"])
    if "recommendation" in expected and not expected.get("needs_review"):
        verdict["recommendation"] = outcome.recommendation == expected["recommendation"]
    if "alternative" in expected:
        verdict["alternative"] = outcome.alternative == (expected["alternative"] or None)
    if "fit" in expected:
        verdict["fit"] = outcome.fit_grade in FIT_LEVEL_GRADES.get(expected["fit"], ())
    return verdict


__all__ = [
    "ALTERNATIVES",
    "BALANCED",
    "CONSULTANT",
    "FIT_EFFECT",
    "FIT_LEVEL_GRADES",
    "FRACTIONAL_CMO",
    "GRADES",
    "LANGUAGES",
    "LEAN_SUFFIX",
    "REVIEW_EFFECT",
    "RULESETS_DIR",
    "CompiledRuleset",
    "Outcome",
    "RulesetError",
    "SIDES",
    "compile_ruleset",
    "compiled_in_cache",
    "judge",
    "load_ruleset_file",
    "score",
    "validate_ruleset",
]
