"""qualification.publish: the message it pushes is the one Celery's send_task sends."""

from __future__ import annotations

import base64
import json

import pytest
import redis
from celery import Celery, current_app

from config.devservices import free_port
from qualification import publish
from qualification.models import Submission
from qualification.services import CLASSIFY_TASK
from tests.conftest import wait_for
from tests.factories import receive_submission, submission_payload

pytestmark = pytest.mark.integration

#: What differs from one message to the next whoever sends it.
PER_MESSAGE = {("headers", "id"), ("headers", "root_id"), ("properties", "correlation_id"),
               ("properties", "delivery_tag")}  # fmt: skip


def without_ids(message: dict) -> dict:
    return {
        part: (
            {key: value for key, value in fields.items() if (part, key) not in PER_MESSAGE}
            if isinstance(fields, dict)
            else fields
        )
        for part, fields in message.items()
    }


def both_messages(app: Celery, url: str, queue: str) -> tuple[dict, dict]:
    """The message send_task sends and the one publish.send_task pushes, as Redis holds them."""
    client = redis.Redis.from_url(url)
    client.delete(queue)
    app.send_task(CLASSIFY_TASK, args=[41], retry=False)
    publish.send_task(app, CLASSIFY_TASK, args=[41])
    by_celery, by_us = (json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1)))
    return by_celery, by_us


def test_the_pushed_message_is_the_one_send_task_sends(redis_up):
    by_celery, by_us = both_messages(current_app, redis_up.url, "celery")

    assert without_ids(by_us) == without_ids(by_celery)
    assert json.loads(base64.b64decode(by_us["body"]))[0] == [41]
    assert by_us["headers"]["id"] == by_us["properties"]["correlation_id"]
    assert by_us["headers"]["id"] != by_celery["headers"]["id"]


def test_a_task_routed_to_another_queue_goes_there_as_with_send_task(redis_up):
    app = Celery("routed", broker=redis_up.url, task_routes={CLASSIFY_TASK: {"queue": "slow"}})
    by_celery, by_us = both_messages(app, redis_up.url, "slow")
    assert without_ids(by_us) == without_ids(by_celery)


def test_another_broker_goes_through_send_task():
    app = Celery("other", broker="amqp://guest@127.0.0.1:1//")
    assert publish._plain_redis_queue(app, CLASSIFY_TASK) is None


def test_an_unreachable_broker_raises_within_its_timeout():
    app = Celery("down", broker=f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(redis.exceptions.ConnectionError):
        publish.send_task(app, CLASSIFY_TASK, args=[1])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_what_the_intake_pushed(redis_up, celery_worker_process):
    data = submission_payload()
    submission, _ = receive_submission(data)
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).status == Submission.Status.CLASSIFIED,
        timeout=60,
    )
    submission.refresh_from_db()
    assert submission.lead.contact.email == data["contact"]["email"]
