"""Issue 14: classification in batches, with real Redis and real Celery worker processes.

A run of the classify task claims its own submission and others never tried, so two
workers race for the same pending rows, and a worker can die holding a batch. Neither
may classify a submission twice or lose one. Bounded in time by pytest-timeout.
"""

from __future__ import annotations

import pytest

from crm.models import Contact, Lead
from qualification.models import Submission
from qualification.services import submission_sweep_pending
from tests.conftest import wait_for
from tests.integration.test_faults import (
    FAULTY_APP,
    assert_each_classified_exactly_once,
    classified_count,
    post_many,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(240),
]


@pytest.fixture
def no_rate_limit(settings):
    settings.QUALIFICATION_SUBMISSION_RATE = "100000/minute"


def test_two_workers_racing_for_the_same_rows_classify_each_once(
    client, redis_up, worker_factory, no_rate_limit
):
    post_many(client, 200)

    # Two workers (two processes each) start on the same queue at once: four runs
    # claiming batches of the same pending rows.
    for _ in range(2):
        worker_factory(concurrency=2, CLASSIFY_BATCH_SIZE="25")
    wait_for(lambda: classified_count() == 200, timeout=120)

    assert_each_classified_exactly_once(200)
    assert Contact.objects.count() == Lead.objects.count() == 200
    # Never claimed twice: every submission counted one attempt.
    assert set(Submission.objects.values_list("attempts", flat=True)) == {1}
    assert not Submission.objects.filter(claimed_until__isnull=False).exists()


def test_a_worker_killed_mid_batch_loses_nothing_and_each_is_classified_once(
    client, redis_up, worker_factory, no_rate_limit
):
    post_many(client, 120)
    # Scoring takes 50 ms here, so a batch of 20 takes a second: long enough to kill.
    first = worker_factory(
        concurrency=2,
        app=FAULTY_APP,
        FAULT_SCORING_SECONDS="0.05",
        CLASSIFY_BATCH_SIZE="20",
        CLASSIFY_CLAIM_SECONDS="3",
    )
    wait_for(lambda: classified_count() >= 20, timeout=60, interval=0.02)
    in_a_batch = Submission.objects.filter(status=Submission.Status.PENDING, attempts__gte=1)
    wait_for(in_a_batch.exists, interval=0.01)
    first.kill()  # SIGKILL, the whole worker: no goodbye, nothing handed back
    killed_mid_batch = set(in_a_batch.values_list("pk", flat=True))
    assert killed_mid_batch

    worker_factory(concurrency=2, CLASSIFY_BATCH_SIZE="20", CLASSIFY_CLAIM_SECONDS="3")
    # What the dead worker held stays unacknowledged in Redis until its visibility
    # timeout: Celery beat's sweep sends the still-pending ones again.
    submission_sweep_pending(resend_after=0)
    wait_for(lambda: classified_count() == 120, timeout=150)

    assert_each_classified_exactly_once(120)
    assert not Submission.objects.filter(status=Submission.Status.FAILED).exists()
    assert Contact.objects.count() == Lead.objects.count() == 120
    # Each submission of the dead batch was tried once more, alone, once its claim ended.
    assert set(
        Submission.objects.filter(pk__in=killed_mid_batch).values_list("attempts", flat=True)
    ) == {2}
