"""Reads for the pipeline board: each open stage's count and its first cards.

The board costs the same number of queries whatever the number of leads: one grouped
count for the open stages, then at most one bounded query per open stage (the first
``CRM_BOARD_CARDS_PER_COLUMN`` cards, follow-ups due soonest first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet

from .models import OPEN_STAGES, Lead, Stage

#: What a card shows, so the rest of the row (answers, classification JSON) is not read.
CARD_FIELDS = (
    "id",
    "stage",
    "recommendation",
    "override_recommendation",
    "alternative",
    "fit_grade",
    "fit_score",
    "needs_review",
    "next_follow_up_at",
    "created_at",
    "contact__id",
    "contact__first_name",
    "contact__last_name",
    "contact__email",
    "company__id",
    "company__name",
    "owner",
)


@dataclass
class BoardColumn:
    """One open stage: how many leads match, and the first of them."""

    stage: str
    label: str
    count: int
    cards: list[Lead] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        """How many matching leads are not shown (behind the "more" link)."""
        return max(self.count - len(self.cards), 0)


def board_columns(leads: QuerySet[Lead], *, per_column: int) -> list[BoardColumn]:
    """The open stages of ``leads`` (already filtered), in pipeline order, with counts and
    at most ``per_column`` cards each: the most pressing follow-ups first, then the
    newest leads. An empty stage costs no query for its cards."""
    leads = leads.filter(stage__in=OPEN_STAGES)
    counts = dict(
        leads.order_by().values_list("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    cards = (
        leads.select_related("contact", "company", "owner")
        .only(*CARD_FIELDS)
        .order_by(F("next_follow_up_at").asc(nulls_last=True), "-created_at", "-id")
    )
    columns = []
    for stage in OPEN_STAGES:
        count = counts.get(stage.value, 0)
        column = BoardColumn(stage=stage.value, label=str(Stage(stage).label), count=count)
        if count:
            column.cards = list(cards.filter(stage=stage)[:per_column])
        columns.append(column)
    return columns
