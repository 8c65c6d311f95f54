"""A ruleset compiled into lookup tables: scoring is dict lookups and a few additions."""

import json
from collections.abc import Mapping
from typing import Any

from .base import (
    BALANCED,
    CONSULTANT,
    FIT_EFFECT,
    FRACTIONAL_CMO,
    GRADES,
    LEAN_SUFFIX,
    REVIEW_EFFECT,
    SIDES,
    Outcome,
    RulesetError,
)
from .validation import validate_ruleset


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
