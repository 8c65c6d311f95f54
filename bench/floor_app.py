"""The floor for the intake benchmark: only what a durable intake must do.

Parse the JSON body, insert it in one transaction, push one message to Redis,
answer 202. No framework, no validation. Served by the same gunicorn as the real
app, so ``POST /api/v1/submissions/`` can be measured against it.

Environment: ``DATABASE_URL`` (``sqlite:///path`` or ``postgres://...``), ``REDIS_URL``.
"""

import json
import os
import uuid
from datetime import UTC, datetime
from urllib.parse import urlparse

import redis

DATABASE_URL = os.environ["DATABASE_URL"]
REDIS_URL = os.environ["REDIS_URL"]
_state: dict = {}

CREATE = (
    "CREATE TABLE IF NOT EXISTS floor_submission ("
    "id VARCHAR(36) PRIMARY KEY, payload TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)"
)
INSERT = "INSERT INTO floor_submission (id, payload, created_at) VALUES ({p}, {p}, {p})"


def _connect():
    if "db" in _state:
        return _state["db"], _state["placeholder"]
    url = urlparse(DATABASE_URL)
    if url.scheme == "sqlite":
        import sqlite3

        db = sqlite3.connect(url.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        placeholder = "?"
    else:
        import psycopg

        db = psycopg.connect(DATABASE_URL, autocommit=True)
        placeholder = "%s"
    db.execute(CREATE)
    _state.update(db=db, placeholder=placeholder, redis=redis.Redis.from_url(REDIS_URL))
    return db, placeholder


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":
        start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
        return [b"POST only"]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    payload = json.loads(body)
    submission_id = str(uuid.uuid4())
    db, p = _connect()
    # One insert in one transaction, as the real intake does before answering.
    db.execute("BEGIN IMMEDIATE" if p == "?" else "BEGIN")
    db.execute(
        INSERT.format(p=p),
        (submission_id, json.dumps(payload), datetime.now(UTC).isoformat()),
    )
    db.execute("COMMIT")
    _state["redis"].lpush("floor", json.dumps({"id": submission_id}))
    out = json.dumps({"id": submission_id, "status": "pending"}).encode()
    start_response("202 Accepted", [("Content-Type", "application/json")])
    return [out]
