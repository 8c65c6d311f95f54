"""The crm's services: every write to the pipeline, with who and when."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm import services
from crm.models import Lead, LeadEvent, StaffProfile
from crm.results import QualificationResult
from tests.crm.conftest import reviewer_without_override
from tests.factories import ActivityFactory, ContactFactory, LeadFactory, UserFactory


def classify(lead, *, fit_score=80, recommendation="fractional_cmo"):
    return services.lead_record_qualification(
        lead_id=lead.pk,
        result=QualificationResult(
            recommendation=recommendation,
            alternative=None,
            confidence=0.8,
            fit_score=fit_score,
            fit_grade="A" if fit_score >= 80 else "C",
            needs_review=False,
            explanation=[],
            ruleset_version=1,
        ),
    )


# --- lead_update ---------------------------------------------------------------------


@pytest.mark.django_db
def test_lead_update_changes_only_what_is_given():
    by = UserFactory()
    owner = UserFactory()
    lead = LeadFactory(owner=owner, next_follow_up_at=timezone.now())
    services.lead_update(lead=lead, by=by, stage="contacted")
    lead.refresh_from_db()
    assert lead.owner == owner
    assert lead.next_follow_up_at is not None
    assert list(lead.events.values_list("kind", flat=True)) == [LeadEvent.Kind.STAGE]


@pytest.mark.django_db
def test_lead_update_with_none_clears_owner_and_follow_up():
    by = UserFactory()
    lead = LeadFactory(owner=by, next_follow_up_at=timezone.now())
    services.lead_update(lead=lead, by=by, owner=None, next_follow_up_at=None)
    lead.refresh_from_db()
    assert lead.owner is None and lead.next_follow_up_at is None
    assert lead.events.get(kind=LeadEvent.Kind.ASSIGNED).to_value == ""


@pytest.mark.django_db
def test_lead_update_records_nothing_when_nothing_changes():
    by = UserFactory()
    lead = LeadFactory(owner=by)
    services.lead_update(lead=lead, by=by, stage="new", owner=by, override_recommendation="")
    assert not lead.events.exists()


@pytest.mark.django_db
def test_lead_update_is_all_or_nothing():
    by = UserFactory()
    lead = LeadFactory()
    with pytest.raises(ValueError):
        services.lead_update(lead=lead, by=by, owner=by, stage="lost")  # no reason
    lead.refresh_from_db()
    assert lead.owner is None
    assert not lead.events.exists()


@pytest.mark.django_db
def test_removing_an_override_needs_a_reason_and_is_recorded():
    by = UserFactory(roles=["Reviewer"])
    lead = LeadFactory(override_recommendation="consultant", override_reason="first")
    with pytest.raises(ValueError):
        services.lead_update(lead=lead, by=by, override_recommendation="")
    services.lead_update(lead=lead, by=by, override_recommendation="", override_reason="wrong")
    lead.refresh_from_db()
    assert lead.override_recommendation == "" and lead.override_reason == ""
    assert lead.events.get(kind=LeadEvent.Kind.OVERRIDE).note == "wrong"


# --- stage changes -------------------------------------------------------------------


@pytest.mark.django_db
def test_marking_a_lead_lost_needs_a_reason():
    lead = LeadFactory()
    with pytest.raises(ValueError):
        services.lead_move_stage(lead=lead, stage="lost", by=None, reason="  ")
    services.lead_move_stage(lead=lead, stage="lost", by=None, reason="No budget this year")
    assert Lead.objects.get(pk=lead.pk).lost_reason == "No budget this year"


@pytest.mark.django_db
def test_a_closed_lead_cannot_reopen_beside_another_open_one():
    contact = ContactFactory()
    closed = LeadFactory(contact=contact, stage="won")
    assert services.lead_stage_change_problem(lead=closed, stage="new") is None
    LeadFactory(contact=contact)
    assert services.lead_stage_change_problem(lead=closed, stage="new")
    assert services.lead_stage_change_problem(lead=closed, stage="disqualified") is None


# --- activities and the follow-up ----------------------------------------------------


@pytest.mark.django_db
def test_completing_the_follow_up_activity_moves_the_follow_up_to_the_next_one():
    lead = LeadFactory()
    soon = services.activity_create(
        lead=lead, kind="call", due_at=timezone.now() + timedelta(days=1)
    )
    later = services.activity_create(
        lead=lead, kind="meeting", due_at=timezone.now() + timedelta(days=5)
    )
    lead.refresh_from_db()
    assert lead.next_follow_up_at == soon.due_at
    services.activity_update(activity=soon, kind="call", due_at=soon.due_at, done_at=timezone.now())
    lead.refresh_from_db()
    assert lead.next_follow_up_at == later.due_at


@pytest.mark.django_db
def test_deleting_the_last_open_activity_clears_its_follow_up():
    lead = LeadFactory()
    call = services.activity_create(lead=lead, kind="call", due_at=timezone.now())
    services.activity_delete(activity=call)
    lead.refresh_from_db()
    assert lead.next_follow_up_at is None


@pytest.mark.django_db
def test_a_follow_up_set_by_hand_survives_an_unrelated_activity_change():
    lead = LeadFactory()
    chosen = timezone.now() + timedelta(hours=3)
    services.lead_set_follow_up(lead=lead, at=chosen)
    note = ActivityFactory(lead=lead, due_at=None)
    services.activity_update(activity=note, kind="note", body="edited")
    lead.refresh_from_db()
    assert lead.next_follow_up_at == chosen


@pytest.mark.django_db
def test_contact_update_stores_the_email_normalized():
    contact = ContactFactory()
    services.contact_update(contact=contact, email="  Marie@Example.COM ", first_name="Marie")
    contact.refresh_from_db()
    assert contact.email == "marie@example.com"


@pytest.mark.django_db
def test_staff_profile_set_language_creates_or_updates_the_profile():
    user = UserFactory()
    services.staff_profile_set_language(user=user, language="en")
    services.staff_profile_set_language(user=user, language="fr")
    assert StaffProfile.objects.get(user=user).language == "fr"


# --- the new-lead notification -------------------------------------------------------


@pytest.mark.django_db
def test_first_classification_above_the_threshold_emails_the_practice_once(
    celery_eager, django_capture_on_commit_callbacks, settings
):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    lead = LeadFactory(
        pending=True, contact__first_name="Hélène", contact__company__name="Fromagerie Lapointe"
    )
    with django_capture_on_commit_callbacks(execute=True):
        classify(lead, fit_score=82)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["cmo@practice.example"]
    assert "Hélène" in message.subject and "Fromagerie Lapointe" in message.subject
    assert f"/admin/crm/lead/{lead.pk}/change/" in message.body
    lead.refresh_from_db()
    assert lead.practice_notified_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        classify(lead, fit_score=90)  # re-classified: not a new lead any more
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_notification_below_the_threshold(
    celery_eager, django_capture_on_commit_callbacks, settings
):
    settings.CRM_NOTIFY_FIT_SCORE_AT_LEAST = 85
    lead = LeadFactory(pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        classify(lead, fit_score=84)
    assert mail.outbox == []
    lead.refresh_from_db()
    assert lead.practice_notified_at is None


@pytest.mark.django_db
def test_the_notification_is_sent_once_even_if_the_task_runs_twice(settings):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    lead = LeadFactory(fit_score=90)
    assert services.lead_notify_practice(lead_id=lead.pk) is True
    assert services.lead_notify_practice(lead_id=lead.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_no_notification_without_a_practice_address(settings):
    settings.CRM_PRACTICE_EMAIL = ""
    lead = LeadFactory(fit_score=90)
    assert services.lead_notify_practice(lead_id=lead.pk) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_notification_is_written_in_the_practices_language(settings):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    settings.CRM_PRACTICE_LANGUAGE = "en"
    lead = LeadFactory(fit_score=90, recommendation="consultant")
    services.lead_notify_practice(lead_id=lead.pk)
    assert "Marketing consultant" in mail.outbox[0].subject
    assert "Open the lead:" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_broker_that_is_down_does_not_undo_the_classification(
    django_capture_on_commit_callbacks, caplog
):
    # Unit tests point Celery at a port where no Redis runs.
    lead = LeadFactory(pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        classify(lead, fit_score=95)
    lead.refresh_from_db()
    assert lead.recommendation == "fractional_cmo"
    assert lead.practice_notified_at is None
    assert "notify_new_lead" in caplog.text


# --- who may override --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("call", ["lead_override_recommendation", "lead_update"])
def test_a_user_without_the_override_permission_cannot_override(call):
    by = reviewer_without_override()
    lead = LeadFactory(recommendation="fractional_cmo")
    with pytest.raises(services.OverrideNotAllowed) as refused:
        if call == "lead_update":
            services.lead_update(
                lead=lead,
                by=by,
                stage="contacted",
                override_recommendation="consultant",
                override_reason="Campaign only",
            )
        else:
            services.lead_override_recommendation(
                lead=lead, recommendation="consultant", reason="Campaign only", by=by
            )
    assert isinstance(refused.value, PermissionDenied)
    lead.refresh_from_db()
    assert (lead.override_recommendation, lead.stage, lead.reviewed_by) == ("", "new", None)
    assert not lead.events.exists()


@pytest.mark.django_db
def test_nobody_cannot_override_either():
    lead = LeadFactory(override_recommendation="consultant", override_reason="first")
    with pytest.raises(services.OverrideNotAllowed):
        services.lead_override_recommendation(
            lead=lead, recommendation="", reason="script", by=None
        )
    lead.refresh_from_db()
    assert lead.override_recommendation == "consultant"


@pytest.mark.django_db
def test_a_user_with_the_override_permission_may_override():
    by = UserFactory(roles=["Reviewer"])
    lead = LeadFactory(recommendation="fractional_cmo")
    services.lead_override_recommendation(
        lead=lead, recommendation="consultant", reason="Campaign only", by=by
    )
    lead.refresh_from_db()
    assert (lead.override_recommendation, lead.override_by) == ("consultant", by)
