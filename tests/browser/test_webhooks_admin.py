"""Issue 14: a staff member registers a webhook receiver in the admin (Chromium, French UI),
copies the secret shown once, and reads a delivery log holding a hostile answer, with no
CSP violation and nothing of the answer run or widening the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm import services
from crm.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from tests.browser.test_admin import PASSWORD, log_in
from tests.browser.test_content_security_policy import settle, violations  # noqa: F401
from tests.factories import ContactFactory, UserFactory
from tests.webhook_receiver import Reply

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HOSTILE = "<img src=x onerror=alert(1)>" + "\u202e" + "W" * 3000


def test_register_a_receiver_see_the_secret_once_and_read_a_hostile_log(
    page,
    live_server,
    receiver,
    settings,
    violations,  # noqa: F811
):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    user = UserFactory(username="webmestre", is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    log_in(page, live_server.url, "webmestre")

    page.goto(f"{live_server.url}/admin/crm/webhookendpoint/add/")
    page.fill("#id_url", receiver.url)
    page.check("input[name=events][value='lead.created']")
    page.fill("#id_description", "Infolettre")
    page.click("input[name=_save]")
    expect(page.locator("#crm-webhook-secret")).to_be_visible()
    endpoint = WebhookEndpoint.objects.get()
    assert page.input_value("#crm-webhook-secret") == endpoint.secret
    expect(page.get_by_text("Copiez le secret maintenant")).to_be_visible()
    settle(page)

    page.goto(f"{live_server.url}/admin/crm/webhookendpoint/")
    expect(page.get_by_text("Infolettre")).to_be_visible()
    assert endpoint.secret not in page.content()

    receiver.replies = [Reply(500, body=HOSTILE.encode())]
    services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    services.webhook_message_deliver(message_id=WebhookMessage.objects.get().pk)
    delivery = WebhookDelivery.objects.get()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (
        "/admin/crm/webhookdelivery/",
        f"/admin/crm/webhookdelivery/{delivery.pk}/change/",
    ):
        page.goto(live_server.url + path)
        settle(page)
        expect(page.get_by_text("<img src=x onerror=alert(1)>", exact=False).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280 + 20, (path, width)
    assert dialogs == []
    assert violations == []
