"""The rules' result on the lead: one lead at a time, or many at once when re-scoring."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from .. import fast_sql
from ..app_settings import app_settings
from ..models import Lead, LeadEvent
from ..models_webhooks import WebhookEventType
from ..results import QualificationResult
from .notifications import notify_practice_after_commit
from .webhooks import webhook_lead_event

QUALIFICATION_FIELDS = (
    "recommendation",
    "alternative",
    "confidence",
    "fit_score",
    "fit_grade",
    "needs_review",
    "ruleset_version",
    "classification",
    "classified_at",
)


def lead_record_qualification(
    *, lead_id: int, result: QualificationResult, savepoint: bool = True
) -> Lead | None:
    """Store what the rules computed on the lead. Returns None if the lead is gone.

    A new computation clears an earlier person's review: they reviewed another result.
    ``savepoint`` as in :func:`contact_find_or_create`.
    """
    with transaction.atomic(savepoint=savepoint):
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            return None
        first_classification = lead.classified_at is None
        for name, value in _lead_values(result).items():
            setattr(lead, name, value)
        lead.classification = result.as_dict()
        lead.classified_at = timezone.now()
        lead.reviewed_by = None
        lead.reviewed_at = None
        lead.save(update_fields=[*QUALIFICATION_FIELDS, "reviewed_by", "reviewed_at", "updated_at"])
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.CLASSIFIED,
            to_value=result.recommendation,
            note=f"ruleset v{result.ruleset_version}",
        )
        if (
            first_classification
            and lead.practice_notified_at is None
            and result.fit_score >= app_settings.NOTIFY_FIT_SCORE_AT_LEAST
        ):
            notify_practice_after_commit(lead.pk)
        webhook_lead_event(WebhookEventType.LEAD_CLASSIFIED, lead_ids=[lead.pk])
        return lead


def leads_record_qualification(*, results: Sequence[tuple[int, QualificationResult]]) -> list[int]:
    """:func:`lead_record_qualification` for many leads at once (the worker's batches).

    The same for each lead: the result written, an earlier person's review cleared, a
    history line, the practice told (once the transaction commits) about a promising
    lead's first result, a ``lead.classified`` webhook event; in a few statements
    whatever the number of leads (``crm.fast_sql`` for the rows, as
    :func:`leads_bulk_record_qualification`). The leads are locked in id order. A lead
    given twice keeps its last result. Returns the ids of the leads written (those
    that are gone are skipped).
    """
    latest = dict(results)
    if not latest:
        return []
    with transaction.atomic(savepoint=False):
        found = list(
            Lead.objects.select_for_update()
            .filter(pk__in=list(latest))
            .order_by("pk")
            .values_list("pk", "classified_at", "practice_notified_at")
        )
        stamp = fast_sql.time_param(Lead, "classified_at", timezone.now())
        rows, events = [], []
        for lead_id, classified_at, notified_at in found:
            r = latest[lead_id]
            rows.append(
                (
                    *_lead_values(r).values(),
                    fast_sql.json_param(Lead, "classification", r.as_json()),
                    stamp,
                    stamp,
                    lead_id,
                )  # fmt: skip
            )
            events.append(
                (
                    stamp,
                    stamp,
                    lead_id,
                    LeadEvent.Kind.CLASSIFIED.value,
                    "",
                    r.recommendation,
                    f"ruleset v{r.ruleset_version}",
                )  # fmt: skip
            )
            if (
                classified_at is None
                and notified_at is None
                and r.fit_score >= app_settings.NOTIFY_FIT_SCORE_AT_LEAST
            ):
                notify_practice_after_commit(lead_id)
        fields = [*QUALIFICATION_FIELDS, "updated_at"]
        fast_sql.update_rows(Lead, fields, rows, set_null=("reviewed_by", "reviewed_at"))
        fast_sql.insert_rows(
            LeadEvent,
            ("created_at", "updated_at", "lead", "kind", "from_value", "to_value", "note"),
            events,
        )
        written = [lead_id for lead_id, *_rest in found]
        webhook_lead_event(WebhookEventType.LEAD_CLASSIFIED, lead_ids=written)
    return written


def _lead_values(result: QualificationResult) -> dict[str, Any]:
    """The lead's columns that hold the result (besides ``classification``, the whole)."""
    return {
        "recommendation": result.recommendation,
        "alternative": result.alternative or "",
        "confidence": result.confidence,
        "fit_score": result.fit_score,
        "fit_grade": result.fit_grade,
        "needs_review": result.needs_review,
        "ruleset_version": result.ruleset_version,
    }


#: What a person reviewed: when one of these changes, their review no longer applies.
_REVIEWED_FIELDS = ("recommendation", "alternative", "needs_review", "fit_grade")


@transaction.atomic
def leads_bulk_record_qualification(
    *, results: Sequence[tuple[int, QualificationResult]], note: str = ""
) -> dict[int, tuple[str, str, bool, str]]:
    """Store many computed results in a few statements (re-scoring thousands of leads).

    Writes the same fields as ``lead_record_qualification``, with plain SQL statements
    run once per batch (``crm.fast_sql``: ``bulk_update`` and ``bulk_create`` cost more
    than the scoring; the figure is in bench/RESULTS.md).
    Only leads whose result changed (recommendation, alternative, needs review or fit
    grade) lose an earlier person's review and get a history line, since the person
    reviewed the same result otherwise. Leads that are gone are skipped. Returns, for
    each lead written, its previous ``(recommendation, alternative, needs_review,
    fit_grade)``.
    """
    if not results:
        return {}
    previous = {
        row[0]: row[1:]
        for row in Lead.objects.filter(pk__in=[lead_id for lead_id, _r in results]).values_list(
            "pk", *_REVIEWED_FIELDS
        )
    }
    fields = [*QUALIFICATION_FIELDS, "updated_at"]
    stamp = fast_sql.time_param(Lead, "classified_at", timezone.now())
    changed_rows, same_rows, events = [], [], []
    for lead_id, r in results:
        before = previous.get(lead_id)
        if before is None:
            continue
        row = (
            *_lead_values(r).values(),
            fast_sql.json_param(Lead, "classification", r.as_json()),
            stamp, stamp,
            lead_id,
        )  # fmt: skip
        if before != (r.recommendation, r.alternative or "", r.needs_review, r.fit_grade):
            changed_rows.append(row)
            events.append(
                (
                    stamp,
                    stamp,
                    lead_id,
                    LeadEvent.Kind.CLASSIFIED.value,
                    before[0],
                    r.recommendation,
                    note or f"ruleset v{r.ruleset_version}",
                )  # fmt: skip
            )
        else:
            same_rows.append(row)
    fast_sql.update_rows(Lead, fields, changed_rows, set_null=("reviewed_by", "reviewed_at"))
    fast_sql.update_rows(Lead, fields, same_rows)
    fast_sql.insert_rows(
        LeadEvent,
        ("created_at", "updated_at", "lead", "kind", "from_value", "to_value", "note"),
        events,
    )
    # Only where the result changed (a first result included), as the history.
    webhook_lead_event(WebhookEventType.LEAD_CLASSIFIED, lead_ids=[row[-1] for row in changed_rows])
    return {lead_id: previous[lead_id] for lead_id, _r in results if lead_id in previous}
