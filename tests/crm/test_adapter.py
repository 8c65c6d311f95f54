"""A host replaces who is told about a lead, and how, with ``CRM_ADAPTER`` (issue 11)."""

from __future__ import annotations

import pytest
from django.core import mail

from crm import services
from crm.adapter import CrmAdapter, Recipient
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, Recipient, dict]] = []


class SalesTeamAdapter(CrmAdapter):
    """Tells the sales team too, in English."""

    def new_lead_recipients(self, lead):
        return [*super().new_lead_recipients(lead), Recipient("sales@example.com", "en")]


class ChatAdapter(CrmAdapter):
    """Posts to a chat tool instead of e-mailing (here: a list)."""

    def send_notification(self, *, name, recipient, context):
        SENT.append((name, recipient, context))


class NobodyAdapter(CrmAdapter):
    def returning_prospect_recipients(self, lead):
        return []


def test_by_default_the_practice_hears_of_a_new_lead(settings):
    settings.CRM_PRACTICE_EMAIL, settings.CRM_PRACTICE_LANGUAGE = "cmo@example.com", "fr"
    lead = LeadFactory()
    assert services.lead_notify_practice(lead_id=lead.pk) is True
    assert [message.to for message in mail.outbox] == [["cmo@example.com"]]


def test_a_host_adds_recipients_each_in_their_language(settings):
    settings.CRM_PRACTICE_EMAIL, settings.CRM_PRACTICE_LANGUAGE = "cmo@example.com", "fr"
    settings.CRM_ADAPTER = f"{__name__}.SalesTeamAdapter"
    lead = LeadFactory()
    assert services.lead_notify_practice(lead_id=lead.pk) is True
    by_address = {message.to[0]: message.subject for message in mail.outbox}
    assert set(by_address) == {"cmo@example.com", "sales@example.com"}
    assert by_address["cmo@example.com"] != by_address["sales@example.com"]  # fr / en
    lead.refresh_from_db()
    assert lead.practice_notified_at is not None
    assert services.lead_notify_practice(lead_id=lead.pk) is False  # once per lead


def test_a_host_sends_through_another_channel(settings):
    settings.CRM_PRACTICE_EMAIL = "cmo@example.com"
    settings.CRM_ADAPTER = f"{__name__}.ChatAdapter"
    SENT.clear()
    owner = UserFactory(email="owner@example.com")
    lead = LeadFactory(owner=owner)
    assert services.lead_notify_return(lead_id=lead.pk, changes=2) is True
    assert mail.outbox == []
    [(name, recipient, context)] = SENT
    assert (name, recipient.email, context["changes"]) == ("returning_prospect", owner.email, 2)
    assert context["lead_url"].endswith(f"/admin/crm/lead/{lead.pk}/change/")


def test_nobody_to_tell_sends_nothing(settings):
    settings.CRM_PRACTICE_EMAIL = "cmo@example.com"
    settings.CRM_ADAPTER = f"{__name__}.NobodyAdapter"
    lead = LeadFactory()
    assert services.lead_notify_return(lead_id=lead.pk, changes=1) is False
    assert mail.outbox == []
