"""``crm.fast_sql`` writes what the ORM would write (issue 11: raw SQL kept for its figure,
with a test that fails when Django or the driver changes under it).

Each test writes the same values twice, once through ``crm.fast_sql`` and once through
the ORM's ``bulk_update`` / ``bulk_create``, and compares what the database then holds.
The suite runs on SQLite and, in CI, on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm import fast_sql
from crm.models import Lead, LeadEvent
from qualification.models import Classification, Ruleset
from tests.factories import LeadFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

WHEN = timezone.now() - timedelta(days=3)
CLASSIFICATION = {"recommendation": "fractional_cmo", "explanation": [{"fr": "Été « 1 »", "n": 2}]}
LEAD_FIELDS = ("recommendation", "confidence", "fit_score", "needs_review", "classification")
LEAD_COLUMNS = (*LEAD_FIELDS, "classified_at", "reviewed_by", "reviewed_at")


def _lead_values(pk: int) -> dict:
    return Lead.objects.filter(pk=pk).values(*LEAD_COLUMNS).get()


def test_update_rows_writes_what_bulk_update_writes():
    reviewer = UserFactory()
    by_sql, by_orm = (
        LeadFactory(reviewed_by=reviewer, reviewed_at=timezone.now()) for _ in range(2)
    )
    values = ("fractional_cmo", 0.73, 81, True)
    fast_sql.update_rows(
        Lead,
        (*LEAD_FIELDS, "classified_at"),
        [
            (
                *values,
                fast_sql.json_param(Lead, "classification", json.dumps(CLASSIFICATION)),
                fast_sql.time_param(Lead, "classified_at", WHEN),
                by_sql.pk,
            )
        ],
        set_null=("reviewed_by", "reviewed_at"),
    )
    for name, value in zip(LEAD_FIELDS, (*values, CLASSIFICATION), strict=True):
        setattr(by_orm, name, value)
    by_orm.classified_at, by_orm.reviewed_by, by_orm.reviewed_at = WHEN, None, None
    Lead.objects.bulk_update([by_orm], LEAD_COLUMNS)

    assert _lead_values(by_sql.pk) == _lead_values(by_orm.pk)
    assert _lead_values(by_sql.pk)["classification"] == CLASSIFICATION
    assert _lead_values(by_sql.pk)["classified_at"] == WHEN
    assert _lead_values(by_sql.pk)["reviewed_by"] is None


def _classification_row(submission_id: int, ruleset_id: int):
    return (
        fast_sql.time_param(Classification, "created_at", WHEN),
        fast_sql.time_param(Classification, "updated_at", WHEN),
        submission_id, ruleset_id, "consultant", "", 0.61, False, 55, "C",
        fast_sql.json_param(Classification, "explanation", json.dumps(CLASSIFICATION)),
    )  # fmt: skip


CLASSIFICATION_FIELDS = (
    "created_at", "updated_at", "submission", "ruleset", "recommendation", "alternative",
    "confidence", "needs_review", "fit_score", "fit_grade", "explanation",
)  # fmt: skip


def test_insert_rows_writes_what_bulk_create_writes_and_skips_conflicts_like_it():
    ruleset = Ruleset.objects.get(version=1)
    existing, by_sql, by_orm = (SubmissionFactory() for _ in range(3))
    Classification.objects.create(
        submission=existing, ruleset=ruleset, recommendation="fractional_cmo",
        confidence=0.9, needs_review=False, fit_score=90, fit_grade="A", explanation=[],
    )  # fmt: skip

    fast_sql.insert_rows(
        Classification,
        CLASSIFICATION_FIELDS,
        [_classification_row(existing.pk, ruleset.pk), _classification_row(by_sql.pk, ruleset.pk)],
        ignore_conflicts=True,
    )
    Classification.objects.bulk_create(
        [
            Classification(
                created_at=WHEN, updated_at=WHEN, submission=by_orm, ruleset=ruleset,
                recommendation="consultant", alternative="", confidence=0.61,
                needs_review=False, fit_score=55, fit_grade="C", explanation=CLASSIFICATION,
            )
        ],
        ignore_conflicts=True,
    )  # fmt: skip

    def stored(submission):
        # updated_at: the ORM sets it to now (auto_now) whatever it is given.
        columns = [n for n in CLASSIFICATION_FIELDS if n not in ("submission", "updated_at")]
        return Classification.objects.filter(submission=submission).values(*columns).get()

    assert stored(existing)["recommendation"] == "fractional_cmo"  # kept, not replaced
    assert stored(by_sql) == stored(by_orm)
    assert stored(by_sql)["explanation"] == CLASSIFICATION
    assert stored(by_sql)["created_at"] == WHEN


def test_insert_rows_without_ignore_conflicts_raises_as_the_orm_does():
    ruleset = Ruleset.objects.get(version=1)
    submission = SubmissionFactory()
    row = _classification_row(submission.pk, ruleset.pk)
    fast_sql.insert_rows(Classification, CLASSIFICATION_FIELDS, [row])
    with pytest.raises(IntegrityError), transaction.atomic():
        fast_sql.insert_rows(Classification, CLASSIFICATION_FIELDS, [row])
    with pytest.raises(IntegrityError), transaction.atomic():
        Classification.objects.bulk_create([Classification.objects.get(submission=submission)])
    assert Classification.objects.filter(submission=submission).count() == 1


def test_history_rows_inserted_read_back_as_the_orm_reads_them():
    lead = LeadFactory()
    stamp = fast_sql.time_param(LeadEvent, "created_at", WHEN)
    fast_sql.insert_rows(
        LeadEvent,
        ("created_at", "updated_at", "lead", "kind", "from_value", "to_value", "note"),
        [(stamp, stamp, lead.pk, LeadEvent.Kind.CLASSIFIED.value, "", "consultant", "v1 « é »")],
    )
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.CLASSIFIED)
    assert (event.created_at, event.to_value, event.note) == (WHEN, "consultant", "v1 « é »")
