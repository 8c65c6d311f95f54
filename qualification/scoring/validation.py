"""Checking a ruleset before it is compiled or published: every error in words."""

from collections.abc import Mapping
from typing import Any

from .base import (
    ALTERNATIVES,
    BALANCED,
    GRADES,
    LANGUAGES,
    LEAN_SUFFIX,
    SIDES,
)


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
