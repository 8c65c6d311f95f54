"""The one place the rules' outcome becomes the crm's qualification result."""

from __future__ import annotations

from crm.results import QualificationResult

from . import scoring


def qualification_result(outcome: scoring.Outcome) -> QualificationResult:
    """What the crm stores of a scoring outcome (the evidence and contradictions stay
    with the scoring)."""
    return QualificationResult(
        recommendation=outcome.recommendation,
        confidence=outcome.confidence,
        needs_review=outcome.needs_review,
        alternative=outcome.alternative,
        fit_score=outcome.fit_score,
        fit_grade=outcome.fit_grade,
        explanation=outcome.explanation,
        ruleset_version=outcome.ruleset_version,
        explanation_json=outcome.explanation_json,
    )
