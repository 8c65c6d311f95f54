"""Reminders: each owner's daily digest of follow-ups, in their language, once a day."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from crm import tasks
from crm.models import StaffProfile
from crm.services import follow_up_digests_send
from tests.factories import ActivityFactory, LeadFactory, UserFactory

MONTREAL = ZoneInfo("America/Montreal")
# 7:30 in the morning, when the beat schedule sends the digests.
MORNING = datetime(2026, 3, 10, 7, 30, tzinfo=MONTREAL)


def at(days: int = 0, hour: int = 10) -> datetime:
    return (MORNING + timedelta(days=days)).replace(hour=hour, minute=0)


@pytest.fixture
def owners():
    francine = UserFactory(username="francine", first_name="Francine", email="f@practice.ca")
    ethan = UserFactory(username="ethan", first_name="Ethan", email="e@practice.ca")
    StaffProfile.objects.create(user=ethan, language="en")
    return francine, ethan


def message_to(address):
    return next(message for message in mail.outbox if message.to == [address])


@pytest.mark.django_db
def test_each_owner_gets_one_email_of_due_and_overdue_follow_ups_in_their_language(owners):
    francine, ethan = owners
    LeadFactory(owner=francine, next_follow_up_at=at(-2), contact__first_name="Overdue")
    ActivityFactory(
        owner=francine,
        kind="call",
        due_at=at(0, 14),
        body="Rappeler pour la proposition",
        lead__contact__first_name="Today",
    )
    ActivityFactory(owner=francine, due_at=at(1), lead__contact__first_name="Tomorrow")
    ActivityFactory(owner=francine, due_at=at(-1), done_at=at(-1), lead__contact__first_name="Done")
    LeadFactory(
        owner=francine,
        stage="lost",
        lost_reason="x",
        next_follow_up_at=at(-3),
        contact__first_name="Closed",
    )
    LeadFactory(owner=ethan, next_follow_up_at=at(0, 9), contact__first_name="Morning")
    UserFactory(username="idle", email="idle@practice.ca")

    assert follow_up_digests_send(now=MORNING) == 2

    french = message_to("f@practice.ca")
    assert french.subject == "Vos suivis : 2 à faire"
    assert "Bonjour Francine," in french.body
    assert "En retard (1) :" in french.body and "Overdue Nom" in french.body
    assert "Pour aujourd’hui (1) :" in french.body
    assert "Appel : Today" in french.body and "Rappeler pour la proposition" in french.body
    for absent in ("Tomorrow", "Done", "Closed"):
        assert absent not in french.body

    english = message_to("e@practice.ca")
    assert english.subject == "Your follow-ups: 1 to do"
    assert "Hello Ethan," in english.body
    assert "Due today (1):" in english.body and "Morning" in english.body
    assert "Overdue" not in english.body


@pytest.mark.django_db
def test_a_call_that_set_the_follow_up_is_listed_once(owners):
    francine, _ = owners
    lead = LeadFactory(owner=francine, contact__first_name="Once")
    call = ActivityFactory(lead=lead, owner=francine, due_at=at(0, 11))
    lead.next_follow_up_at = call.due_at
    lead.save()
    follow_up_digests_send(now=MORNING)
    assert message_to("f@practice.ca").body.count("Once") == 1


@pytest.mark.django_db
def test_the_digest_goes_once_a_day(owners):
    francine, _ = owners
    LeadFactory(owner=francine, next_follow_up_at=at(-1))
    assert follow_up_digests_send(now=MORNING) == 1
    assert follow_up_digests_send(now=MORNING + timedelta(hours=3)) == 0
    assert follow_up_digests_send(now=MORNING + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_an_owner_without_an_email_address_is_skipped():
    LeadFactory(owner=UserFactory(email=""), next_follow_up_at=at(-1))
    assert follow_up_digests_send(now=MORNING) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_beat_task_sends_the_digests(owners, celery_eager):
    francine, _ = owners
    LeadFactory(owner=francine, next_follow_up_at=at(-400))
    assert tasks.send_follow_up_digests.delay().get() == 1
    assert mail.outbox[0].to == ["f@practice.ca"]


@pytest.mark.django_db
def test_the_notify_task_returns_quietly_for_a_lead_that_is_gone(celery_eager, settings):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    assert tasks.notify_new_lead.delay(987654).get() is False
    assert mail.outbox == []


def test_the_digest_task_is_in_the_beat_schedule(settings):
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks.send_follow_up_digests.name in names
