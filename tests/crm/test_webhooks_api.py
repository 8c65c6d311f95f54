"""Issue 14: the staff API's webhooks, and the admin's endpoint and delivery screens."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from crm import services
from crm.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from tests.factories import ContactFactory, UserFactory
from tests.webhook_receiver import Reply

pytestmark = pytest.mark.django_db

LIST = "/api/v1/webhooks/"


@pytest.fixture
def private_allowed(settings):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


def register(api, url="https://hooks.example.com/in", events=("lead.created",), **more):
    return api.post(
        LIST, {"url": url, "events": list(events), "description": "Slack", **more}, format="json"
    )


def test_register_shows_the_secret_once_and_never_again(sales_api, sales_user):
    answer = register(sales_api)
    assert answer.status_code == 201
    secret = answer.json()["secret"]
    assert secret.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.secret, endpoint.created_by) == (secret, sales_user)
    assert answer.json()["events"] == ["lead.created"]

    listed = sales_api.get(LIST)
    assert listed.status_code == 200
    assert "secret" not in listed.json()[0]
    assert secret not in listed.content.decode()
    read = sales_api.get(f"{LIST}{endpoint.pk}/")
    assert "secret" not in read.json() and secret not in read.content.decode()


def test_rotate_secret_shows_the_new_one_once(sales_api):
    endpoint_id = register(sales_api).json()["id"]
    old = WebhookEndpoint.objects.get().secret
    answer = sales_api.post(f"{LIST}{endpoint_id}/rotate-secret/")
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert answer.json()["secret"] == endpoint.secret != old
    assert endpoint.previous_secret == old
    assert endpoint.secret not in sales_api.get(LIST).content.decode()


def test_delete_removes_the_endpoint(sales_api):
    endpoint_id = register(sales_api).json()["id"]
    assert sales_api.delete(f"{LIST}{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert sales_api.delete(f"{LIST}{endpoint_id}/").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url", "events": ["lead.created"]}, "url"),
        ({"url": "ftp://hooks.example.com/", "events": ["lead.created"]}, "url"),
        ({"url": "http://hooks.example.com/", "events": ["lead.created"]}, "url"),
        ({"url": "https://10.0.0.5/in", "events": ["lead.created"]}, "url"),
        ({"url": "https://169.254.169.254/", "events": ["lead.created"]}, "url"),
        ({"url": "https://localhost:8000/in", "events": ["lead.created"]}, "url"),
        ({"url": "https://a:b@hooks.example.com/", "events": ["lead.created"]}, "url"),
        ({"url": "https://hooks.example.com/" + "a" * 500, "events": ["lead.created"]}, "url"),
        ({"url": "https://hooks.example.com/", "events": ["lead.deleted"]}, "events"),
        ({"url": "https://hooks.example.com/", "events": []}, "events"),
        ({"url": "https://hooks.example.com/", "events": "lead.created"}, "events"),
        ({"events": ["lead.created"]}, "url"),
        ({"url": "https://hooks.example.com/"}, "events"),
        (
            {"url": "https://hooks.example.com/", "events": ["lead.created"], "secret": "x"},
            "secret",
        ),
        (
            {
                "url": "https://hooks.example.com/",
                "events": ["lead.created"],
                "description": "\x07",
            },
            "description",
        ),
    ],
)
def test_bad_input_is_a_field_level_400_and_saves_nothing(sales_api, body, field):
    answer = sales_api.post(LIST, body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not WebhookEndpoint.objects.exists()


def test_errors_come_in_the_caller_s_language(sales_api):
    answer = sales_api.post(
        LIST,
        {"url": "http://hooks.example.com/", "events": ["lead.created"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert answer.status_code == 400
    assert answer.json()["url"] == ["L’adresse doit commencer par https://."]


def test_private_addresses_are_accepted_when_allowed(sales_api, private_allowed):
    assert register(sales_api, url="http://127.0.0.1:8001/in").status_code == 201


def test_strangers_and_reviewers_are_refused(reviewer_api, db):
    assert APIClient().get(LIST).status_code == 401
    assert reviewer_api.get(LIST).status_code == 403
    assert register(reviewer_api).status_code == 403
    endpoint = services.webhook_endpoint_create(
        url="https://hooks.example.com/", events=["lead.created"], by=None
    )
    assert reviewer_api.post(f"{LIST}{endpoint.pk}/rotate-secret/").status_code == 403
    assert reviewer_api.get(f"{LIST}{endpoint.pk}/deliveries/").status_code == 403
    assert reviewer_api.delete(f"{LIST}{endpoint.pk}/").status_code == 403


def test_deliveries_are_listed_and_a_replay_sends_the_same_webhook_id(
    sales_api, receiver, private_allowed
):
    receiver.replies = [Reply(500, body=b"<b>down</b>")]
    created = register(sales_api, url=receiver.url).json()
    services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    message = WebhookMessage.objects.get()
    services.webhook_message_deliver(message_id=message.pk)

    log = sales_api.get(f"{LIST}{created['id']}/deliveries/")
    assert log.status_code == 200
    [line] = log.json()["results"]
    assert line["webhook_id"] == message.msg_id
    assert (line["event_type"], line["attempt"], line["outcome"]) == ("lead.created", 1, "failed")
    assert (line["response_status"], line["response_excerpt"]) == (500, "<b>down</b>")
    assert created["secret"] not in log.content.decode()

    replay = sales_api.post(f"{LIST}{created['id']}/deliveries/{line['id']}/replay/")
    assert replay.status_code == 202
    assert replay.json()["webhook_id"] == message.msg_id
    assert services.webhook_message_deliver(message_id=message.pk) == "succeeded"
    first, again = receiver.received
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == message.msg_id
    Webhook(created["secret"]).verify(again.body, again.headers)

    other = register(sales_api, url=receiver.url).json()
    wrong = f"{LIST}{other['id']}/deliveries/{line['id']}/replay/"
    assert sales_api.post(wrong).status_code == 404


def test_replay_on_a_disabled_endpoint_is_a_clear_400(sales_api, receiver, private_allowed):
    created = register(sales_api, url=receiver.url).json()
    services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    message = WebhookMessage.objects.get()
    services.webhook_message_deliver(message_id=message.pk)
    endpoint = WebhookEndpoint.objects.get()
    services.webhook_endpoint_set_active(endpoint=endpoint, active=False, reason="test")
    delivery = WebhookDelivery.objects.get()
    url = f"{LIST}{created['id']}/deliveries/{delivery.pk}/replay/"
    answer = sales_api.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    assert answer.json() == {
        "non_field_errors": ["This endpoint is disabled: enable it before replaying."]
    }


# --- the admin -----------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_admin_registration_shows_the_secret_once(admin_client, private_allowed):
    answer = admin_client.post(
        reverse("admin:crm_webhookendpoint_add"),
        {"url": "http://127.0.0.1:8001/in", "events": ["lead.created", "lead.erased"]},
    )
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["lead.created", "lead.erased"]
    page = answer.content.decode()
    assert endpoint.secret in page
    assert "no-store" in answer["Cache-Control"]
    for url in (
        reverse("admin:crm_webhookendpoint_changelist"),
        reverse("admin:crm_webhookendpoint_change", args=[endpoint.pk]),
    ):
        shown = admin_client.get(url)
        assert shown.status_code == 200
        assert endpoint.secret not in shown.content.decode()


def test_admin_refuses_a_private_url_with_a_field_error(admin_client):
    answer = admin_client.post(
        reverse("admin:crm_webhookendpoint_add"),
        {"url": "https://192.168.0.10/in", "events": ["lead.created"]},
    )
    assert answer.status_code == 200
    # In French, the site's language.
    assert "Les webhooks ne peuvent pas aller à une adresse privée" in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_admin_rotate_enable_and_disable_actions(admin_client):
    endpoint = services.webhook_endpoint_create(
        url="https://hooks.example.com/", events=["lead.created"], by=None
    )
    old = endpoint.secret
    changelist = reverse("admin:crm_webhookendpoint_changelist")
    answer = admin_client.post(
        changelist, {"action": "rotate_secret", "_selected_action": [endpoint.pk]}
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in answer.content.decode()
    admin_client.post(changelist, {"action": "disable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "root" in endpoint.disabled_reason
    admin_client.post(changelist, {"action": "enable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_admin_delivery_log_escapes_what_the_receiver_said_and_replays(
    admin_client, receiver, private_allowed
):
    hostile = "<script>alert('x')</script>" + "\u202e" + "W" * 5000
    receiver.replies = [Reply(500, body=hostile.encode())]
    services.webhook_endpoint_create(url=receiver.url, events=["lead.created"], by=None)
    services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    message = WebhookMessage.objects.get()
    services.webhook_message_deliver(message_id=message.pk)
    delivery = WebhookDelivery.objects.get()

    changelist = reverse("admin:crm_webhookdelivery_changelist")
    page = admin_client.get(changelist).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "W" * 200 not in page  # cut short in the list
    detail = admin_client.get(reverse("admin:crm_webhookdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200 and "<script>alert" not in detail.content.decode()

    admin_client.post(changelist, {"action": "replay", "_selected_action": [delivery.pk]})
    message.refresh_from_db()
    assert message.status == "pending"
    assert services.webhook_message_deliver(message_id=message.pk) == "succeeded"
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
