"""How long a process waits for a busy database, and what a web request answers when it is.

Two kinds of patience (decision, issue 10):

- **Workers, beat and management commands** (``migrate``, ``reclassify``, ...) wait their
  turn for as long as it takes: SQLite's busy timeout is 30 s (the settings' default),
  PostgreSQL waits for locks without a limit. Nobody is watching a spinner there, and
  giving up would only mean retrying.
- **Web processes** give up after ``DB_WEB_BUSY_TIMEOUT`` seconds
  (``DJANGO_DB_WEB_BUSY_TIMEOUT``, default 5): a prospect or a partner site would rather
  be told "busy, retry in a few seconds" (``503`` with ``Retry-After``, from
  :class:`config.middleware.DatabaseBusyMiddleware`) than wait 30 s for a ``500``.
  The web entry point (``config/wsgi.py``, which gunicorn, ``runserver`` and so the run
  command load; the tests' live server in ``tests/conftest.py``) calls
  :func:`use_web_database_timeouts` once, before it serves: no cost per request.
"""

from __future__ import annotations

#: SQLite's own words when another connection holds the lock it needs.
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")
SQLITE_BUSY_CODES = {"SQLITE_BUSY", "SQLITE_LOCKED"}
#: PostgreSQL's codes for "waited too long or lost a race, try again": lock_not_available
#: (lock_timeout), serialization_failure, deadlock_detected, query_canceled
#: (statement_timeout).
POSTGRES_BUSY_SQLSTATES = {"55P03", "40001", "40P01", "57014"}


def sqlite_options(busy_timeout: float) -> dict:
    """SQLite's OPTIONS for many writers, waiting ``busy_timeout`` seconds for the lock.

    WAL lets readers go on while one writes, IMMEDIATE takes the write lock at BEGIN so
    two writers never deadlock on an upgrade, and the busy timeout makes a writer wait
    its turn instead of failing at once with "database is locked". Both the driver's
    ``timeout`` and the ``busy_timeout`` pragma say the same, in seconds and in ms.

    ``secure_delete`` makes SQLite overwrite deleted and replaced content with zeros
    instead of leaving it in free pages: an erasure (``crm.services.person_erase``, which
    also checkpoints the WAL after it commits) leaves no copy of the person in the file.
    It costs some writing on deletes; the database stays the same otherwise.
    """
    return {
        "timeout": busy_timeout,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            f"PRAGMA busy_timeout={round(busy_timeout * 1000)};"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA secure_delete=ON;"
        ),
    }


def web_database_options(db: dict, busy_timeout: float) -> dict:
    """The OPTIONS of database ``db`` for a web process: the same, less patient."""
    options = dict(db.get("OPTIONS") or {})
    engine = db.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        return {**options, **sqlite_options(busy_timeout)}
    if "postgresql" in engine:
        lock_timeout = f"-c lock_timeout={round(busy_timeout * 1000)}"
        existing = options.get("options", "")
        options["options"] = f"{existing} {lock_timeout}".strip()
    return options


def use_web_database_timeouts(busy_timeout: float | None = None) -> None:
    """Make this process a web process: every database connection opened from now on gives
    up after ``busy_timeout`` seconds (``settings.DB_WEB_BUSY_TIMEOUT`` by default).

    Changes the settings' OPTIONS in place (every connection object shares them) and
    closes the connections already open in this thread, so the next query reconnects.
    """
    from django.conf import settings
    from django.db import connections

    if busy_timeout is None:
        busy_timeout = settings.DB_WEB_BUSY_TIMEOUT
    for alias in connections:
        db = connections.settings[alias]
        db["OPTIONS"] = web_database_options(db, busy_timeout)
    connections.close_all()


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is busy (locked, lock timeout, lost a race), as
    opposed to broken (unreachable, no such table, ...)."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate is not None:
        return sqlstate in POSTGRES_BUSY_SQLSTATES
    if getattr(cause, "sqlite_errorname", None) in SQLITE_BUSY_CODES:
        return True
    return str(exc).lower().startswith(SQLITE_BUSY_MESSAGES)
