"""Faults a lead system must survive without losing a lead.

Each test starts its own real Redis (on the session's port) and real Celery worker
processes, and is bounded in time by pytest-timeout.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from pathlib import Path

import pytest
import redis
import requests
from django.db import transaction

from qualification.models import Classification, Submission
from qualification.services import submission_sweep_pending
from tests.conftest import wait_for
from tests.factories import FRACTIONAL_CMO_ANSWERS

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(240),
]

SUBMISSIONS_URL = "/api/v1/submissions/"
#: The real Celery app with faults injected on demand (see faulty_celery.py).
FAULTY_APP = "tests.integration.faulty_celery"


def payload(i: int, **answers) -> dict:
    """A valid submission; ``i`` makes the prospect unique."""
    base_answers = {**FRACTIONAL_CMO_ANSWERS, **answers}
    return {
        "language": "fr" if i % 2 else "en",
        "contact": {"first_name": f"Prénom{i}", "last_name": "Tremblay",
                    "email": f"prospect{i}@example.com"},
        "company": {"name": f"Entreprise {i} inc."},
        "answers": base_answers,
        "consent": {"contact": True, "marketing": False},
    }  # fmt: skip


def classified_count() -> int:
    return Submission.objects.filter(status=Submission.Status.CLASSIFIED).count()


def queue_length(redis_url: str) -> int:
    return redis.Redis.from_url(redis_url).llen("celery")


def assert_each_classified_exactly_once(expected: int) -> None:
    assert Submission.objects.filter(status=Submission.Status.CLASSIFIED).count() == expected
    assert Classification.objects.count() == expected
    assert Classification.objects.values("submission").distinct().count() == expected


def ids_held_by_redis(redis_url: str) -> set[int]:
    """The submission ids of every classify message Redis holds: queued, or delivered
    to a worker and not acknowledged yet."""
    client = redis.Redis.from_url(redis_url)
    messages = [json.loads(raw) for raw in client.lrange("celery", 0, -1)]
    messages += [json.loads(raw)[0] for raw in client.hvals("unacked")]
    return {
        json.loads(base64.b64decode(message["body"]))[0][0]
        for message in messages
        if message["headers"]["task"] == "qualification.tasks.classify_submission"
    }


def pool_processes(worker) -> list[int]:
    """The prefork pool's child processes of a worker (Linux)."""
    pid = worker.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    assert children, "the worker has no pool processes"
    return [int(child) for child in children]


def post_many(client, count: int) -> None:
    for i in range(count):
        response = client.post(SUBMISSIONS_URL, payload(i), content_type="application/json")
        assert response.status_code == 202


@pytest.fixture
def no_rate_limit(settings):
    settings.QUALIFICATION_SUBMISSION_RATE = "100000/minute"


def test_submissions_arriving_while_redis_is_down_are_answered_fast_and_classified_once_it_is_back(
    live_server, redis_up, celery_worker_process, no_rate_limit
):
    redis_up.stop()
    slowest = 0.0
    with requests.Session() as http:
        for i in range(50):
            started = time.perf_counter()
            response = http.post(live_server.url + SUBMISSIONS_URL, json=payload(i), timeout=10)
            slowest = max(slowest, time.perf_counter() - started)
            assert response.status_code == 202, response.text
            assert response.json()["status"] == "pending"
    assert slowest < 1.0, f"slowest answer took {slowest:.2f}s with Redis down"
    assert Submission.objects.filter(status=Submission.Status.PENDING).count() == 50
    assert not Submission.objects.filter(enqueued_at__isnull=False).exists()

    redis_up.start()
    # What Celery beat's periodic sweep does once Redis answers again.
    assert submission_sweep_pending(resend_after=0) == 50
    wait_for(lambda: classified_count() == 50, timeout=120)
    assert_each_classified_exactly_once(50)


def test_submissions_arriving_while_redis_is_frozen_are_answered_fast_and_classified_after(
    live_server, redis_up, celery_worker_process, no_rate_limit
):
    """Frozen, not down: Redis accepts connections and never answers (SIGSTOP)."""
    os.kill(redis_up.process.pid, signal.SIGSTOP)
    try:
        slowest = 0.0
        with requests.Session() as http:
            for i in range(10):
                started = time.perf_counter()
                response = http.post(live_server.url + SUBMISSIONS_URL, json=payload(i), timeout=30)
                slowest = max(slowest, time.perf_counter() - started)
                assert response.status_code == 202, response.text
    finally:
        os.kill(redis_up.process.pid, signal.SIGCONT)
    assert slowest < 1.0, f"slowest answer took {slowest:.2f}s with Redis frozen"
    assert Submission.objects.filter(status=Submission.Status.PENDING).count() == 10

    submission_sweep_pending(resend_after=0)
    wait_for(lambda: classified_count() == 10, timeout=120)
    assert_each_classified_exactly_once(10)


def test_a_worker_killed_mid_queue_loses_nothing_and_a_new_worker_finishes(
    client, redis_up, worker_factory, no_rate_limit
):
    post_many(client, 300)
    assert queue_length(redis_up.url) == 300

    first = worker_factory(concurrency=2)
    wait_for(lambda: classified_count() >= 30, timeout=60, interval=0.02)
    first.kill()
    pending = set(
        Submission.objects.filter(status=Submission.Status.PENDING).values_list("pk", flat=True)
    )
    assert pending, "the worker finished before it could be killed"
    # Acknowledged only once done (acks_late): what the dead worker held is still in Redis,
    # but for the messages it was taking at that very moment: kombu's Redis transport
    # pops a message, then notes it as unacknowledged, in two steps. A kill between them
    # drops it from Redis (at most one per pool process, prefetch 1); the periodic sweep
    # sends those again, as below.
    in_the_gap = pending - ids_held_by_redis(redis_up.url)
    assert len(in_the_gap) <= 2, in_the_gap

    worker_factory(concurrency=2)
    # The queue drains; what the dead worker held stays unacknowledged in Redis until
    # its visibility timeout, so the periodic sweep sends the still-pending ones again.
    wait_for(lambda: queue_length(redis_up.url) == 0, timeout=120)
    submission_sweep_pending(resend_after=0)
    wait_for(lambda: classified_count() == 300, timeout=120)
    assert_each_classified_exactly_once(300)
    assert not Submission.objects.filter(status=Submission.Status.FAILED).exists()


def test_a_pool_process_killed_mid_task_has_its_task_redelivered_by_the_same_worker(
    client, redis_up, worker_factory, no_rate_limit
):
    post_many(client, 60)
    # Scoring takes 0.2 s here, so a task can be caught in the middle; a run takes
    # batches of 5 (not all 60 at once), and a dead run's claim ends after 5 s.
    worker = worker_factory(
        concurrency=2,
        app=FAULTY_APP,
        FAULT_SCORING_SECONDS="0.2",
        CLASSIFY_BATCH_SIZE="5",
        CLASSIFY_CLAIM_SECONDS="5",
    )
    wait_for(lambda: classified_count() >= 10, timeout=60, interval=0.02)
    # A task is mid-run once it has counted its attempt and not finished.
    in_progress = Submission.objects.filter(status=Submission.Status.PENDING, attempts__gte=1)
    wait_for(in_progress.exists, interval=0.01)
    for pid in pool_processes(worker):
        os.kill(pid, signal.SIGKILL)
    # New pool processes take longer to start than this read: these were killed mid-run.
    killed_mid_run = set(in_progress.values_list("pk", flat=True))
    assert killed_mid_run

    # No sweep: the worker hands the lost tasks back to Redis (reject_on_worker_lost)
    # and its new pool processes take them again.
    wait_for(lambda: classified_count() == 60, timeout=120)
    assert_each_classified_exactly_once(60)
    assert not Submission.objects.filter(status=Submission.Status.FAILED).exists()
    assert "WorkerLostError" in worker.log()
    # What was running when its process died ran again, to the end.
    reran = set(Submission.objects.filter(attempts=2).values_list("pk", flat=True))
    assert killed_mid_run <= reran


def test_a_submission_whose_scoring_raises_a_defect_is_failed_at_once_while_the_rest_drain(
    client, redis_up, worker_factory, no_rate_limit
):
    post_many(client, 21)
    # Stored answers that no ruleset can read (as if written by a broken import).
    poison = Submission.objects.order_by("pk").first()
    Submission.objects.filter(pk=poison.pk).update(answers=["not", "answers"])

    worker_factory(concurrency=2)
    wait_for(lambda: classified_count() == 20, timeout=120)
    wait_for(
        lambda: Submission.objects.get(pk=poison.pk).status == Submission.Status.FAILED,
        timeout=60,
    )
    poison.refresh_from_db()
    assert poison.last_error
    # A defect is not retried: trying again would not fix it.
    assert poison.attempts == 1
    assert not poison.classifications.exists()
    assert_each_classified_exactly_once(20)


POISON_KEY = "poisoned_by_the_fault_test"


def test_a_submission_that_always_meets_a_transient_error_is_failed_after_the_attempt_cap(
    client, redis_up, worker_factory, no_rate_limit
):
    post_many(client, 21)
    poison = Submission.objects.order_by("pk").first()
    Submission.objects.filter(pk=poison.pk).update(answers={**poison.answers, POISON_KEY: True})

    # The real worker, but scoring this one submission always fails with an
    # OperationalError (see faulty_celery.py): retried with backoff, then given up.
    worker_factory(concurrency=2, app=FAULTY_APP, FAULT_POISON_KEY=POISON_KEY)
    wait_for(lambda: classified_count() == 20, timeout=120)
    wait_for(
        lambda: Submission.objects.get(pk=poison.pk).status == Submission.Status.FAILED,
        timeout=120,
    )
    poison.refresh_from_db()
    assert poison.attempts == 5  # QUALIFICATION_MAX_ATTEMPTS, the default
    assert "injected fault" in poison.last_error
    assert not poison.classifications.exists()
    assert_each_classified_exactly_once(20)


def test_redis_restarted_while_the_worker_is_idle_then_new_submissions_are_classified(
    live_server, redis_up, celery_worker_process, no_rate_limit
):
    first = requests.post(live_server.url + SUBMISSIONS_URL, json=payload(1), timeout=10)
    assert first.status_code == 202
    wait_for(lambda: classified_count() == 1, timeout=60)

    redis_up.restart()
    with requests.Session() as http:
        for i in range(2, 6):
            response = http.post(live_server.url + SUBMISSIONS_URL, json=payload(i), timeout=10)
            assert response.status_code == 202
    # No sweep: the web process and the idle worker both reconnect on their own.
    assert not Submission.objects.filter(enqueued_at__isnull=True).exists()
    wait_for(lambda: classified_count() == 5, timeout=120)
    assert_each_classified_exactly_once(5)


def test_no_task_is_sent_when_the_transaction_that_stored_the_submission_rolls_back(
    client, redis_up, no_rate_limit
):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        response = client.post(SUBMISSIONS_URL, payload(1), content_type="application/json")
        assert response.status_code == 202
        raise Abort

    assert Submission.objects.count() == 0
    assert queue_length(redis_up.url) == 0
    # And the control: the same post, committed, does reach the queue.
    client.post(SUBMISSIONS_URL, payload(2), content_type="application/json")
    assert queue_length(redis_up.url) == 1
    message = json.loads(redis.Redis.from_url(redis_up.url).lindex("celery", 0))
    assert message["headers"]["task"] == "qualification.tasks.classify_submission"
