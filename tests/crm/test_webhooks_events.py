"""Issue 14: each webhook event is written by the service call that makes the change, in its
transaction, once per change, with the lead as the staff API shows it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from crm import services
from crm.models import WebhookMessage
from crm.results import QualificationResult
from crm.serializers import LeadSerializer
from crm.webhooks.addresses import address_refused, url_problem
from tests.factories import ContactFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL_EVENTS = ["lead.created", "lead.classified", "lead.updated", "lead.overridden", "lead.erased"]


@pytest.fixture
def endpoint(settings):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    return services.webhook_endpoint_create(url="http://127.0.0.1:9/in", events=ALL_EVENTS, by=None)


def result(recommendation="fractional_cmo", grade="A") -> QualificationResult:
    return QualificationResult(
        recommendation=recommendation,
        confidence=0.8,
        needs_review=False,
        alternative=None,
        fit_score=80,
        fit_grade=grade,
        explanation=[],
        ruleset_version=1,
    )


def events() -> list[tuple[str, int]]:
    return list(WebhookMessage.objects.order_by("pk").values_list("event_type", "lead_id"))


def body(message: WebhookMessage) -> dict:
    return json.loads(message.body)


def test_a_new_lead_is_lead_created_and_a_returning_prospect_is_nothing(endpoint):
    contact = ContactFactory()
    lead, _created = services.lead_open_or_attach(contact=contact, language="en")
    assert events() == [("lead.created", lead.pk)]
    services.lead_open_or_attach(contact=contact, language="en")
    assert events() == [("lead.created", lead.pk)]
    message = WebhookMessage.objects.get()
    assert body(message)["type"] == "lead.created"
    assert body(message)["data"] == json.loads(json.dumps(LeadSerializer(lead).data, default=str))


def test_a_classification_is_lead_classified_with_the_result(endpoint):
    lead = LeadFactory(pending=True)
    services.lead_record_qualification(lead_id=lead.pk, result=result())
    assert events() == [("lead.classified", lead.pk)]
    data = body(WebhookMessage.objects.get())["data"]
    assert data["classification"]["recommendation"] == "fractional_cmo"
    assert data["recommendation"] == "fractional_cmo"


def test_bulk_rescoring_raises_lead_classified_where_the_result_changed(endpoint):
    changed = LeadFactory(recommendation="consultant", fit_grade="B")
    same = LeadFactory(recommendation="fractional_cmo", fit_grade="A", needs_review=False)
    services.leads_bulk_record_qualification(results=[(changed.pk, result()), (same.pk, result())])
    assert events() == [("lead.classified", changed.pk)]


def test_one_staff_change_of_stage_owner_and_follow_up_is_one_lead_updated(endpoint):
    lead = LeadFactory()
    staff = UserFactory(roles=["Sales"])
    services.lead_update(
        lead=lead,
        by=staff,
        stage="contacted",
        owner=staff,
        next_follow_up_at=timezone.now() + timedelta(days=2),
    )
    assert events() == [("lead.updated", lead.pk)]
    data = body(WebhookMessage.objects.get())["data"]
    assert (data["stage"], data["owner"]) == ("contacted", staff.get_username())
    assert data["next_follow_up_at"] is not None


def test_each_change_on_its_own_is_a_lead_updated(endpoint):
    lead = LeadFactory()
    staff = UserFactory()
    services.lead_move_stage(lead=lead, stage="contacted", by=staff)
    services.lead_assign(lead=lead, owner=staff, by=staff)
    services.lead_set_follow_up(lead=lead, at=timezone.now())
    services.lead_move_stage(lead=lead, stage="contacted", by=staff)  # no change
    assert events() == [("lead.updated", lead.pk)] * 3


def test_an_override_is_lead_overridden(endpoint):
    lead = LeadFactory(recommendation="consultant")
    staff = UserFactory(roles=["Sales"])
    services.lead_update(
        lead=lead, by=staff, override_recommendation="fractional_cmo", override_reason="Met them"
    )
    assert events() == [("lead.overridden", lead.pk)]
    data = body(WebhookMessage.objects.get())["data"]
    assert data["override"]["recommendation"] == "fractional_cmo"


def test_nothing_is_written_when_the_change_rolls_back(endpoint):
    lead = LeadFactory()
    staff = UserFactory()
    with pytest.raises(ValueError):
        services.lead_update(lead=lead, by=staff, owner=staff, stage="lost", reason="")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.lead_move_stage(lead=lead, stage="contacted", by=staff)
        raise RuntimeError("the caller fails after the change")
    assert events() == []


def test_an_erased_lead_is_ids_only_and_what_was_said_about_it_is_forgotten(endpoint):
    lead = LeadFactory()
    services.lead_move_stage(lead=lead, stage="contacted", by=None)
    earlier = WebhookMessage.objects.get()
    services.webhook_lead_erased(lead_id=lead.pk)
    erased = WebhookMessage.objects.get(event_type="lead.erased")
    assert body(erased)["data"] == {"id": lead.pk}
    earlier.refresh_from_db()
    assert (earlier.status, earlier.body) == ("cancelled", "")
    assert lead.contact.email not in erased.body


def test_an_endpoint_gets_only_the_events_it_chose(endpoint):
    only_created = services.webhook_endpoint_create(
        url="http://127.0.0.1:9/other", events=["lead.created"], by=None
    )
    lead, _ = services.lead_open_or_attach(contact=ContactFactory(), language="fr")
    services.lead_move_stage(lead=lead, stage="contacted", by=None)
    assert list(only_created.messages.values_list("event_type", flat=True)) == ["lead.created"]
    assert endpoint.messages.count() == 2
    assert len(set(WebhookMessage.objects.values_list("msg_id", flat=True))) == 3


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # Alibaba metadata, shared address space
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
    ],
)
def test_addresses_inside_the_network_are_refused(address):
    import ipaddress

    assert address_refused(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    import ipaddress

    assert not address_refused(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "allowed_private", "refused"),
    [
        ("https://hooks.example.com/in", False, False),
        ("http://hooks.example.com/in", False, True),
        ("http://hooks.example.com/in", True, False),
        ("https://127.0.0.1/in", False, True),
        ("https://127.0.0.1/in", True, False),
        ("https://[::1]:8443/in", False, True),
        ("https://localhost/in", False, True),
        ("https://api.localhost/in", False, True),
        ("https://169.254.169.254/latest/meta-data/", False, True),
        ("https://user:pass@hooks.example.com/in", False, True),
        ("https://hooks.example.com/in#frag", False, True),
        ("ftp://hooks.example.com/in", True, True),
        ("https:///nohost", False, True),
        ("https://hooks.example.com:99999/", False, True),
    ],
)
def test_url_rules(url, allowed_private, refused):
    assert (url_problem(url, allow_private=allowed_private) is not None) is refused
