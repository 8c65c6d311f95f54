"""A person with something in every place the apps keep personal information: two
posts (the second a proposed change), consents, a staff note, a lost reason, an
override, history, a privacy request with details, an export, a webhook message, an
admin log line. And a search of every table's text for what identifies them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from crm import services as crm
from crm.models import Contact, Lead
from tests.factories import UserFactory
from tests.prospect.conftest import JOSEE, classify, no_send  # noqa: F401

EMAIL, FIRST, LAST, PHONE = "josee@acme.ca", "Josée", "Tremblay", "514 555-0199"
#: A free-text answer in her own words that names her.
CONTEXT = "Josée Tremblay ici : écrivez-moi à josee@acme.ca ou au 514 555-0199."


def person_payload():
    payload = {**JOSEE, "answers": {**JOSEE["answers"], "context": CONTEXT}}
    payload["source"] = {**payload.get("source", {}), "referrer": f"https://x.example/?m={EMAIL}"}
    return payload


@pytest.fixture
def officer(db):
    return UserFactory(username="paule-privacy", first_name="Paule", roles=["Privacy officer"])


@pytest.fixture
def person(db, no_send, settings):  # noqa: F811
    """Josée, everywhere."""
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    crm.webhook_endpoint_create(
        url="https://hooks.example.com/in",
        events=["lead.created", "lead.updated", "lead.erased"],
        by=None,
    )
    classify(person_payload())
    second = person_payload()
    second["contact"] = {
        **second["contact"],
        "job_title": f"Cheffe {LAST}",
        "phone": "438 555-0123",
    }
    classify(second)  # a later post: a proposed change, unconfirmed consents
    contact = Contact.objects.get(email=EMAIL)
    lead = Lead.objects.get(contact=contact)
    staff = UserFactory(username="sam-sales", roles=["Sales"])
    crm.activity_create(
        lead=lead, kind="call", body=f"Appel avec {FIRST} {LAST}, {PHONE}", owner=staff
    )
    crm.lead_override_recommendation(
        lead=lead, recommendation="consultant", reason=f"{FIRST} veut un mandat court", by=staff
    )
    crm.privacy_request_open(
        contact_id=contact.pk,
        kind="review",
        lead_id=lead.pk,
        details={"observations": f"Je suis {FIRST} {LAST}"},
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=str(lead.pk),
        object_repr=str(lead),
        action_flag=CHANGE,
        change_message=f'[{{"added": {{"name": "activity", "object": "Appel {FIRST} {LAST}"}}}}]',
    )
    return contact


def identifying_texts() -> list[str]:
    return [EMAIL, FIRST, LAST, PHONE, "438 555-0123", "Acme", "acme.ca"]


def text_hits(needles=None) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) whose text holds one of ``needles``, in every table
    of the database (SQLite: sqlite_master; PostgreSQL: information_schema)."""
    needles = needles or identifying_texts()
    hits = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = [row[0] for row in cursor.fetchall()]
            columns = {}
            for table in tables:
                cursor.execute(f'PRAGMA table_info("{table}")')
                columns[table] = [row[1] for row in cursor.fetchall()]
        else:
            cursor.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema()"
            )
            columns = {}
            for table, column in cursor.fetchall():
                columns.setdefault(table, []).append(column)
        for table, names in columns.items():
            for column in names:
                for needle in needles:
                    like = "LIKE" if connection.vendor == "sqlite" else "ILIKE"
                    sql = f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) {like} %s'
                    cursor.execute(sql, [f"%{needle}%"])
                    if cursor.fetchone()[0]:
                        hits.append((table, column, needle))
    return hits


def an_hour_ago():
    return timezone.now() - timedelta(hours=1)
