"""Many prospects at once against a live server: every one stored, no lock errors."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.db import connection

from crm.models import Contact, Lead
from qualification.models import Submission
from tests.conftest import wait_for
from tests.factories import submission_payload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

POSTS = 200


def max_in_flight() -> int:
    """All 200 at once on SQLite (where "database is locked" would show). On PostgreSQL
    each request thread of the test server holds a connection of its own, so stay
    under the server's connection limit (CI runs it with max_connections=200)."""
    if connection.vendor != "postgresql":
        return POSTS
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    return max(1, min(POSTS, limit - 50))


def post_json(url: str, payload: dict, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_200_concurrent_posts_are_all_stored_without_database_is_locked(
    live_server, redis_up, worker_factory, settings, caplog
):
    settings.QUALIFICATION_SUBMISSION_RATE = "100000/minute"
    # Django's test server listens with a backlog of 10 (gunicorn: 2048): 200 connects
    # at the same instant would be reset by the kernel before reaching Django at all.
    live_server.thread.httpd.socket.listen(POSTS)
    url = f"{live_server.url}/api/v1/submissions/"
    # Two posts per prospect, the second with the e-mail in another case: concurrent
    # returning prospects must still end up with one contact and one open lead.
    payloads = [
        submission_payload(
            contact={
                "first_name": f"Prospect {n // 2}",
                "email": f"prospect{n // 2}@example.com"
                if n % 2
                else f"PROSPECT{n // 2}@Example.com",
            }
        )
        for n in range(POSTS)
    ]
    # All at once: the workers wait at the gate until every post is handed out.
    gate = threading.Event()

    def send(payload):
        gate.wait(60)
        return post_json(url, payload)

    with ThreadPoolExecutor(max_workers=max_in_flight()) as pool:
        futures = [pool.submit(send, payload) for payload in payloads]
        gate.set()
        results = [future.result() for future in futures]

    statuses = [status for status, _body in results]
    failures = [body[:300] for status, body in results if status != 202]
    assert statuses.count(202) == POSTS, failures[:3]
    assert not any("database is locked" in body for _status, body in results)
    assert "database is locked" not in caplog.text
    assert Submission.objects.count() == POSTS
    assert Submission.objects.filter(status=Submission.Status.PENDING).count() == POSTS
    # Every one was sent on to be classified.
    assert redis.Redis.from_url(redis_up.url).llen("celery") == POSTS

    # A real worker (two processes, racing on each prospect's two posts) files and
    # classifies them: returning prospects still end up with one contact and one lead.
    worker_factory()
    wait_for(
        lambda: Submission.objects.filter(status=Submission.Status.CLASSIFIED).count() == POSTS,
        timeout=120,
    )
    assert Contact.objects.count() == POSTS // 2
    assert Lead.objects.count() == POSTS // 2
    assert set(Lead.objects.values_list("submission_count", flat=True)) == {2}
    assert not Submission.objects.exclude(last_error="").exists()


def test_the_rate_limit_is_counted_in_redis_so_every_web_process_shares_it(
    client, live_server, redis_up, settings
):
    settings.QUALIFICATION_SUBMISSION_RATE = "2/minute"
    url = f"{live_server.url}/api/v1/submissions/"
    # One "process" is the in-process test client, the other the live server's thread:
    # they share nothing but the cache.
    in_process = client.post(
        "/api/v1/submissions/",
        data=json.dumps(submission_payload()),
        content_type="application/json",
    )
    over_http = post_json(url, submission_payload())
    third = post_json(url, submission_payload())

    assert in_process.status_code == 202
    assert over_http[0] == 202
    assert third[0] == 429
    keys = redis.Redis.from_url(redis_up.url).keys("*throttle_submissions*")
    assert keys, "the throttle history lives in Redis"
