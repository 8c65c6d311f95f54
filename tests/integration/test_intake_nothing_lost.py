"""Nothing lost: a submission is stored even with Redis down, and sent once it is back."""

from __future__ import annotations

import json
import time

import pytest
import redis

from qualification import services
from qualification.models import Submission
from tests.conftest import wait_for
from tests.factories import submission_payload

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

URL = "/api/v1/submissions/"
TASK = "qualification.tasks.classify_submission"


def queued_task_names(redis_url: str) -> list[str]:
    """The task names of the messages waiting in Celery's default queue."""
    client = redis.Redis.from_url(redis_url)
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]


def test_with_redis_down_a_post_is_accepted_within_a_second_and_sent_once_redis_is_back(
    client, redis_up, celery_worker_process
):
    redis_up.stop()

    started = time.monotonic()
    response = client.post(
        URL, data=json.dumps(submission_payload()), content_type="application/json"
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 202
    assert elapsed < 1.0, f"answered in {elapsed:.2f}s with Redis down"
    submission = Submission.objects.get(public_id=response.json()["id"])
    assert submission.status == Submission.Status.PENDING
    assert submission.enqueued_at is None
    assert submission.details["contact"]["email"] == "josee.tremblay@example.com"

    redis_up.start()
    assert services.submission_sweep_pending() == 1
    submission.refresh_from_db()
    assert submission.enqueued_at is not None

    # A real worker process, started before the outage, classifies it once it has
    # reconnected, and the lead shows the result.
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).status == Submission.Status.CLASSIFIED,
        timeout=60,
    )
    submission.refresh_from_db()
    assert submission.lead.contact.email == "josee.tremblay@example.com"
    assert submission.lead.recommendation == "fractional_cmo"
    assert submission.lead.fit_grade
    assert submission.classifications.count() == 1


def test_with_redis_up_the_task_is_queued_as_soon_as_the_post_has_committed(client, redis_up):
    response = client.post(
        URL, data=json.dumps(submission_payload()), content_type="application/json"
    )
    assert response.status_code == 202
    submission = Submission.objects.get(public_id=response.json()["id"])
    assert submission.enqueued_at is not None
    assert queued_task_names(redis_up.url) == [TASK]


def test_a_honeypot_post_puts_nothing_in_the_queue(client, redis_up):
    response = client.post(
        URL,
        data=json.dumps(submission_payload(fax="call me")),
        content_type="application/json",
    )
    assert response.status_code == 202
    assert Submission.objects.get().status == Submission.Status.SPAM
    assert queued_task_names(redis_up.url) == []


def test_the_sweep_task_run_by_a_real_worker_sends_what_is_pending(
    client, redis_up, celery_worker_process
):
    redis_up.stop()
    client.post(URL, data=json.dumps(submission_payload()), content_type="application/json")
    redis_up.start()
    submission = Submission.objects.get()
    assert submission.enqueued_at is None

    from qualification.tasks import sweep_pending_submissions

    sweep_pending_submissions.delay()
    wait_for(lambda: Submission.objects.get(pk=submission.pk).enqueued_at is not None, timeout=60)
    assert "qualification.tasks.sweep_pending_submissions" in celery_worker_process.log()
