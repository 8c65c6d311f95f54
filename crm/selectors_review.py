"""The review queue: what waits for a person's judgement.

Two kinds of things, in one queue (issue 15):

- **leads to review**: the rules asked for a person's review (``needs_review``) and no
  person has given one yet (``reviewed_by`` empty). "Mark reviewed" and an override both
  record a reviewer, so either takes a lead out. Oldest classification first.
- **the prospects' own requests** to have the automated recommendation reviewed by a
  person (Law 25 s.12.1; ``PrivacyRequest`` of kind ``review``, still open), soonest due
  first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from .choices import OPEN_PRIVACY_STATUSES, PrivacyRequestKind
from .models import Lead, PrivacyRequest


def to_review_q() -> Q:
    """Leads whose computed result waits for a person's review."""
    return Q(needs_review=True, reviewed_by__isnull=True)


@dataclass(frozen=True)
class ReviewQueue:
    leads: list[Lead]
    leads_total: int
    oldest_lead_at: datetime | None
    requests: list[PrivacyRequest]
    requests_total: int
    overdue_requests: int

    @property
    def total(self) -> int:
        return self.leads_total + self.requests_total


def review_requests_open():
    return PrivacyRequest.objects.filter(
        kind=PrivacyRequestKind.REVIEW, status__in=[s.value for s in OPEN_PRIVACY_STATUSES]
    )


def review_queue(*, now: datetime, limit: int = 50) -> ReviewQueue:
    """What waits for a review, the first ``limit`` of each kind (a fixed number of
    queries whatever the size: two aggregates, and a page of each when ``limit``)."""
    leads = Lead.objects.filter(to_review_q())
    figures = leads.aggregate(oldest=Min("classified_at"), total=Count("id"))
    requests = review_requests_open()
    counts = requests.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    return ReviewQueue(
        leads=list(
            leads.select_related("contact", "company", "owner").order_by("classified_at", "pk")[
                :limit
            ]
        ),
        leads_total=figures["total"],
        oldest_lead_at=figures["oldest"],
        requests=list(requests.select_related("contact", "lead").order_by("due_at", "pk")[:limit]),
        requests_total=counts["total"],
        overdue_requests=counts["overdue"],
    )
