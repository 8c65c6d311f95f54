"""Re-scoring stored leads in bulk (the reclassify command and staff requests)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from crm import fast_sql
from crm import selectors as crm_selectors
from crm import services as crm_services

from .. import scoring
from ..app_settings import app_settings
from ..models import Classification, Ruleset, Submission
from ..results import qualification_result
from ..selectors import (
    ruleset_compiled,
    ruleset_get_current,
    submissions_latest_per_lead,
)
from .rulesets import NoPublishedRuleset, RulesetLocked

logger = logging.getLogger(__name__)


@dataclass
class ReclassifySummary:
    """What a re-scoring run did and changed."""

    ruleset_version: int
    leads: int = 0
    rescored: int = 0
    without_submission: int = 0
    classifications_created: int = 0
    classifications_kept: int = 0
    recommendation: Counter = field(default_factory=Counter)
    needs_review: Counter = field(default_factory=Counter)
    fit_grade: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(n for (before, after), n in self.recommendation.items() if before != after)


def leads_reclassify(
    *,
    ruleset: Ruleset | None = None,
    lead_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ReclassifySummary:
    """Re-score leads (each from its latest submission that is not spam) with ``ruleset``.

    ``ruleset`` defaults to the current one and must be published. ``lead_ids`` and
    ``since`` (leads created at or after) narrow the leads. Works through them by
    ascending id in batches of ``batch_size``, one transaction each, with bounded
    memory: a batch adds the missing Classifications (the (submission, ruleset)
    constraint keeps existing ones), marks those submissions classified, and writes
    the results onto the leads in bulk. ``on_batch(n)`` is called after each batch.
    """
    if ruleset is None:
        ruleset = ruleset_get_current()
        if ruleset is None:
            raise NoPublishedRuleset("No ruleset is published.")
    if ruleset.status != Ruleset.Status.PUBLISHED:
        raise RulesetLocked(f"Ruleset v{ruleset.version} is a draft: publish it first.")
    compiled = ruleset_compiled(ruleset)
    batch_size = batch_size or app_settings.RECLASSIFY_BATCH_SIZE
    leads = crm_selectors.lead_ids_in_order(since=since)
    wanted = None if lead_ids is None else sorted(set(lead_ids))
    summary = ReclassifySummary(ruleset_version=ruleset.version)
    last_id = 0
    while True:
        if wanted is not None:
            batch_ids = wanted[:batch_size]
            wanted = wanted[batch_size:]
            batch_ids = list(leads.filter(pk__in=batch_ids))
            if not batch_ids and not wanted:
                break
        else:
            batch_ids = list(leads.filter(pk__gt=last_id)[:batch_size])
            if not batch_ids:
                break
            last_id = batch_ids[-1]
        with transaction.atomic():
            _leads_reclassify_batch(batch_ids, ruleset, compiled, summary)
        if on_batch is not None:
            on_batch(len(batch_ids))
    return summary


def classifications_insert(
    new: list[tuple[int, scoring.Outcome]], *, ruleset_id: int, now: datetime
) -> None:
    """Insert many Classifications at once, skipping any that exist already.

    ``bulk_create`` would build a model instance and prepare every field of every row;
    at 100,000 leads that is most of the run, so the rows go to the driver as they are
    (``crm.fast_sql``; the figure is in bench/RESULTS.md), with the backend's own
    "ignore conflicts" form of INSERT so the (submission, ruleset) constraint holds.
    """
    stamp = fast_sql.time_param(Classification, "created_at", now)
    fast_sql.insert_rows(
        Classification,
        (
            "created_at", "updated_at", "submission", "ruleset", "recommendation",
            "alternative", "confidence", "needs_review", "fit_score", "fit_grade",
            "explanation",
        ),
        (
            (
                stamp, stamp, submission_id, ruleset_id, o.recommendation, o.alternative or "",
                o.confidence, o.needs_review, o.fit_score, o.fit_grade,
                fast_sql.json_param(Classification, "explanation", o.explanation_json),
            )
            for submission_id, o in new
        ),
        ignore_conflicts=True,
    )  # fmt: skip


def _leads_reclassify_batch(
    lead_ids: list[int],
    ruleset: Ruleset,
    compiled: scoring.CompiledRuleset,
    summary: ReclassifySummary,
) -> None:
    summary.leads += len(lead_ids)
    latest = submissions_latest_per_lead(lead_ids=lead_ids)
    summary.without_submission += len(lead_ids) - len(latest)
    if not latest:
        return
    rows = Submission.objects.filter(pk__in=list(latest.values())).values_list(
        "pk", "lead_id", "language", "answers", "status"
    )
    kept = set(
        Classification.objects.filter(
            ruleset=ruleset, submission_id__in=list(latest.values())
        ).values_list("submission_id", flat=True)
    )
    now = timezone.now()
    new, results, to_mark = [], [], []
    for submission_id, lead_id, language, answers, status in rows:
        outcome = compiled.score(answers or {}, language)
        if submission_id not in kept:
            new.append((submission_id, outcome))
        if status != Submission.Status.CLASSIFIED:
            to_mark.append(submission_id)
        results.append((lead_id, qualification_result(outcome)))
    classifications_insert(new, ruleset_id=ruleset.pk, now=now)
    summary.classifications_created += len(new)
    summary.classifications_kept += len(kept)
    if to_mark:
        Submission.objects.filter(pk__in=to_mark).update(
            status=Submission.Status.CLASSIFIED, classified_at=now, last_error=""
        )
    previous = crm_services.leads_bulk_record_qualification(
        results=results, note=f"ruleset v{ruleset.version} (re-scored)"
    )
    for lead_id, result in results:
        before = previous.get(lead_id)
        if before is None:
            continue
        summary.rescored += 1
        summary.recommendation[(before[0] or "-", result.recommendation)] += 1
        summary.needs_review[(before[2], result.needs_review)] += 1
        summary.fit_grade[(before[3] or "-", result.fit_grade)] += 1
