"""Rows stored before issue 10 could hold lone surrogates or NUL in their JSON (SQLite
kept them as ``\\uXXXX`` escapes); the migrations mend them. PostgreSQL never held them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import DataError, IntegrityError, connection, transaction

from crm import text
from qualification.models import Submission
from tests.factories import LeadFactory, SubmissionFactory

pytestmark = pytest.mark.django_db

BROKEN = {"context": "a\udfffb\x00c", "\ud800key": ["x\udc00"]}
MENDED = {"context": "a\ufffdbc", "\ufffdkey": ["x\ufffd"]}


def test_repaired_mends_text_keys_and_nesting():
    assert text.repaired(BROKEN) == MENDED
    assert text.repaired("fine") == "fine"
    assert text.repaired(3) == 3


def test_problems_point_at_each_bad_place():
    found = text.problems({"a": {"b": "x\udfff"}, "c": ["ok", "\x00"]}, "bad")
    assert found == {"a": {"b": ["bad"]}, "c": {"1": ["bad"]}}
    assert text.problems({"a": "ok"}, "bad") is None


def test_the_migrations_mend_what_was_stored():
    crm_migration = importlib.import_module(
        "crm.migrations.0005_proposed_changes_and_consent_confirmation"
    )
    qualification_migration = importlib.import_module(
        "qualification.migrations.0006_idempotency_per_client_and_adopted_answers"
    )
    if connection.vendor != "sqlite":
        # The bad rows cannot exist there: the database refuses them outright.
        with pytest.raises((DataError, IntegrityError, ValueError)), transaction.atomic():
            SubmissionFactory(answers=BROKEN)
        return
    lead = LeadFactory(answers=BROKEN)
    submission = SubmissionFactory(lead=lead, answers=BROKEN, payload={"p": BROKEN})
    crm_migration.repair_stored_text(apps, None)
    qualification_migration.repair_stored_text(apps, None)
    lead.refresh_from_db()
    submission.refresh_from_db()
    assert lead.answers == MENDED
    assert submission.answers == MENDED
    assert submission.payload == {"p": MENDED}
    assert Submission.objects.count() == 1
