"""The scoring's vocabulary: sides, alternatives, grades, the outcome and its error."""

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

RULESETS_DIR = Path(__file__).resolve().parent.parent / "rulesets"


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
