"""The intake services: one transaction, then the send; the send never raises; the sweep."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from celery import current_app
from django.db import IntegrityError
from django.utils import timezone

from crm import services as crm_services
from crm.models import Consent, Contact, Lead
from qualification import selectors, services
from qualification.consent import WORDINGS
from qualification.idempotency import IdempotencyKeyReused, for_request
from qualification.models import Submission
from qualification.selectors import questionnaire_current
from tests.factories import (
    VALID_ANSWERS,
    SubmissionFactory,
    receive_submission,
    submission_payload,
)

pytestmark = pytest.mark.django_db


def receive(**overrides):
    """A web form submission, as the intake stores it."""
    return receive_submission(
        **{
            "language": "fr",
            "channel": Submission.Channel.WEB_FORM,
            "ip_address": "192.0.2.10",
            "user_agent": "Firefox",
            "consent_source": "https://leads.example/fr/questionnaire/",
            **overrides,
        }
    )


@pytest.fixture
def send_task():
    with mock.patch("qualification.publish.send_task") as send:
        yield send


def test_the_task_is_sent_only_once_the_transaction_has_committed(
    send_task, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        submission, created = receive()
        send_task.assert_not_called()
    assert created is True
    assert len(callbacks) == 1
    callbacks[0]()
    send_task.assert_called_once_with(
        current_app, "qualification.tasks.classify_submission", args=[submission.pk]
    )
    submission.refresh_from_db()
    assert submission.enqueued_at is not None
    assert submission.status == Submission.Status.PENDING


def test_the_intake_writes_the_submission_alone_with_what_the_worker_needs(send_task):
    submission, _ = receive(consent=submission_payload(consent={"marketing": True})["consent"])
    assert (Contact.objects.count(), Lead.objects.count(), Consent.objects.count()) == (0, 0, 0)
    assert submission.lead is None
    details = Submission.objects.get().details
    assert details["contact"]["email"] == submission_payload()["contact"]["email"]
    assert details["consent"]["marketing"]["granted"] is True
    assert details["consent"]["contact"]["wording"] == WORDINGS["contact"].render("fr")


def test_filing_creates_contact_lead_and_consents_dated_when_the_prospect_wrote(send_task):
    submission, _ = receive()
    Submission.objects.filter(pk=submission.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    submission.refresh_from_db()

    lead_id = services.submission_file_lead(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.lead_id == lead_id
    lead = Lead.objects.get()
    assert lead.created_at == submission.created_at
    assert lead.answers == submission.answers
    assert {consent.created_at for consent in Consent.objects.all()} == {submission.created_at}
    # Filing again changes nothing.
    assert services.submission_file_lead(submission_id=submission.pk) == lead_id
    assert (Lead.objects.count(), Consent.objects.count()) == (1, 2)


def test_a_failure_half_way_through_filing_leaves_nothing_of_it_behind(send_task):
    submission, _ = receive()
    with (
        mock.patch("crm.services.consents_record", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        services.submission_file_lead(submission_id=submission.pk)
    assert (Contact.objects.count(), Lead.objects.count()) == (0, 0)
    submission.refresh_from_db()
    assert submission.lead is None
    assert submission.status == Submission.Status.PENDING


def test_an_older_submission_filed_late_does_not_replace_the_newer_answers(send_task):
    older, _ = receive(answers={**VALID_ANSWERS, "context": "older"})
    newer, _ = receive(answers={**VALID_ANSWERS, "context": "newer"})
    services.submission_file_lead(submission_id=newer.pk)
    services.submission_file_lead(submission_id=older.pk)
    lead = Lead.objects.get()
    assert lead.answers["context"] == "newer"
    assert lead.submission_count == 2


def test_a_web_form_submission_records_the_page_as_the_consent_source(send_task):
    submission, _ = receive()
    services.submission_file_lead(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.channel == Submission.Channel.WEB_FORM
    assert submission.lead.source == "web_form"
    assert set(Consent.objects.values_list("source", flat=True)) == {
        "https://leads.example/fr/questionnaire/"
    }
    assert submission.ip_address == "192.0.2.10"
    assert submission.user_agent == "Firefox"


def key(value: str, *, client: str = "192.0.2.1", body: object = "same body"):
    return for_request(key=value, client=client, body=body)


def test_an_idempotency_key_already_used_returns_the_first_submission(send_task):
    first, created = receive(idempotency=key("form:1"))
    again, created_again = receive(idempotency=key("form:1"))
    assert (created, created_again) == (True, False)
    assert again == first
    assert first.first_response == {
        "status_code": 202,
        "body": {"id": str(first.public_id), "status": "pending"},
    }


def test_a_key_used_by_another_client_is_another_key(send_task):
    first, _ = receive(idempotency=key("k", client="192.0.2.1"))
    other, created = receive(idempotency=key("k", client="198.51.100.7"))
    assert created is True
    assert other != first
    assert Submission.objects.count() == 2


def test_a_key_reused_with_another_body_is_refused(send_task):
    receive(idempotency=key("k", body={"a": 1}))
    with pytest.raises(IdempotencyKeyReused):
        receive(idempotency=key("k", body={"a": 2}))
    assert Submission.objects.count() == 1


def test_a_key_is_forgotten_after_its_lifetime(send_task, settings):
    settings.QUALIFICATION_IDEMPOTENCY_KEY_HOURS = 24
    first, _ = receive(idempotency=key("k"))
    Submission.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    second, created = receive(idempotency=key("k", body="another body"))
    assert created is True
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.idempotency_key is None  # freed, so the new one could take it
    assert second.idempotency_key == "k"


def test_a_race_on_the_same_idempotency_key_is_settled_by_the_unique_key(send_task):
    first, _ = receive(idempotency=key("same"))
    real_lookup = selectors.submission_by_idempotency_key
    lookups = []

    def lookup_missing_the_winner_once(**kwargs):
        # The loser looked before the winner had committed.
        lookups.append(kwargs)
        return None if len(lookups) == 1 else real_lookup(**kwargs)

    with mock.patch(
        "qualification.services.intake.submission_by_idempotency_key",
        lookup_missing_the_winner_once,
    ):
        again, created = receive(idempotency=key("same"))

    assert (again, created) == (first, False)
    assert len(lookups) == 2
    assert Submission.objects.count() == 1
    # The loser's insert was rolled back: the prospect came once.
    services.submission_file_lead(submission_id=first.pk)
    assert Lead.objects.get().submission_count == 1
    assert Consent.objects.count() == 2


def test_filing_that_lost_a_race_on_a_new_email_is_retried(send_task):
    real_upsert = crm_services.contact_find_or_create
    calls = []

    def upsert_losing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise IntegrityError("UNIQUE constraint failed: crm_contact.email")
        return real_upsert(**kwargs)

    submission, _ = receive()
    with mock.patch("crm.services.contact_find_or_create", upsert_losing_once):
        lead_id = services.submission_file_lead(submission_id=submission.pk)
    assert len(calls) == 2
    assert Submission.objects.get().lead_id == lead_id == Lead.objects.get().pk


def test_spam_is_stored_without_contact_lead_or_task(send_task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_receive_spam(
            questionnaire=questionnaire_current(),
            language="en",
            channel=Submission.Channel.API,
            payload={"fax": "buy now", "answers": VALID_ANSWERS},
        )
    assert submission.status == Submission.Status.SPAM
    assert submission.lead is None
    assert Contact.objects.count() == 0
    send_task.assert_not_called()


# --- sending -------------------------------------------------------------------------


def test_sending_never_raises_when_the_broker_is_down(caplog):
    # Unit tests point the broker at a port where no Redis runs.
    submission = SubmissionFactory()
    assert services.submission_send_to_classify(submission_id=submission.pk) is False
    submission.refresh_from_db()
    assert submission.enqueued_at is None
    assert submission.status == Submission.Status.PENDING
    assert "stays pending" in caplog.text


def test_a_successful_send_notes_when_it_was_sent(send_task):
    submission = SubmissionFactory()
    assert services.submission_send_to_classify(submission_id=submission.pk) is True
    submission.refresh_from_db()
    assert submission.enqueued_at is not None


# --- the sweep -----------------------------------------------------------------------------


def test_the_sweep_sends_pending_submissions_never_sent_or_sent_long_ago(send_task, settings):
    settings.QUALIFICATION_RESEND_PENDING_AFTER = 120
    now = timezone.now()
    never_sent = SubmissionFactory(enqueued_at=None)
    sent_long_ago = SubmissionFactory(enqueued_at=now - timedelta(seconds=300))
    SubmissionFactory(enqueued_at=now - timedelta(seconds=30))  # just sent: leave it
    SubmissionFactory(status=Submission.Status.CLASSIFIED)
    SubmissionFactory(status=Submission.Status.FAILED)
    SubmissionFactory(status=Submission.Status.SPAM, lead=None)

    assert services.submission_sweep_pending() == 2

    sent_ids = sorted(call.kwargs["args"][0] for call in send_task.call_args_list)
    assert sent_ids == sorted([never_sent.pk, sent_long_ago.pk])
    never_sent.refresh_from_db()
    assert never_sent.enqueued_at is not None


def test_a_second_sweep_right_after_sends_nothing_again(send_task):
    SubmissionFactory.create_batch(3)
    assert services.submission_sweep_pending() == 3
    assert services.submission_sweep_pending() == 0
    assert send_task.call_count == 3


def test_the_sweep_goes_through_every_batch(send_task):
    SubmissionFactory.create_batch(7)
    assert services.submission_sweep_pending(batch_size=3) == 7
    assert send_task.call_count == 7


def test_the_sweep_stops_at_the_first_failed_send_and_does_not_raise(caplog):
    SubmissionFactory.create_batch(3)
    assert services.submission_sweep_pending() == 0
    assert Submission.objects.filter(enqueued_at__isnull=True).count() == 3
    assert "Sweep stopped" in caplog.text


def test_the_sweep_does_not_raise_when_the_database_fails(caplog):
    with mock.patch.object(Submission.objects, "filter", side_effect=RuntimeError("db gone")):
        assert services.submission_sweep_pending() == 0
    assert "sweep of pending submissions failed" in caplog.text
