"""Issue 14: webhooks sent to a real receiver (an HTTP server thread), Standard Webhooks 1.0.

Each attempt is driven by the delivery service itself; what a task would queue on commit
is not run (the test's transaction never commits) unless a test says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import socket
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from crm import services
from crm.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from crm.serializers import LeadSerializer
from crm.services.webhook_delivery import RETRY_SCHEDULE
from tests.factories import ContactFactory, LeadFactory, UserFactory
from tests.webhook_receiver import Reply

pytestmark = pytest.mark.django_db

ALL_EVENTS = [
    "lead.created",
    "lead.classified",
    "lead.updated",
    "lead.overridden",
    "lead.erased",
]


@pytest.fixture(autouse=True)
def private_networks_allowed(settings):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"


def endpoint_for(receiver, events=None, **fields) -> WebhookEndpoint:
    return services.webhook_endpoint_create(
        url=receiver.url, events=events or ALL_EVENTS, by=None, **fields
    )


def new_lead():
    lead, created = services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    assert created
    return lead


def only_message(**filters) -> WebhookMessage:
    return WebhookMessage.objects.get(**filters)


def make_due(message: WebhookMessage) -> None:
    WebhookMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_message_is_signed_so_the_reference_implementation_verifies_it(receiver):
    endpoint = endpoint_for(receiver)
    lead = new_lead()
    message = only_message(endpoint=endpoint, event_type="lead.created")

    assert services.webhook_message_deliver(message_id=message.pk) == "succeeded"

    [request] = receiver.received
    assert request.path == "/hooks/leads?source=cmo"
    assert request.headers["content-type"] == "application/json"
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert payload["type"] == "lead.created"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"] == json.loads(json.dumps(LeadSerializer(lead).data, default=str))
    # The same by hand, as the specification words it: v1, + base64 HMAC-SHA256 of
    # "{id}.{timestamp}.{body}" keyed with the base64-decoded secret after "whsec_".
    key = base64.b64decode(endpoint.secret.removeprefix("whsec_"))
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + request.body, hashlib.sha256).digest())
    assert request.headers["webhook-signature"] == "v1," + expected.decode()
    assert request.headers["webhook-id"] == message.msg_id
    # Another secret does not verify it.
    other = services.webhook_endpoint_create(url=receiver.url, events=ALL_EVENTS, by=None)
    with pytest.raises(WebhookVerificationError):
        Webhook(other.secret).verify(request.body, request.headers)


def test_a_receiver_that_answers_500_then_200_gets_the_event_twice_and_both_are_logged(receiver):
    receiver.replies = [Reply(500, body=b"oops")]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)

    before = timezone.now()
    assert services.webhook_message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == "pending"
    # The schedule's second step, 5 s with ±10 % jitter.
    wait = (message.next_attempt_at - before).total_seconds()
    assert 4.4 <= wait <= 5.6
    assert services.webhook_message_deliver(message_id=message.pk) == "not due"

    make_due(message)
    assert services.webhook_message_deliver(message_id=message.pk) == "succeeded"

    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message.msg_id
    assert first.body == second.body
    for request in (first, second):
        Webhook(endpoint.secret).verify(request.body, request.headers)
    log = list(WebhookDelivery.objects.filter(message=message).order_by("attempt"))
    assert [(d.attempt, d.outcome, d.response_status) for d in log] == [
        (1, "failed", 500),
        (2, "succeeded", 200),
    ]
    assert log[0].response_excerpt == "oops"
    assert log[0].next_attempt_at is not None
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 2)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_410_gone_disables_the_endpoint_cancels_what_waits_and_tells_the_practice(
    receiver, celery_eager, django_capture_on_commit_callbacks
):
    receiver.replies = [Reply(410)]
    endpoint = endpoint_for(receiver)
    lead = new_lead()
    services.lead_move_stage(lead=lead, stage="contacted", by=None)
    created = only_message(endpoint=endpoint, event_type="lead.created")
    updated = only_message(endpoint=endpoint, event_type="lead.updated")

    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhook_message_deliver(message_id=created.pk) == "failed"

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    created.refresh_from_db()
    updated.refresh_from_db()
    assert (created.status, updated.status) == ("failed", "cancelled")
    assert services.webhook_message_deliver(message_id=updated.pk) == "not due"
    assert len(receiver.received) == 1
    [email] = mail.outbox
    assert email.to == ["cmo@practice.example"]
    assert endpoint.url in email.body
    # Nothing more is written for a disabled endpoint.
    services.lead_move_stage(lead=lead, stage="discovery", by=None)
    assert WebhookMessage.objects.filter(endpoint=endpoint).count() == 2


def test_an_endpoint_failing_for_days_is_disabled_and_the_practice_told(
    receiver, celery_eager, django_capture_on_commit_callbacks, settings
):
    settings.CRM_WEBHOOK_DISABLE_AFTER_DAYS = 5
    receiver.replies = [Reply(500), Reply(502)]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    new_lead()
    first, second = WebhookMessage.objects.filter(endpoint=endpoint).order_by("pk")
    services.webhook_message_deliver(message_id=first.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=5, minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.webhook_message_deliver(message_id=second.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "5" in endpoint.disabled_reason
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("reply", "low", "high"),
    [
        (Reply(429, {"Retry-After": "120"}), 120, 121),
        (Reply(503, {"Retry-After": "600"}), 600, 601),
        # Shorter than the schedule's 5 s: the schedule wins (never sooner than asked).
        (Reply(429, {"Retry-After": "1"}), 4.4, 5.6),
        # Absurdly long: capped at 24 h.
        (Reply(503, {"Retry-After": "999999999"}), 86_400, 86_401),
        # Only 429 and 503 are taken at their word.
        (Reply(500, {"Retry-After": "600"}), 4.4, 5.6),
    ],
)
def test_retry_after_is_honoured_on_429_and_503(receiver, reply, low, high):
    receiver.replies = [reply]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    before = timezone.now()
    services.webhook_message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert low - 1 <= (message.next_attempt_at - before).total_seconds() <= high + 1


def test_retry_after_as_an_http_date(receiver):
    when = timezone.now() + timedelta(minutes=10)
    receiver.replies = [Reply(503, {"Retry-After": format_datetime(when, usegmt=True)})]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    services.webhook_message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert abs((message.next_attempt_at - when).total_seconds()) < 3


def test_the_schedule_ends_after_ten_attempts(receiver):
    receiver.replies = [Reply(500)] * len(RETRY_SCHEDULE)
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    for _attempt in RETRY_SCHEDULE:
        make_due(message)
        services.webhook_message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 10, None)
    assert RETRY_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)


def test_replay_sends_the_same_webhook_id_and_body_signed_again(receiver):
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    services.webhook_message_deliver(message_id=message.pk)
    delivery = WebhookDelivery.objects.get(message=message)

    services.webhook_delivery_replay(delivery=delivery)
    message.refresh_from_db()
    assert message.status == "pending"
    assert services.webhook_message_deliver(message_id=message.pk) == "succeeded"

    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == message.msg_id
    assert first.body == again.body
    Webhook(endpoint.secret).verify(again.body, again.headers)
    assert WebhookDelivery.objects.filter(message=message).count() == 2


def test_during_a_rotation_both_secrets_verify_then_only_the_new_one(receiver):
    endpoint = endpoint_for(receiver, events=["lead.created"])
    old_secret = endpoint.secret
    endpoint = services.webhook_endpoint_rotate_secret(endpoint=endpoint)
    assert endpoint.secret != old_secret
    new_lead()
    message = only_message(endpoint=endpoint)
    services.webhook_message_deliver(message_id=message.pk)
    [request] = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old_secret).verify(request.body, request.headers)
    Webhook(endpoint.secret).verify(request.body, request.headers)

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    services.webhook_delivery_replay(delivery=WebhookDelivery.objects.get(message=message))
    services.webhook_message_deliver(message_id=message.pk)
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    Webhook(endpoint.secret).verify(later.body, later.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(later.body, later.headers)


def test_a_private_address_is_refused_unless_allowed(receiver, settings, monkeypatch):
    """A host name that resolves to loopback is refused at delivery (checked on the
    resolved address); allowed, the connection goes to that checked address with the
    host name in the Host header."""
    real_getaddrinfo = socket.getaddrinfo

    def fake_dns(host, port, *args, **kwargs):
        if host == "receiver.example":
            return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    endpoint = endpoint_for(receiver, events=["lead.created"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=f"http://receiver.example:{receiver.port}/in"
    )
    new_lead()
    message = only_message(endpoint=endpoint)

    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    assert services.webhook_message_deliver(message_id=message.pk) == "refused"
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get(message=message)
    assert "127.0.0.1" in delivery.error

    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    make_due(message)
    assert services.webhook_message_deliver(message_id=message.pk) == "succeeded"
    [request] = receiver.received
    assert request.headers["host"] == f"receiver.example:{receiver.port}"
    assert request.path == "/in"


def test_a_slow_receiver_times_out_and_a_redirect_is_not_followed(receiver, settings):
    settings.CRM_WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.replies = [Reply(200, delay=3), Reply(302, {"Location": "http://169.254.169.254/"})]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    assert services.webhook_message_deliver(message_id=message.pk) == "failed"
    make_due(message)
    assert services.webhook_message_deliver(message_id=message.pk) == "failed"
    timed_out, redirected = WebhookDelivery.objects.filter(message=message).order_by("attempt")
    assert "timeout" in timed_out.error.lower() and timed_out.response_status is None
    assert redirected.response_status == 302
    assert len(receiver.received) == 2  # never the redirect's target


def test_a_hostile_answer_is_cut_short_and_cleaned(receiver, settings):
    settings.CRM_WEBHOOK_RESPONSE_EXCERPT_CHARS = 50
    body = ("<script>alert(1)</script>\x00\x1b[31m" + "é" * 10_000).encode()
    receiver.replies = [Reply(500, body=body)]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    services.webhook_message_deliver(message_id=only_message(endpoint=endpoint).pk)
    excerpt = WebhookDelivery.objects.get().response_excerpt
    assert len(excerpt) == 50
    assert excerpt.startswith("<script>alert(1)</script>[31m")
    assert "\x00" not in excerpt and "\x1b" not in excerpt


def test_the_secret_never_reaches_the_logs(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    receiver.replies = [Reply(500)]
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    services.webhook_message_deliver(message_id=message.pk)
    make_due(message)
    services.webhook_message_deliver(message_id=message.pk)
    assert caplog.records  # urllib3 logs its connections at DEBUG
    secret_key = endpoint.secret.removeprefix("whsec_")
    assert secret_key not in caplog.text


def test_the_task_is_queued_on_commit_and_delivers(
    receiver, celery_eager, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(receiver, events=["lead.created"])
    with django_capture_on_commit_callbacks(execute=True):
        new_lead()
    assert only_message(endpoint=endpoint).status == "delivered"
    assert len(receiver.received) == 1


def test_the_sweep_queues_what_is_due_and_has_no_task_on_the_way(
    receiver, settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.CRM_WEBHOOK_RESEND_AFTER = 30
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    # Just queued (its task is on the way): left alone.
    assert services.webhooks_sweep() == 0
    WebhookMessage.objects.filter(pk=message.pk).update(
        queued_at=timezone.now() - timedelta(seconds=31)
    )
    # Being sent by a worker right now: left alone too.
    WebhookMessage.objects.filter(pk=message.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=30)
    )
    assert services.webhooks_sweep() == 0
    WebhookMessage.objects.filter(pk=message.pk).update(claimed_until=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhooks_sweep() == 1
    message.refresh_from_db()
    assert message.status == "delivered"


def test_the_log_is_kept_for_the_retention_period(receiver, settings):
    settings.CRM_WEBHOOK_LOG_RETENTION_DAYS = 30
    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    new_lead()
    old, recent = WebhookMessage.objects.filter(endpoint=endpoint).order_by("pk")
    for message in (old, recent):
        services.webhook_message_deliver(message_id=message.pk)
    long_ago = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.filter(message=old).update(created_at=long_ago)
    WebhookMessage.objects.filter(pk=old.pk).update(updated_at=long_ago)
    assert services.webhook_log_purge() == (1, 1)
    assert list(WebhookMessage.objects.all()) == [recent]
    assert WebhookDelivery.objects.filter(message=recent).count() == 1


def test_a_deleted_lead_or_an_inactive_endpoint_gets_nothing(receiver):
    active = endpoint_for(receiver, events=["lead.updated"])
    inactive = endpoint_for(receiver, events=["lead.updated"])
    services.webhook_endpoint_set_active(endpoint=inactive, active=False, reason="test")
    lead = LeadFactory()
    services.lead_move_stage(lead=lead, stage="contacted", by=UserFactory())
    assert WebhookMessage.objects.filter(endpoint=active).count() == 1
    assert WebhookMessage.objects.filter(endpoint=inactive).count() == 0


def test_an_endpoint_deleted_while_its_message_is_sent_is_no_error(receiver, monkeypatch):
    from crm.webhooks import transport

    endpoint = endpoint_for(receiver, events=["lead.created"])
    new_lead()
    message = only_message(endpoint=endpoint)
    real_post = transport.post

    def post_then_delete(*args, **kwargs):
        answer = real_post(*args, **kwargs)
        services.webhook_endpoint_delete(endpoint=endpoint)
        return answer

    monkeypatch.setattr(transport, "post", post_then_delete)
    assert services.webhook_message_deliver(message_id=message.pk) == "gone"
    assert len(receiver.received) == 1
    assert not WebhookMessage.objects.exists()
