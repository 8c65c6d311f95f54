"""Reads of the qualification app that are more than a ``.get``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .app_settings import app_settings
from .models import Choice, Question, Questionnaire, Submission

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


def questionnaire_current() -> Questionnaire | None:
    """The published questionnaire of the highest version, questions and choices prefetched."""
    return (
        Questionnaire.objects.filter(is_published=True)
        .prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("position")),
            Prefetch("questions__choices", queryset=Choice.objects.order_by("position")),
        )
        .order_by("-version")
        .first()
    )


def submission_by_idempotency_key(key: str) -> Submission | None:
    return Submission.objects.filter(idempotency_key=key).first()


@dataclass(frozen=True)
class ProspectView:
    """What the prospect may see of their submission."""

    id: uuid.UUID
    status: str
    language: str
    recommendation: str | None = None
    recommendation_label: str | None = None
    recommendation_description: str | None = None


def submission_for_prospect(*, public_id: uuid.UUID) -> ProspectView | None:
    """The submission as its sender may see it, or None when there is no such submission.

    Spam looks pending forever (a bot learns nothing). The recommendation in force on
    the lead shows only when ``QUALIFICATION_SHOW_RESULT_TO_PROSPECT`` is on and the
    submission is classified; its label is in the submission's language.
    """
    submission = Submission.objects.select_related("lead").filter(public_id=public_id).first()
    if submission is None:
        return None
    status = submission.status
    if status == Submission.Status.SPAM:
        status = Submission.Status.PENDING
    view = ProspectView(id=submission.public_id, status=status, language=submission.language)
    if not (
        app_settings.SHOW_RESULT_TO_PROSPECT
        and status == Submission.Status.CLASSIFIED
        and submission.lead is not None
    ):
        return view
    recommendation = submission.lead.recommendation_in_force
    if recommendation not in PROSPECT_RECOMMENDATIONS:
        return view
    label, description = PROSPECT_RECOMMENDATIONS[recommendation]
    with translation.override(submission.language):
        return ProspectView(
            id=view.id,
            status=view.status,
            language=view.language,
            recommendation=recommendation,
            recommendation_label=str(label),
            recommendation_description=str(description),
        )
