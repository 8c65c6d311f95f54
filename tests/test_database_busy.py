"""A busy database: a web request gives up after a few seconds and answers 503 with
Retry-After, nothing stored; workers and commands keep their patience.

Works on SQLite (another connection holds the write lock, BEGIN IMMEDIATE) and on
PostgreSQL (another connection holds an ACCESS EXCLUSIVE lock on the submissions table).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.db import IntegrityError, OperationalError, connection, connections
from django.test import RequestFactory

from config.database import is_database_busy, use_web_database_timeouts
from config.middleware import DatabaseBusyMiddleware
from crm.models import Company, Consent, Contact, Lead
from qualification.models import Submission
from tests.conftest import ROOT, subprocess_env
from tests.factories import VALID_ANSWERS, submission_payload

#: The tests' own web timeout: short, so that waiting for the lock costs little.
TEST_WEB_BUSY_TIMEOUT = 0.3


def stored() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Company, Contact, Lead, Consent, Submission)
    }


@pytest.fixture
def web_timeouts():
    """This test process serves as a web process does: short patience, then restored."""
    saved = {alias: dict(connections.settings[alias]["OPTIONS"]) for alias in connections}
    use_web_database_timeouts(TEST_WEB_BUSY_TIMEOUT)
    yield
    for alias, options in saved.items():
        connections.settings[alias]["OPTIONS"] = options
    connections.close_all()


@pytest.fixture
def locked_database(web_timeouts):
    """Another connection holds the lock a submission needs, until the test lets go."""
    other = connections.create_connection("default")
    cursor = other.cursor()
    if other.vendor == "sqlite":
        cursor.execute("BEGIN IMMEDIATE")  # the write lock, as a long write would hold it
    else:
        cursor.execute("BEGIN")
        cursor.execute(f"LOCK TABLE {Submission._meta.db_table} IN ACCESS EXCLUSIVE MODE")

    def release():
        if not other.is_usable() or other.connection is None:
            return
        cursor.execute("ROLLBACK")
        cursor.close()
        other.close()

    yield release
    if other.connection is not None:
        release()


def form_data() -> dict:
    return {
        "first_name": "Josée",
        "last_name": "Tremblay",
        "email": "josee@acme.ca",
        "company_name": "Acme",
        "consent_contact": "on",
        **VALID_ANSWERS,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_api_post_to_a_locked_database_answers_503_and_stores_nothing(
    client, locked_database, caplog
):
    body = json.dumps(submission_payload())
    response = client.post(
        "/api/v1/submissions/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"] == "application/json"
    assert "busy" in response.json()["detail"]
    assert "Database busy, answered 503" in caplog.text
    locked_database()
    assert set(stored().values()) == {0}
    # Once the lock is gone, the same post goes through: a retry is all it takes.
    response = client.post("/api/v1/submissions/", body, content_type="application/json")
    assert response.status_code == 202
    assert Submission.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("debug", [False, True])
def test_the_public_form_on_a_locked_database_shows_a_busy_page(
    client, settings, locked_database, debug
):
    settings.DEBUG = debug  # not the debug page either: the visitor should retry
    response = client.post("/en/questionnaire/", form_data(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "nothing was saved" in html
    locked_database()
    assert set(stored().values()) == {0}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_busy_page_is_in_the_visitors_language(client, locked_database):
    response = client.post("/fr/questionnaire/", form_data())
    assert response.status_code == 503
    assert "rien n’a été enregistré" in response.content.decode()


# --- which errors mean "busy" ------------------------------------------------------------


class FakePostgresError(Exception):
    """What psycopg raises: the SQLSTATE in ``sqlstate``."""

    def __init__(self, message: str, sqlstate: str):
        super().__init__(message)
        self.sqlstate = sqlstate


def django_error(message: str, sqlstate: str | None = None, kind=OperationalError):
    """The error Django raises, wrapping the driver's as its cause."""
    try:
        cause = FakePostgresError(message, sqlstate) if sqlstate else None
        raise kind(message) from cause
    except kind as exc:
        return exc


def answer(exc, path="/api/v1/submissions/"):
    request = RequestFactory().post(path)
    return DatabaseBusyMiddleware(lambda request: None).process_exception(request, exc)


@pytest.mark.parametrize(
    "sqlstate",
    [
        "55P03",  # lock_not_available: lock_timeout
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "57014",  # query_canceled: statement_timeout
    ],
)
def test_postgresql_busy_errors_answer_503(sqlstate):
    response = answer(django_error("canceling statement due to lock timeout", sqlstate))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "detail" in json.loads(response.content)


@pytest.mark.parametrize("message", ["database is locked", "database table is locked: crm_lead"])
def test_sqlite_busy_errors_answer_503(message):
    assert answer(django_error(message)).status_code == 503


@pytest.mark.parametrize(
    "error",
    [
        django_error("connection to server failed", "08006"),  # not busy: broken
        django_error("could not serialize", "40001", kind=IntegrityError),
        django_error("no such table: crm_lead"),
        django_error("disk I/O error"),
        ValueError("database is locked"),
    ],
    ids=["pg-connection", "integrity", "sqlite-no-table", "sqlite-io", "not-a-db-error"],
)
def test_other_errors_are_not_swallowed(error):
    assert not is_database_busy(error)
    assert answer(error) is None


# --- who waits how long ------------------------------------------------------------------


PATIENCE = """
import django
{setup}
from django.db import connection
with connection.cursor() as cursor:
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA busy_timeout")
        print(cursor.fetchone()[0], connection.get_connection_params()["timeout"] * 1000)
    else:
        cursor.execute("SHOW lock_timeout")
        print(cursor.fetchone()[0])
"""


def patience(setup: str, **extra_env: str) -> str:
    """The busy timeout of a database connection in a fresh process started by ``setup``."""
    env = subprocess_env()
    env.pop("DJANGO_DB_WEB_BUSY_TIMEOUT", None)  # the default
    env.update(extra_env)
    result = subprocess.run(
        [sys.executable, "-c", PATIENCE.format(setup=setup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.django_db
def test_web_processes_wait_a_few_seconds_workers_and_commands_wait_longer():
    # gunicorn and runserver load config.wsgi; the worker, config.celery_app; commands,
    # the settings alone.
    web = patience("import config.wsgi")
    runserver = patience(
        "django.setup()\n"
        "from django.core.servers.basehttp import get_internal_wsgi_application\n"
        "get_internal_wsgi_application()"
    )
    worker = patience("import config.celery_app; django.setup()")
    command = patience("django.setup()")
    if connection.vendor == "sqlite":
        assert web == runserver == "5000 5000.0"
        assert worker == command == "30000 30000"
    else:
        assert web == runserver == "5s"
        # PostgreSQL's default: wait for locks as long as it takes.
        assert worker == command == "0"


@pytest.mark.django_db
def test_the_web_patience_is_set_by_its_environment_variable():
    web = patience("import config.wsgi", DJANGO_DB_WEB_BUSY_TIMEOUT="1.5")
    assert web == ("1500 1500.0" if connection.vendor == "sqlite" else "1500ms")
