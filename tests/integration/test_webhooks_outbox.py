"""Issue 14: a webhook event raised while Redis is down is not lost. The outbox row is
written with the change; once Redis is back, the sweep queues it and a real worker
delivers it to a real receiver, signed."""

from __future__ import annotations

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from crm import services
from crm.models import WebhookDelivery, WebhookMessage
from tests.conftest import wait_for
from tests.factories import ContactFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(120),
]


@pytest.fixture
def webhook_worker(worker_factory):
    # The worker process reads the host's environment: let it reach the loopback receiver.
    return worker_factory(WEBHOOK_ALLOW_PRIVATE_NETWORKS="1")


def test_events_raised_while_redis_is_down_are_delivered_once_it_is_back(
    settings, redis_up, webhook_worker, receiver
):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.CRM_WEBHOOK_RESEND_AFTER = 0
    endpoint = services.webhook_endpoint_create(
        url=receiver.url, events=["lead.created", "lead.updated"], by=None
    )

    # With Redis up, the task queued on commit is delivered by the worker.
    with transaction.atomic():
        first, _ = services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    wait_for(lambda: len(receiver.received) == 1, timeout=30)

    redis_up.stop()
    with transaction.atomic():
        services.lead_move_stage(lead=first, stage="contacted", by=None)
        services.lead_open_or_attach(contact=ContactFactory(), language="en")
    waiting = WebhookMessage.objects.filter(status="pending")
    assert waiting.count() == 2  # written with the change, though nothing could be queued

    redis_up.start()
    assert services.webhooks_sweep() == 2
    wait_for(lambda: len(receiver.received) == 3, timeout=30)
    wait_for(lambda: not WebhookMessage.objects.filter(status="pending").exists(), timeout=10)

    assert sorted(WebhookMessage.objects.values_list("event_type", flat=True)) == [
        "lead.created",
        "lead.created",
        "lead.updated",
    ]
    assert WebhookDelivery.objects.filter(outcome="succeeded").count() == 3
    ids = {request.headers["webhook-id"] for request in receiver.received}
    assert ids == set(WebhookMessage.objects.values_list("msg_id", flat=True))
    for request in receiver.received:
        Webhook(endpoint.secret).verify(request.body, request.headers)
