"""The qualification result: what the rules computed for a lead, in one shape.

The crm stores it (on the lead, field by field for filtering, and whole in
``Lead.classification``); the qualification app produces it
(``qualification.results.qualification_result``). Nothing else spells its fields out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class QualificationResult:
    recommendation: str
    confidence: float
    needs_review: bool
    alternative: str | None
    fit_score: int
    fit_grade: str
    explanation: list[dict[str, Any]]
    ruleset_version: int
    #: ``explanation`` already encoded as JSON, when the producer has it (bulk writes).
    explanation_json: str | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """What ``Lead.classification`` keeps (the staff API's ``classification``;
        ``reviewed_by`` is filled in from the lead's own review when shown)."""
        return {
            "recommendation": self.recommendation,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "alternative": self.alternative,
            "fit_score": self.fit_score,
            "fit_grade": self.fit_grade,
            "explanation": self.explanation,
            "ruleset_version": self.ruleset_version,
            "reviewed_by": None,
        }

    def as_json(self) -> str:
        """:meth:`as_dict` as JSON, reusing :attr:`explanation_json` when there is one."""
        if self.explanation_json is None:
            return json.dumps(self.as_dict())
        head = self.as_dict()
        del head["explanation"]
        return json.dumps(head)[:-1] + ', "explanation": ' + self.explanation_json + "}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualificationResult:
        """Back from :meth:`as_dict` (a lead's stored ``classification``)."""
        return cls(
            recommendation=data["recommendation"],
            confidence=data["confidence"],
            needs_review=data["needs_review"],
            alternative=data.get("alternative") or None,
            fit_score=data["fit_score"],
            fit_grade=data["fit_grade"],
            explanation=list(data.get("explanation") or []),
            ruleset_version=data["ruleset_version"],
        )
