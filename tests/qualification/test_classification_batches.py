"""Issue 14: the worker files and classifies pending submissions in batches.

One run of the classify task claims its own submission and others never tried, and
writes them in one transaction; every guarantee of classifying one at a time holds:
one classification per submission and ruleset version, a known person's post changes
nothing stored (proposals, unconfirmed consents), a submission that fails does not
hold the others back, the practice's e-mail and the webhook events are written with
the batch. (Real workers racing and killed mid-batch: tests/integration/.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import DataError, OperationalError
from django.utils import timezone

from crm import services as crm_services
from crm.app_settings import app_settings as crm_settings
from crm.models import Consent, Contact, Lead, LeadEvent, ProposedChange, WebhookMessage
from qualification import services
from qualification.models import Classification, Submission
from qualification.services import batches, claims
from tests.factories import (
    CONSULTANT_ANSWERS,
    TEXTBOOK_CMO_ANSWERS,
    AnsweredSubmissionFactory,
    receive_submission,
    submission_payload,
)

pytestmark = pytest.mark.django_db


def receive(email: str, *, first_name: str = "Josée", answers=None, **contact) -> Submission:
    """What the public intake stores: the submission alone, not filed yet."""
    payload = submission_payload(
        contact={
            "first_name": first_name,
            "last_name": "Tremblay",
            "email": email,
            "phone": contact.get("phone", ""),
            "job_title": "",
        },
        answers=dict(answers or TEXTBOOK_CMO_ANSWERS),
        consent={"contact": True, "marketing": True},
    )
    submission, _created = receive_submission(payload)
    return submission


def known_person() -> Lead:
    """Josée, filed and classified before the batch, with details only she gave."""
    first = receive("josee@acme.ca", first_name="Josée", phone="514 555-0199")
    services.submission_classify(submission_id=first.pk)
    return Submission.objects.get(pk=first.pk).lead


def status(submission: Submission) -> str:
    return Submission.objects.values_list("status", flat=True).get(pk=submission.pk)


def test_one_run_files_and_classifies_a_mixed_batch_keeping_every_rule(settings):
    settings.CRM_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    crm_services.webhook_endpoint_create(
        url="http://127.0.0.1:9/in", events=["lead.created", "lead.classified"], by=None
    )
    lead = known_person()
    done = AnsweredSubmissionFactory()
    services.submission_classify(submission_id=done.pk)
    WebhookMessage.objects.all().delete()

    own = receive("new1@example.com")
    new = [receive(f"new{i}@example.com", answers=CONSULTANT_ANSWERS) for i in (2, 3)]
    returning = receive("  JOSEE@Acme.CA ", first_name="Mallory", phone="1 900 555-0000")
    spam = AnsweredSubmissionFactory(status=Submission.Status.SPAM, lead=None, language="fr")
    broken = receive("broken@example.com")
    Submission.objects.filter(pk=broken.pk).update(answers=["not", "answers"])

    classification = services.submission_classify(submission_id=own.pk)

    assert classification.submission_id == own.pk
    for submission in (own, *new, returning):
        assert status(submission) == Submission.Status.CLASSIFIED
        assert Classification.objects.filter(submission=submission).count() == 1
        # Each counted one attempt, in the run's own commit, and its claim is over.
        assert Submission.objects.values_list("attempts", "claimed_until").get(
            pk=submission.pk
        ) == (1, None)
    # New prospects: contact, company, lead with its history and counted consents.
    for submission, email in zip((own, *new), ("new1", "new2", "new3"), strict=True):
        filed = Lead.objects.get(contact__email=f"{email}@example.com")
        assert Submission.objects.get(pk=submission.pk).lead_id == filed.pk
        assert filed.company.name == "Boulangerie Tremblay"
        assert filed.recommendation and filed.classified_at
        assert list(filed.events.values_list("kind", flat=True).order_by("pk")) == [
            LeadEvent.Kind.CREATED,
            LeadEvent.Kind.CLASSIFIED,
        ]
        assert set(Consent.objects.filter(lead=filed).values_list("purpose", "granted")) == {
            ("contact", True),
            ("marketing", True),
        }
        # Double opt-in (issue 12): the marketing grant waits for the person's confirmation.
        waiting = Consent.objects.filter(lead=filed, confirmed_at__isnull=True)
        assert list(waiting.values_list("purpose", flat=True)) == ["marketing"]
    # The returning post changed nothing stored: proposals and unconfirmed consents.
    lead.refresh_from_db()
    assert (lead.contact.first_name, lead.contact.phone) == ("Josée", "514 555-0199")
    assert lead.submission_count == 2
    assert Submission.objects.get(pk=returning.pk).answers_adopted is False
    proposed = dict(
        ProposedChange.objects.filter(lead=lead, status="pending").values_list("field", "proposed")
    )
    assert proposed["contact.first_name"] == "Mallory"
    # The returning post's two grants wait (an address already known), as does the first
    # post's marketing grant (double opt-in, issue 12): three in all.
    assert Consent.objects.filter(lead=lead, granted=True, confirmed_at__isnull=True).count() == 3
    assert lead.events.filter(kind=LeadEvent.Kind.CLASSIFIED).count() == 1  # its first result only
    # Spam and what was done already are left alone.
    assert (status(spam), Submission.objects.get(pk=spam.pk).attempts) == ("spam", 0)
    assert Classification.objects.filter(submission=done).count() == 1
    # The broken one failed alone (a defect: not tried again), and is not half-filed.
    broken.refresh_from_db()
    assert (broken.status, broken.attempts, broken.claimed_until) == ("failed", 1, None)
    assert "Error" in broken.last_error
    assert not broken.classifications.exists()
    # Webhook events, written in the batch's transaction: each new lead created, each
    # lead whose result changed classified.
    new_leads = set(
        Lead.objects.filter(contact__email__startswith="new").values_list("pk", flat=True)
    )
    written = list(WebhookMessage.objects.values_list("event_type", "lead_id"))
    assert sorted(lead_id for kind, lead_id in written if kind == "lead.created") == sorted(
        new_leads
    )
    assert sorted(lead_id for kind, lead_id in written if kind == "lead.classified") == sorted(
        new_leads
    )


def test_the_other_messages_of_a_batch_are_no_ops(django_assert_max_num_queries):
    first, *others = [receive(f"p{i}@example.com") for i in range(5)]
    services.submission_classify(submission_id=first.pk)

    for submission in others:
        with django_assert_max_num_queries(2):
            found = services.submission_classify(submission_id=submission.pk)
        assert found.submission_id == submission.pk
    assert Classification.objects.count() == 5
    assert set(Submission.objects.values_list("attempts", flat=True)) == {1}


def statements_of_one_run(size: int, prefix: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submissions = [receive(f"{prefix}{i}@example.com") for i in range(size)]
    with CaptureQueriesContext(connection) as run:
        services.submission_classify(submission_id=submissions[0].pk)
    assert Submission.objects.filter(status="pending").count() == 0
    return len(run.captured_queries)


def test_a_batch_costs_a_few_statements_whatever_its_size(settings):
    settings.QUALIFICATION_CLASSIFY_BATCH_SIZE = 200
    statements_of_one_run(1, "warm")  # caches the questionnaire and the ruleset

    small, large = statements_of_one_run(5, "small"), statements_of_one_run(150, "large")

    # One statement a table for the whole batch (the driver runs the plain-SQL rows as
    # one executemany), but for Django splitting a bulk insert into chunks of SQLite's
    # 999 parameters: for 150 new prospects, 6 inserts of leads (35 columns), 4 of
    # consents, 2 of contacts and 2 of history lines, 10 more than for 5.
    assert small <= 30  # savepoints included: the test runs in a transaction
    assert large - small <= 10, (small, large)
    assert Lead.objects.filter(classified_at__isnull=False).count() == 156


def test_two_posts_of_a_new_person_in_one_batch_are_filed_in_order_of_arrival():
    first = receive("josee@acme.ca", first_name="Josée", answers=TEXTBOOK_CMO_ANSWERS)
    second = receive("JOSEE@acme.ca", first_name="Josée-Anne", answers=CONSULTANT_ANSWERS)

    services.submission_classify(submission_id=second.pk)

    lead = Lead.objects.get()
    assert Contact.objects.count() == 1
    assert lead.submission_count == 2
    assert lead.contact.first_name == "Josée"
    assert lead.recommendation == "fractional_cmo"  # the first post's answers
    assert ProposedChange.objects.get(field="contact.first_name").proposed == "Josée-Anne"
    assert {status(first), status(second)} == {"classified"}
    assert Submission.objects.get(pk=second.pk).answers_adopted is False


def test_a_transient_error_on_one_submission_leaves_it_to_its_own_message(monkeypatch):
    own = receive("own@example.com")
    poison = receive("poison@example.com", answers=CONSULTANT_ANSWERS)
    other = receive("other@example.com")
    real = batches.scoring.CompiledRuleset.score

    def flaky(self, answers, language="fr"):
        if answers == CONSULTANT_ANSWERS:
            raise OperationalError("database is locked")
        return real(self, answers, language)

    monkeypatch.setattr(batches.scoring.CompiledRuleset, "score", flaky)
    services.submission_classify(submission_id=own.pk)

    assert (status(own), status(other)) == ("classified", "classified")
    poison.refresh_from_db()
    # Filed (staff see the prospect), pending, its claim ended, its attempt counted.
    assert (poison.status, poison.attempts, poison.claimed_until) == ("pending", 1, None)
    assert poison.lead.contact.email == "poison@example.com"
    assert "database is locked" in poison.last_error
    # Its own message then tries it alone, and raises for Celery's retry.
    with pytest.raises(OperationalError):
        services.submission_classify(submission_id=poison.pk)
    poison.refresh_from_db()
    assert (poison.status, poison.attempts) == ("pending", 2)


def test_the_attempt_cap_fails_the_poison_while_the_batch_gets_classified(monkeypatch, settings):
    settings.QUALIFICATION_MAX_ATTEMPTS = 3
    poison = receive("poison@example.com", answers=CONSULTANT_ANSWERS)
    real = batches.scoring.CompiledRuleset.score

    def always_fails(self, answers, language="fr"):
        if answers == CONSULTANT_ANSWERS:
            raise OperationalError("injected")
        return real(self, answers, language)

    monkeypatch.setattr(batches.scoring.CompiledRuleset, "score", always_fails)
    first_batch = [receive(f"first{i}@example.com") for i in range(3)]
    with pytest.raises(OperationalError):
        services.submission_classify(submission_id=poison.pk)  # its first run: a batch
    assert all(status(s) == "classified" for s in first_batch)  # not held back
    for attempt in (2, 3):
        later = [receive(f"round{attempt}-{i}@example.com") for i in range(3)]
        with pytest.raises(OperationalError):
            services.submission_classify(submission_id=poison.pk)  # tried before: alone
        assert all(status(s) == "pending" for s in later)
        services.submission_classify(submission_id=later[0].pk)  # their own messages
        assert all(status(s) == "classified" for s in later)

    poison.refresh_from_db()
    assert (poison.status, poison.attempts) == ("failed", 3)
    assert "injected" in poison.last_error
    assert Classification.objects.count() == 9
    assert services.submission_classify(submission_id=poison.pk) is None


def test_a_batch_whose_write_fails_hands_the_others_back_and_does_its_own_alone(monkeypatch):
    own, *others = [receive(f"p{i}@example.com") for i in range(4)]
    real = crm_services.leads_record_qualification

    def fails_for_a_batch(*, results):
        if len(results) > 1:
            raise DataError("value too long")
        return real(results=results)

    monkeypatch.setattr(crm_services, "leads_record_qualification", fails_for_a_batch)
    services.submission_classify(submission_id=own.pk)

    assert status(own) == "classified"
    for submission in others:
        submission.refresh_from_db()
        # Nothing of the failed batch stayed; each is its own message's, alone.
        assert (submission.status, submission.lead_id) == ("pending", None)
        assert (submission.attempts, submission.claimed_until) == (1, None)
        services.submission_classify(submission_id=submission.pk)
        submission.refresh_from_db()
        assert (submission.status, submission.attempts) == ("classified", 2)
    assert Classification.objects.count() == 4
    assert Contact.objects.count() == 4


def test_a_submission_tried_before_is_tried_alone_and_never_joins_another_batch():
    tried = receive("tried@example.com")
    Submission.objects.filter(pk=tried.pk).update(attempts=1)  # its worker died
    fresh = receive("fresh@example.com")

    services.submission_classify(submission_id=fresh.pk)
    assert status(tried) == "pending"  # not claimed by another run

    services.submission_classify(submission_id=tried.pk)
    assert status(tried) == "classified"
    assert Submission.objects.get(pk=tried.pk).attempts == 2


def test_a_claim_held_by_another_run_is_waited_for_while_helping_then_taken_over():
    own = receive("own@example.com")
    # Another run claimed it (and died, say): its claim ends in a moment.
    Submission.objects.filter(pk=own.pk).update(
        attempts=1, claimed_until=timezone.now() + timedelta(seconds=0.3)
    )
    waiting = [receive(f"w{i}@example.com") for i in range(3)]

    services.submission_classify(submission_id=own.pk)

    # Meanwhile it classified the submissions waiting; then it took its own over.
    assert all(status(s) == "classified" for s in waiting)
    own.refresh_from_db()
    assert (own.status, own.attempts, own.claimed_until) == ("classified", 2, None)


def test_two_claims_never_take_the_same_submission():
    submissions = [receive(f"p{i}@example.com") for i in range(6)]
    first = claims.claim_fresh(batch_size=4)
    second = claims.claim_fresh(batch_size=4)
    assert first == [s.pk for s in submissions[:4]]
    assert second == [s.pk for s in submissions[4:]]
    assert claims.claim_fresh(batch_size=4) == []
    seen = claims.submission_state(submissions[0].pk)
    assert claims.claim(submission_id=submissions[0].pk, seen=seen, batch_size=4) is None


def test_the_practice_is_told_about_each_promising_new_lead_of_a_batch(
    settings, celery_eager, django_capture_on_commit_callbacks
):
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    promising = [receive(f"good{i}@example.com", answers=TEXTBOOK_CMO_ANSWERS) for i in range(2)]
    receive("meh@example.com", answers=CONSULTANT_ANSWERS)

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_classify(submission_id=promising[0].pk)

    told = Lead.objects.filter(practice_notified_at__isnull=False)
    expected = Lead.objects.filter(fit_score__gte=crm_settings.NOTIFY_FIT_SCORE_AT_LEAST)
    assert set(told) == set(expected)
    assert {lead.contact.email for lead in told} >= {"good0@example.com", "good1@example.com"}
    assert len(mail.outbox) == told.count()
