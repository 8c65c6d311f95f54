"""The result as a prospect reads it: the same on the thank-you page, in the status API
and in the confirmation e-mail.

- the recommendation and the alternative in plain words (not the staff's labels);
- the reasons that weighed most: three to five of the explanation's own sentences, in
  the reader's language (the lines toward the recommendation first, strongest first,
  then those that temper it: the alternative, a reason for review, the other side);
- the next step: the practice's booking link (``QUALIFICATION_BOOKING_URL``, with the
  prospect's name and address filled in where it has ``{name}`` and ``{email}``) for a
  fit grade at or above ``QUALIFICATION_BOOKING_MIN_GRADE``; else the resource
  (``QUALIFICATION_RESOURCE_URL``), else "we will write to you";
- the notice Law 25 s.12.1 requires for a decision made by automated processing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..app_settings import app_settings
from ..selectors import PROSPECT_RECOMMENDATIONS

#: The alternatives, as a prospect reads them.
PROSPECT_ALTERNATIVES = {
    "advisor": (
        _("A marketing advisor"),
        _(
            "Your answers also point to occasional advice: an advisor you call on now and "
            "then may be enough."
        ),
    ),
    "interim_director": (
        _("An interim marketing director"),
        _(
            "Your answers also point to an interim director: someone who holds an empty "
            "marketing seat full time, for a known period."
        ),
    ),
    "full_time_hire": (
        _("A full-time hire"),
        _(
            "Your answers also point to a full-time marketing leader with no end date: "
            "hiring one may suit you better in the long run."
        ),
    ),
}

#: Law 25 s.12.1: a person told about a decision made by automated processing may ask
#: for the information used, the reasons and principal factors, have it corrected, and
#: submit observations to someone who can review the decision.
AUTOMATED_DECISION_NOTICE = _(
    "This recommendation was made by automated processing of your answers. You may ask "
    "us for the personal information used to make it, and for the reasons and principal "
    "factors that led to it; you may have that information corrected; and you may submit "
    "your observations to a member of our team, who can review the recommendation."
)

MIN_REASONS, MAX_REASONS = 3, 5
GRADES = ("A", "B", "C", "D")


def reasons(
    explanation: Iterable[Mapping[str, Any]] | None, recommendation: str, language: str
) -> list[str]:
    """Up to five sentences of the explanation, in ``language``, those that weighed most
    first (see the module's docstring). Fewer when the explanation has fewer."""
    lines = [line for line in explanation or [] if isinstance(line, Mapping)]

    def weight(line) -> float:
        value = line.get("weight")
        return abs(float(value)) if isinstance(value, int | float) else 0.0

    toward = sorted(
        (line for line in lines if line.get("effect") == recommendation), key=weight, reverse=True
    )
    others = [line for line in lines if line.get("effect") not in (recommendation, "fit")]
    fit = [line for line in lines if line.get("effect") == "fit"]
    chosen, seen = [], set()
    for line in [*toward, *others, *fit]:
        text = line.get(f"reason_{language}") or line.get("reason") or ""
        if isinstance(text, str) and text and text not in seen:
            seen.add(text)
            chosen.append(text)
        if len(chosen) == MAX_REASONS:
            break
    return chosen


def grade_gets_booking(fit_grade: str | None) -> bool:
    minimum = app_settings.BOOKING_MIN_GRADE
    return fit_grade in GRADES and GRADES.index(fit_grade) <= GRADES.index(minimum)


def booking_url(*, name: str = "", email: str = "") -> str:
    """The booking page with the prospect's name and address where it has ``{name}`` and
    ``{email}`` (URL-encoded); without them, with those parts left empty."""
    url = app_settings.BOOKING_URL
    return url.replace("{name}", quote(name or "", safe="")).replace(
        "{email}", quote(email or "", safe="")
    )


@dataclass(frozen=True)
class NextStep:
    kind: str  # "booking", "resource" or "write"
    url: str = ""


def next_step(*, fit_grade: str | None, name: str = "", email: str = "") -> NextStep:
    """What the practice offers this lead next (see the module's docstring)."""
    if app_settings.BOOKING_URL and grade_gets_booking(fit_grade):
        return NextStep("booking", booking_url(name=name, email=email))
    if app_settings.RESOURCE_URL:
        return NextStep("resource", app_settings.RESOURCE_URL)
    return NextStep("write")


@dataclass(frozen=True)
class ProspectResult:
    """A classified submission's result, in one language, as a prospect reads it."""

    recommendation: str
    label: str
    description: str
    alternative: str | None
    alternative_label: str
    alternative_description: str
    reasons: list[str]
    fit_grade: str
    notice: str


def prospect_result(
    *,
    recommendation: str,
    alternative: str | None,
    explanation: Iterable[Mapping[str, Any]] | None,
    fit_grade: str,
    language: str,
) -> ProspectResult | None:
    """The result in ``language``; None for a recommendation prospects have no words for."""
    if recommendation not in PROSPECT_RECOMMENDATIONS:
        return None
    with translation.override(language):
        label, description = PROSPECT_RECOMMENDATIONS[recommendation]
        alt_label, alt_description = PROSPECT_ALTERNATIVES.get(alternative or "", ("", ""))
        return ProspectResult(
            recommendation=recommendation,
            label=str(label),
            description=str(description),
            alternative=alternative if alternative in PROSPECT_ALTERNATIVES else None,
            alternative_label=str(alt_label),
            alternative_description=str(alt_description),
            reasons=reasons(explanation, recommendation, language),
            fit_grade=fit_grade,
            notice=str(AUTOMATED_DECISION_NOTICE),
        )


def view_result(view, language: str) -> ProspectResult | None:
    """The result of a submission as the prospect sees it (``selectors.ProspectView``), in
    ``language``; None while there is none."""
    if view is None or not view.recommendation:
        return None
    return prospect_result(
        recommendation=view.recommendation,
        alternative=view.alternative,
        explanation=view.explanation,
        fit_grade=view.fit_grade,
        language=language,
    )
