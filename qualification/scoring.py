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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONSULTANT = "consultant"
FRACTIONAL_CMO = "fractional_cmo"
SIDES = (CONSULTANT, FRACTIONAL_CMO)
ALTERNATIVES = ("advisor", "interim_director", "full_time_hire")
GRADES = ("A", "B", "C", "D")
LANGUAGES = ("fr", "en")
#: A scenario's expected ``fit`` level and the grades that satisfy it.
FIT_LEVEL_GRADES = {"high": ("A", "B"), "medium": ("B", "C"), "low": ("C", "D")}
#: ``<question>_lean``: which side a multiple-choice answer leans to, for rules.
LEAN_SUFFIX = "_lean"
BALANCED = "balanced"
REVIEW_EFFECT = "review"
FIT_EFFECT = "fit"

RULESETS_DIR = Path(__file__).resolve().parent / "rulesets"


class RulesetError(ValueError):
    """A ruleset that cannot be used; ``errors`` lists what is wrong."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(slots=True)
class Outcome:
    recommendation: str
    confidence: float
    needs_review: bool
    alternative: str | None
    fit_score: int
    fit_grade: str
    explanation: list[dict[str, Any]]
    #: ``explanation`` as JSON, joined from pieces encoded once per ruleset (bulk writes).
    explanation_json: str
    contradictions: tuple[str, ...]
    consultant_evidence: float
    cmo_evidence: float
    ruleset_version: int | None


# --- Validation ----------------------------------------------------------------------


def _check_reasons(where: str, item: Any, key: str, errors: list[str]) -> None:
    for language in LANGUAGES:
        reason = item.get(f"reason_{language}") if isinstance(item, Mapping) else None
        if not isinstance(reason, str) or not reason.strip():
            errors.append(f"{where}: reason_{language} is missing")
        elif reason.strip() == key or " " not in reason.strip():
            errors.append(f"{where}: reason_{language} must be a sentence, not a key")


def _check_when(where: str, when: Any, errors: list[str]) -> None:
    clauses = when if isinstance(when, list) else [when]
    if not clauses:
        errors.append(f"{where}: 'when' is empty")
    for clause in clauses:
        if not isinstance(clause, Mapping) or not clause:
            errors.append(f"{where}: each 'when' is an object of question: [answers]")
            continue
        for question, allowed in clause.items():
            if (
                not isinstance(allowed, list)
                or not allowed
                or not all(isinstance(a, str) for a in allowed)
            ):
                errors.append(f"{where}: 'when.{question}' must be a non-empty list of answers")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_ruleset(
    data: Any, *, questions: Mapping[str, set[str] | frozenset[str]] | None = None
) -> list[str]:
    """What is wrong with a ruleset (an empty list when it can be used).

    ``questions`` (question key -> choice keys), when given, also checks that every
    answer the ruleset names exists in the questionnaire.
    """
    errors: list[str] = []
    if not isinstance(data, Mapping):
        return ["the ruleset must be a JSON object"]
    signals = data.get("signals")
    if not isinstance(signals, Mapping) or not signals:
        errors.append("'signals' must be an object of question: {answer: signal}")
        signals = {}
    for question, table in signals.items():
        if not isinstance(table, Mapping) or not table:
            errors.append(f"signals.{question} must be an object of answer: signal")
            continue
        for choice, signal in table.items():
            where = f"signals.{question}.{choice}"
            if not isinstance(signal, Mapping):
                errors.append(f"{where} must be an object")
                continue
            effect, weight = signal.get("effect"), signal.get("weight")
            if effect is not None and effect not in SIDES:
                errors.append(f"{where}: effect must be one of {', '.join(SIDES)} or null")
            if not _is_number(weight) or weight < 0:
                errors.append(f"{where}: weight must be a number >= 0")
            elif effect is None and weight:
                errors.append(f"{where}: an answer with no effect must weigh 0")
            _check_reasons(where, signal, choice, errors)
    for i, rule in enumerate(data.get("contradictions") or []):
        where = f"contradictions[{i}]"
        if not isinstance(rule, Mapping) or not isinstance(rule.get("key"), str):
            errors.append(f"{where}: needs a 'key'")
            continue
        _check_when(where, rule.get("when"), errors)
        _check_reasons(where, rule, rule["key"], errors)
    for i, rule in enumerate(data.get("alternatives") or []):
        where = f"alternatives[{i}]"
        if not isinstance(rule, Mapping) or rule.get("alternative") not in ALTERNATIVES:
            errors.append(f"{where}: 'alternative' must be one of {', '.join(ALTERNATIVES)}")
            continue
        _check_when(where, rule.get("when"), errors)
        _check_reasons(where, rule, rule["alternative"], errors)
    review = data.get("review") or {}
    for name in ("confidence_below", "contradiction_confidence_factor"):
        value = review.get(name)
        if not _is_number(value) or not 0 <= value <= 1:
            errors.append(f"review.{name} must be a number from 0 to 1")
    explanation = data.get("explanation") or {}
    if (
        not isinstance(explanation.get("min_factors", 3), int)
        or explanation.get("min_factors", 3) < 3
    ):
        errors.append("explanation.min_factors must be at least 3")
    errors.extend(_validate_fit(data.get("fit")))
    if questions is not None and not errors:
        errors.extend(_unknown_references(data, questions))
    return errors


def _validate_fit(fit: Any) -> list[str]:
    errors: list[str] = []
    if not isinstance(fit, Mapping):
        return ["'fit' must be an object"]
    for i, component in enumerate(fit.get("components") or []):
        points = component.get("points") if isinstance(component, Mapping) else None
        if not isinstance(points, Mapping) or not all(_is_number(p) for p in points.values()):
            errors.append(f"fit.components[{i}] needs a question and points per answer")
    if not fit.get("components"):
        errors.append("fit.components must list at least one component")
    need = fit.get("need") or {}
    if not _is_number(need.get("points")):
        errors.append("fit.need.points must be a number")
    grades = fit.get("grades")
    if not isinstance(grades, Mapping) or set(grades) != set(GRADES):
        errors.append("fit.grades must give a threshold for each of A, B, C, D")
    elif not all(_is_number(grades[g]) for g in GRADES) or not (
        grades["A"] >= grades["B"] >= grades["C"] >= grades["D"]
    ):
        errors.append("fit.grades thresholds must be numbers with A >= B >= C >= D")
    explain = fit.get("explain") or {}
    for choice, item in (explain.get("reasons") or {}).items():
        _check_reasons(f"fit.explain.reasons.{choice}", item, choice, errors)
    for choice, item in (explain.get("cmo_reasons") or {}).items():
        _check_reasons(f"fit.explain.cmo_reasons.{choice}", item, choice, errors)
    return errors


def _unknown_references(data: Mapping, questions: Mapping[str, Any]) -> list[str]:
    errors = []

    def check(where: str, question: str, answers) -> None:
        if question.endswith(LEAN_SUFFIX) and question[: -len(LEAN_SUFFIX)] in questions:
            allowed = {*SIDES, BALANCED}
        elif question in questions:
            allowed = set(questions[question])
        else:
            errors.append(f"{where}: unknown question {question!r}")
            return
        for answer in answers:
            if answer not in allowed:
                errors.append(f"{where}: unknown answer {answer!r} for {question!r}")

    for question, table in data["signals"].items():
        check(f"signals.{question}", question, table.keys())
    for name in ("contradictions", "alternatives"):
        for i, rule in enumerate(data.get(name) or []):
            when = rule["when"]
            for clause in when if isinstance(when, list) else [when]:
                for question, allowed in clause.items():
                    check(f"{name}[{i}]", question, allowed)
    for i, component in enumerate(data["fit"]["components"]):
        check(f"fit.components[{i}]", component["question"], component["points"].keys())
    return errors


# --- Compilation ---------------------------------------------------------------------


def _clauses(when: Any) -> tuple[tuple[tuple[str, frozenset[str]], ...], ...]:
    clauses = when if isinstance(when, list) else [when]
    return tuple(tuple((q, frozenset(a)) for q, a in clause.items()) for clause in clauses)


def _encoded(items: tuple[dict, dict]) -> tuple[str, str]:
    return json.dumps(items[0]), json.dumps(items[1])


def _with_encoded(items: tuple[dict, dict]) -> tuple[tuple[dict, dict], tuple[str, str]]:
    return items, _encoded(items)


def _item(question, answer, effect, weight, reason_fr, reason_en, **extra) -> tuple[dict, dict]:
    """The explanation item of one factor, once per language (``reason`` is the lead's)."""
    base = {"question": question, "answer": answer, "effect": effect, "weight": weight}
    tail = {"reason_fr": reason_fr, "reason_en": reason_en, **extra}
    return (
        {**base, "reason": reason_fr, **tail},
        {**base, "reason": reason_en, **tail},
    )


class CompiledRuleset:
    """A ruleset turned into lookup tables, ready to score many leads fast."""

    def __init__(self, data: Mapping[str, Any], *, version: int | None = None):
        errors = validate_ruleset(data)
        if errors:
            raise RulesetError(errors)
        self.version = version if version is not None else data.get("version")
        self.data = data
        # One entry per (question, answer) with a weight: (side index, weight, rank, items).
        ordered = []
        for q_pos, (question, table) in enumerate(data["signals"].items()):
            for c_pos, (choice, signal) in enumerate(table.items()):
                if signal["effect"] is None or not signal["weight"]:
                    continue
                ordered.append((-signal["weight"], q_pos, c_pos, question, choice, signal))
        ordered.sort(key=lambda row: row[:3])
        signals: dict[str, dict[str, tuple]] = {q: {} for q in data["signals"]}
        self.choices = {q: frozenset(table) for q, table in data["signals"].items()}
        for rank, (_, _, _, question, choice, signal) in enumerate(ordered):
            items = _item(
                question,
                choice,
                signal["effect"],
                signal["weight"],
                signal["reason_fr"],
                signal["reason_en"],
            )
            side = SIDES.index(signal["effect"])
            signals[question][choice] = (
                side, float(signal["weight"]), rank, items, _encoded(items)
            )  # fmt: skip
        self._signals = tuple(signals.items())
        self._contradictions = tuple(
            (rule["key"], _clauses(rule["when"]), (rule["reason_fr"], rule["reason_en"]))
            for rule in data.get("contradictions") or []
        )
        self._alternatives = tuple(
            (rule["alternative"], _clauses(rule["when"]), (rule["reason_fr"], rule["reason_en"]))
            for rule in data.get("alternatives") or []
        )
        review = data["review"]
        self._review_below = float(review["confidence_below"])
        self._rule_items: dict[tuple, tuple[dict, str]] = {}
        self._contradiction_factor = float(review["contradiction_confidence_factor"])
        explanation = data.get("explanation") or {}
        self._max_supporting = int(explanation.get("max_supporting", 4))
        self._max_opposing = int(explanation.get("max_opposing", 1))
        self._min_factors = int(explanation.get("min_factors", 3))
        fit = data["fit"]
        self._fit_components = tuple(
            (c["question"], {k: float(v) for k, v in c["points"].items()})
            for c in fit["components"]
        )
        need = fit["need"]
        self._need_points = float(need["points"])
        self._budget_question = need.get("budget_question", "monthly_budget")
        self._cmo_budget_factor = dict(need.get("cmo_budget_factor") or {})
        self._alternative_factor = dict(need.get("alternative_factor") or {})
        self._grades = tuple(sorted(fit["grades"].items(), key=lambda g: -g[1]))
        explain = fit.get("explain") or {}
        explain_question = explain.get("question", self._budget_question)
        explain_points = next(
            (c["points"] for c in fit["components"] if c["question"] == explain_question), {}
        )
        self._fit_explain_question = explain_question
        self._fit_items = {
            key: {
                choice: _with_encoded(
                    _item(
                        explain_question,
                        choice,
                        FIT_EFFECT,
                        explain_points.get(choice, 0),
                        reasons["reason_fr"],
                        reasons["reason_en"],
                    )
                )
                for choice, reasons in (explain.get(key) or {}).items()
            }
            for key in ("reasons", "cmo_reasons")
        }

    # -- scoring ------------------------------------------------------------------

    def score(self, answers: Mapping[str, Any], language: str = "fr") -> Outcome:
        """Read one lead's answers. Unknown questions and answers are ignored."""
        lang = 1 if language == "en" else 0
        get = answers.get
        hits = []
        evidence = [0.0, 0.0]
        leans = None
        for question, table in self._signals:
            value = get(question)
            if value.__class__ is str:
                signal = table.get(value)
                if signal is not None:
                    hits.append(signal)
                    evidence[signal[0]] += signal[1]
            elif value:
                lean = [0.0, 0.0]
                for choice in dict.fromkeys(value):
                    signal = table.get(choice)
                    if signal is not None:
                        hits.append(signal)
                        evidence[signal[0]] += signal[1]
                        lean[signal[0]] += signal[1]
                if leans is None:
                    leans = {}
                leans[question + LEAN_SUFFIX] = (
                    BALANCED
                    if lean[0] == lean[1]
                    else (CONSULTANT if lean[0] > lean[1] else FRACTIONAL_CMO)
                )
        consultant, cmo = evidence
        if consultant != cmo:
            winner = 0 if consultant > cmo else 1
        elif hits:
            winner = min(hits, key=_rank)[0]
        else:
            winner = 0
        total = consultant + cmo
        confidence = abs(consultant - cmo) / total if total else 0.0

        facts = answers if leans is None else {**answers, **leans}
        contradictions = [
            rule for rule in self._contradictions if _matches(rule[1], facts) is not None
        ]
        if contradictions:
            confidence *= self._contradiction_factor
        confidence = round(confidence, 3)
        needs_review = bool(contradictions) or confidence < self._review_below
        alternative = None
        for rule in self._alternatives:
            clause = _matches(rule[1], facts)
            if clause is not None:
                alternative = (rule, clause)
                break

        # Fit: points from the answers, plus the need (how clearly a service we sell fits).
        fit = 0.0
        for question, points in self._fit_components:
            value = get(question)
            if value.__class__ is str:
                fit += points.get(value, 0.0)
        need = self._need_points * confidence
        budget = get(self._budget_question)
        if winner == 1:
            need *= self._cmo_budget_factor.get(budget, 1.0)
        if alternative is not None:
            need *= self._alternative_factor.get(alternative[0][0], 1.0)
        fit_score = int(min(100.0, max(0.0, fit + need)) + 0.5)
        fit_grade = GRADES[-1]
        for grade, threshold in self._grades:
            if fit_score >= threshold:
                fit_grade = grade
                break

        # The explanation as dicts, and as JSON built from pieces encoded at compile time.
        chosen = self._explain(hits, winner)
        explanation = [hit[3][lang].copy() for hit in chosen]
        encoded = [hit[4][lang] for hit in chosen]
        for key, clauses, reasons in contradictions:
            item, item_json = self._rule_item(
                REVIEW_EFFECT, key, _matches(clauses, facts), facts, reasons, lang
            )
            explanation.append(item)
            encoded.append(item_json)
        if alternative is not None:
            (name, _, reasons), clause = alternative
            item, item_json = self._rule_item(name, name, clause, facts, reasons, lang)
            explanation.append(item)
            encoded.append(item_json)
        fit_item = None
        if winner == 1:
            fit_item = self._fit_items["cmo_reasons"].get(get(self._fit_explain_question))
        if fit_item is None:
            fit_item = self._fit_items["reasons"].get(get(self._fit_explain_question))
        if fit_item is not None:
            explanation.append(fit_item[0][lang].copy())
            encoded.append(fit_item[1][lang])

        return Outcome(
            recommendation=SIDES[winner],
            confidence=confidence,
            needs_review=needs_review,
            alternative=alternative[0][0] if alternative is not None else None,
            fit_score=fit_score,
            fit_grade=fit_grade,
            explanation=explanation,
            explanation_json="[" + ", ".join(encoded) + "]",
            contradictions=tuple(rule[0] for rule in contradictions),
            consultant_evidence=consultant,
            cmo_evidence=cmo,
            ruleset_version=self.version,
        )

    def _explain(self, hits: list[tuple], winner: int) -> list[tuple]:
        """The answers that weighed most for the winner, then the strongest against it."""
        hits.sort(key=_rank)
        supporting = [h for h in hits if h[0] == winner][: self._max_supporting]
        opposing = [h for h in hits if h[0] != winner]
        wanted_opposing = max(self._max_opposing, self._min_factors - len(supporting))
        return supporting + opposing[:wanted_opposing]

    def _rule_item(self, effect, rule, clause, facts, reasons, lang) -> tuple[dict, str]:
        """A contradiction's or an alternative's line (the answers that made it fire),
        as a dict and as JSON; built once per combination of answers, then reused."""
        questions, answers = _rule_item_values(clause, facts)
        key = (rule, questions, answers, lang)
        cached = self._rule_items.get(key)
        if cached is None:
            if len(self._rule_items) > 50_000:  # bounded: answers are few, but be safe
                self._rule_items.clear()
            item = _item("+".join(questions), "+".join(answers), effect, 0, *reasons, rule=rule)[
                lang
            ]
            cached = self._rule_items[key] = (item, json.dumps(item))
        return cached[0].copy(), cached[1]

    def unknown_answers(self, answers: Mapping[str, Any]) -> list[str]:
        """``question=answer`` pairs this ruleset does not know (typos in a scenario file)."""
        known_fit = {q: points for q, points in self._fit_components}
        unknown = []
        for question, value in answers.items():
            values = [value] if isinstance(value, str) else list(value or [])
            known = self.choices.get(question) or known_fit.get(question)
            if known is None:
                continue
            unknown.extend(f"{question}={v}" for v in values if v not in known)
        return unknown


def _rank(hit: tuple) -> int:
    return hit[2]


def _matches(clauses, facts: Mapping[str, Any]):
    """The first clause whose every condition holds, or None."""
    for clause in clauses:
        for question, allowed in clause:
            value = facts.get(question)
            if value.__class__ is str:
                if value not in allowed:
                    break
            elif not value or allowed.isdisjoint(value):
                break
        else:
            return clause
    return None


def _rule_item_values(clause, facts) -> tuple[tuple[str, ...], tuple[str, ...]]:
    questions, answers = [], []
    for question, _ in clause:
        if question.endswith(LEAN_SUFFIX):
            question = question[: -len(LEAN_SUFFIX)]
        value = facts.get(question)
        questions.append(question)
        answers.append(value if isinstance(value, str) else ",".join(value or ()))
    return tuple(questions), tuple(answers)


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
