"""Classifying submissions, rulesets, retries and bulk re-scoring, through the services."""

from __future__ import annotations

import copy

import pytest
from django.db import IntegrityError, OperationalError

from crm import services as crm_services
from crm.models import Consent, Contact, Lead, LeadEvent
from crm.services import lead_override_recommendation, lead_request_reclassification
from qualification import scoring, services
from qualification.models import Classification, Ruleset, Submission
from qualification.selectors import ruleset_get_current
from qualification.services import batches, sending
from qualification.tasks import classify_submission
from tests.factories import (
    CONSULTANT_ANSWERS,
    TEXTBOOK_CMO_ANSWERS,
    AnsweredSubmissionFactory,
    NewLeadFactory,
    receive_submission,
    submission_payload,
)

pytestmark = pytest.mark.django_db


def publish_copy_of_v1(change=None, by=None) -> Ruleset:
    """Publish a new version made from v1, optionally changed by ``change(weights)``."""
    draft = services.ruleset_create_draft(source=Ruleset.objects.get(version=1), by=by)
    if change is not None:
        weights = copy.deepcopy(draft.weights)
        change(weights)
        draft = services.ruleset_update_draft(ruleset=draft, weights=weights, notes="test")
    return services.ruleset_publish(ruleset=draft, by=by)


def flip_consultant_mandates_to_cmo(weights: dict) -> None:
    """A deliberately odd version: executing a mandate now counts for the CMO."""
    weights["signals"]["involvement"]["execute_mandate"]["effect"] = "fractional_cmo"
    weights["signals"]["involvement"]["execute_mandate"]["weight"] = 40


# --- The published version 1 -------------------------------------------------------


def test_version_1_is_loaded_published_and_current():
    current = ruleset_get_current()
    assert current.version == 1
    assert current.status == Ruleset.Status.PUBLISHED
    assert current.published_at is not None
    assert scoring.validate_ruleset(current.weights) == []


# --- submission_classify ------------------------------------------------------------


def test_classifying_stores_the_result_and_shows_it_on_the_lead():
    submission = AnsweredSubmissionFactory(answers=TEXTBOOK_CMO_ANSWERS)
    classification = services.submission_classify(submission_id=submission.pk)

    assert classification.recommendation == "fractional_cmo"
    assert classification.ruleset.version == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLASSIFIED
    assert submission.classified_at is not None
    assert submission.attempts == 1
    lead = submission.lead
    lead.refresh_from_db()
    assert lead.recommendation == "fractional_cmo"
    assert lead.confidence == classification.confidence
    assert lead.fit_grade == classification.fit_grade == "A"
    assert lead.fit_score == classification.fit_score
    assert lead.needs_review is False
    assert lead.ruleset_version == 1
    assert lead.classification["explanation"] == classification.explanation
    assert lead.classification["reviewed_by"] is None
    assert lead.events.filter(kind=LeadEvent.Kind.CLASSIFIED).count() == 1


def test_reasons_are_in_the_leads_language():
    french = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS, lead__language="fr")
    english = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS, lead__language="en")
    fr = services.submission_classify(submission_id=french.pk).explanation[0]
    en = services.submission_classify(submission_id=english.pk).explanation[0]
    assert fr["reason"] == fr["reason_fr"] != fr["reason_en"]
    assert en["reason"] == en["reason_en"]


def test_classifying_twice_leaves_one_classification_and_changes_nothing():
    submission = AnsweredSubmissionFactory()
    first = services.submission_classify(submission_id=submission.pk)
    submission.refresh_from_db()
    lead_updated_at = submission.lead.updated_at

    second = services.submission_classify(submission_id=submission.pk)

    assert second.pk == first.pk
    assert Classification.objects.filter(submission=submission).count() == 1
    submission.refresh_from_db()
    assert submission.attempts == 1
    submission.lead.refresh_from_db()
    assert submission.lead.updated_at == lead_updated_at


def test_the_database_holds_one_classification_per_submission_and_version():
    from django.db import IntegrityError, transaction

    submission = AnsweredSubmissionFactory()
    first = services.submission_classify(submission_id=submission.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Classification.objects.create(
            submission=submission,
            ruleset=first.ruleset,
            recommendation="consultant",
            confidence=0.5,
            needs_review=False,
            fit_score=50,
            fit_grade="C",
            explanation=[],
        )


def test_a_new_published_version_adds_a_classification_and_keeps_the_first():
    submission = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS)
    first = services.submission_classify(submission_id=submission.pk)
    v2 = publish_copy_of_v1(flip_consultant_mandates_to_cmo)

    second = services.submission_classify(submission_id=submission.pk)

    assert second.pk != first.pk
    assert second.ruleset == v2
    assert second.recommendation == "fractional_cmo"
    first.refresh_from_db()
    assert (first.ruleset.version, first.recommendation) == (1, "consultant")
    assert Classification.objects.filter(submission=submission).count() == 2
    submission.lead.refresh_from_db()
    assert submission.lead.ruleset_version == 2
    assert submission.lead.recommendation == "fractional_cmo"


def test_a_classified_submission_is_scored_with_a_new_version_whatever_its_attempts(settings):
    settings.QUALIFICATION_MAX_ATTEMPTS = 2
    submission = AnsweredSubmissionFactory()
    services.submission_classify(submission_id=submission.pk)
    Submission.objects.filter(pk=submission.pk).update(attempts=2)
    publish_copy_of_v1()

    assert services.submission_classify(submission_id=submission.pk).ruleset.version == 2
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLASSIFIED


def test_a_gone_submission_returns_quietly():
    assert services.submission_classify(submission_id=987654) is None


def test_spam_is_left_alone():
    submission = AnsweredSubmissionFactory(status=Submission.Status.SPAM, lead=None, language="fr")
    assert services.submission_classify(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == (Submission.Status.SPAM, 0)
    assert not Classification.objects.exists()


def test_past_the_attempt_cap_the_submission_is_marked_failed(settings):
    settings.QUALIFICATION_MAX_ATTEMPTS = 3
    submission = AnsweredSubmissionFactory(attempts=3)  # e.g. a worker killed three times

    assert services.submission_classify(submission_id=submission.pk) is None

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert "3 attempts" in submission.last_error
    assert not Classification.objects.exists()
    # A redelivered message does not bring it back: staff retry it.
    assert services.submission_classify(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED


def test_a_transient_error_is_kept_and_raised_for_a_retry(monkeypatch):
    submission = AnsweredSubmissionFactory()

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(batches, "_write", locked)
    with pytest.raises(OperationalError):
        services.submission_classify(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Submission.Status.PENDING
    assert submission.attempts == 1
    assert submission.last_error == "OperationalError: database is locked"


def test_a_transient_error_on_the_last_attempt_marks_the_submission_failed(monkeypatch, settings):
    settings.QUALIFICATION_MAX_ATTEMPTS = 2
    submission = AnsweredSubmissionFactory(attempts=1)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(batches, "_write", locked)
    with pytest.raises(OperationalError):
        services.submission_classify(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.attempts == 2
    assert "database is locked" in submission.last_error


def test_a_defect_marks_the_submission_failed_at_once(monkeypatch):
    submission = AnsweredSubmissionFactory()

    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(batches, "_write", broken)
    with pytest.raises(KeyError):
        services.submission_classify(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.attempts == 1
    assert "KeyError" in submission.last_error


def test_without_a_published_ruleset_the_submission_fails_with_a_clear_error():
    submission = AnsweredSubmissionFactory()
    Ruleset.objects.update(status=Ruleset.Status.DRAFT)
    with pytest.raises(services.NoPublishedRuleset):
        services.submission_classify(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert "No ruleset is published" in submission.last_error


def test_an_older_submission_does_not_overwrite_the_leads_newer_result():
    lead = NewLeadFactory()
    older = AnsweredSubmissionFactory(lead=lead, answers=CONSULTANT_ANSWERS)
    newer = AnsweredSubmissionFactory(lead=lead, answers=TEXTBOOK_CMO_ANSWERS)
    services.submission_classify(submission_id=newer.pk)

    services.submission_classify(submission_id=older.pk)

    lead.refresh_from_db()
    assert lead.recommendation == "fractional_cmo"
    older.refresh_from_db()
    assert older.status == Submission.Status.CLASSIFIED


def test_the_task_classifies_through_the_service(celery_eager):

    submission = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS)
    classify_submission.delay(submission.pk)
    classify_submission.delay(submission.pk)

    assert Classification.objects.filter(submission=submission).count() == 1
    submission.lead.refresh_from_db()
    assert submission.lead.recommendation == "consultant"


def test_the_task_declares_late_acks_and_retries_on_transient_errors():

    assert classify_submission.name == "qualification.tasks.classify_submission"
    assert classify_submission.acks_late is True
    assert OperationalError in classify_submission.autoretry_for
    assert classify_submission.retry_backoff
    assert classify_submission.max_retries >= 5


# --- Staff retry ------------------------------------------------------------------


def test_retrying_failed_submissions_resets_them_and_sends_them_again(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        sending, "submission_send_to_classify", lambda *, submission_id: sent.append(submission_id)
    )
    failed = AnsweredSubmissionFactory(
        status=Submission.Status.FAILED, attempts=5, last_error="boom"
    )
    classified = AnsweredSubmissionFactory(status=Submission.Status.CLASSIFIED, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        count = services.submissions_retry_classification(submission_ids=[failed.pk, classified.pk])

    assert count == 1
    assert sent == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")
    assert failed.enqueued_at is None  # the send sets it; it is stubbed out here
    classified.refresh_from_db()
    assert classified.status == Submission.Status.CLASSIFIED


def test_a_retried_submission_gets_classified_despite_its_earlier_attempts(monkeypatch):
    monkeypatch.setattr(sending, "submission_send_to_classify", lambda *, submission_id: True)
    submission = AnsweredSubmissionFactory(status=Submission.Status.FAILED, attempts=5)
    services.submissions_retry_classification(submission_ids=[submission.pk])

    # What the worker then runs for the message the retry sent.
    classify_submission.apply(args=[submission.pk])

    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLASSIFIED
    assert submission.classifications.count() == 1


# --- Rulesets ---------------------------------------------------------------------


def test_a_new_draft_takes_the_next_version_and_the_sources_weights(admin_user):
    v1 = Ruleset.objects.get(version=1)
    draft = services.ruleset_create_draft(source=v1, by=admin_user)
    assert (draft.version, draft.status, draft.created_by) == (2, "draft", admin_user)
    assert draft.weights == v1.weights
    assert ruleset_get_current() == v1


def test_a_published_ruleset_cannot_be_changed():
    v1 = Ruleset.objects.get(version=1)
    with pytest.raises(services.RulesetLocked):
        services.ruleset_update_draft(ruleset=v1, weights=v1.weights)
    with pytest.raises(services.RulesetLocked):
        services.ruleset_publish(ruleset=v1)


def test_a_draft_with_broken_weights_is_refused():
    draft = services.ruleset_create_draft(source=Ruleset.objects.get(version=1))
    weights = copy.deepcopy(draft.weights)
    weights["signals"]["horizon"]["weeks"]["effect"] = "intern"
    with pytest.raises(scoring.RulesetError):
        services.ruleset_update_draft(ruleset=draft, weights=weights)
    draft.refresh_from_db()
    assert draft.weights["signals"]["horizon"]["weeks"]["effect"] == "consultant"


def test_publishing_makes_the_draft_current():
    v2 = publish_copy_of_v1()
    assert ruleset_get_current() == v2
    assert v2.published_at is not None


def test_a_draft_older_than_the_current_version_cannot_be_published():
    v1 = Ruleset.objects.get(version=1)
    old_draft = services.ruleset_create_draft(source=v1)
    services.ruleset_publish(ruleset=services.ruleset_create_draft(source=v1))
    with pytest.raises(services.RulesetLocked):
        services.ruleset_publish(ruleset=old_draft)


# --- Bulk re-scoring and staff requests --------------------------------------------


def classified_leads(count: int, answers=CONSULTANT_ANSWERS):
    submissions = AnsweredSubmissionFactory.create_batch(count, answers=answers)
    for submission in submissions:
        services.submission_classify(submission_id=submission.pk)
    return [s.lead for s in submissions]


def test_reclassifying_with_a_new_version_records_and_summarises_the_changes():
    leads = classified_leads(3)
    cmo_lead = classified_leads(1, answers=TEXTBOOK_CMO_ANSWERS)[0]
    NewLeadFactory()  # no submission yet
    v2 = publish_copy_of_v1(flip_consultant_mandates_to_cmo)

    summary = services.leads_reclassify(batch_size=2)

    assert summary.ruleset_version == 2
    assert (summary.leads, summary.rescored, summary.without_submission) == (5, 4, 1)
    assert summary.classifications_created == 4
    assert summary.recommendation == {
        ("consultant", "fractional_cmo"): 3,
        ("fractional_cmo", "fractional_cmo"): 1,
    }
    assert summary.changed == 3
    for lead in leads:
        lead.refresh_from_db()
        assert (lead.recommendation, lead.ruleset_version) == ("fractional_cmo", 2)
        assert lead.classification["ruleset_version"] == 2
        assert lead.events.filter(kind=LeadEvent.Kind.CLASSIFIED).count() == 2
    cmo_lead.refresh_from_db()
    assert cmo_lead.ruleset_version == 2
    assert cmo_lead.events.filter(kind=LeadEvent.Kind.CLASSIFIED).count() == 1
    assert Classification.objects.filter(ruleset=v2).count() == 4
    assert Classification.objects.filter(ruleset__version=1).count() == 4
    stored = Classification.objects.get(ruleset=v2, submission__lead=leads[0])
    assert stored.recommendation == "fractional_cmo"
    assert stored.explanation[0]["question"] == "involvement"  # JSON, not a string of it


def test_reclassifying_again_with_the_same_version_adds_nothing():
    classified_leads(2)
    services.leads_reclassify()
    summary = services.leads_reclassify()
    assert summary.classifications_created == 0
    assert summary.classifications_kept == 2
    assert summary.changed == 0
    assert Classification.objects.count() == 2


def test_reclassifying_keeps_a_persons_review_when_the_result_is_unchanged(admin_user):
    lead = classified_leads(1)[0]
    lead.refresh_from_db()
    lead_override_recommendation(lead=lead, recommendation="", reason="Looks right", by=admin_user)
    services.leads_reclassify()
    lead.refresh_from_db()
    assert lead.reviewed_by == admin_user
    publish_copy_of_v1(flip_consultant_mandates_to_cmo)
    services.leads_reclassify()
    lead.refresh_from_db()
    assert lead.reviewed_by is None  # they reviewed another result


def test_reclassifying_uses_each_leads_latest_submission_that_is_not_spam():
    lead = NewLeadFactory()
    AnsweredSubmissionFactory(lead=lead, answers=CONSULTANT_ANSWERS)
    latest = AnsweredSubmissionFactory(lead=lead, answers=TEXTBOOK_CMO_ANSWERS)
    AnsweredSubmissionFactory(lead=lead, answers=CONSULTANT_ANSWERS, status=Submission.Status.SPAM)

    summary = services.leads_reclassify()

    assert summary.rescored == 1
    lead.refresh_from_db()
    assert lead.recommendation == "fractional_cmo"
    latest.refresh_from_db()
    assert latest.status == Submission.Status.CLASSIFIED
    assert list(Classification.objects.values_list("submission_id", flat=True)) == [latest.pk]


def test_reclassifying_since_a_date_leaves_older_leads_alone():
    from datetime import timedelta

    from django.utils import timezone

    old, new = classified_leads(2)
    old.created_at = timezone.now() - timedelta(days=30)
    old.save(update_fields=["created_at"])
    publish_copy_of_v1(flip_consultant_mandates_to_cmo)

    summary = services.leads_reclassify(since=timezone.now() - timedelta(days=1))

    assert summary.leads == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.ruleset_version, new.ruleset_version) == (1, 2)


def test_a_draft_cannot_be_used_to_reclassify():
    draft = services.ruleset_create_draft(source=Ruleset.objects.get(version=1))
    with pytest.raises(services.RulesetLocked):
        services.leads_reclassify(ruleset=draft)


def test_a_staff_request_from_the_crm_rescores_those_leads_with_the_current_rules():
    asked, other = classified_leads(2)
    publish_copy_of_v1(flip_consultant_mandates_to_cmo)

    lead_request_reclassification(lead_ids=[asked.pk])

    asked.refresh_from_db()
    other.refresh_from_db()
    assert (asked.recommendation, asked.ruleset_version) == ("fractional_cmo", 2)
    assert (other.recommendation, other.ruleset_version) == ("consultant", 1)


# --- a submission as the intake stores it: the worker files it, then scores it ------------


def receive(email: str = "josee@acme.ca", **answers):
    """What the public intake stores: the submission alone, not filed under a lead yet."""
    data = submission_payload(contact={"first_name": "Josée", "email": email})
    submission, _ = receive_submission(data, answers={**data["answers"], **answers})
    return submission


def test_the_worker_files_a_stored_submission_and_scores_it_in_one_go(
    django_assert_max_num_queries,
):
    submission = receive()
    services.submission_classify(submission_id=receive(email="warm@up.ca").pk)  # caches

    with django_assert_max_num_queries(25):
        classification = services.submission_classify(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLASSIFIED
    assert submission.lead.contact.email == "josee@acme.ca"
    assert submission.lead.recommendation == classification.recommendation
    assert Consent.objects.filter(lead=submission.lead).count() == 2
    # Run again (a redelivered message): nothing is filed twice.
    services.submission_classify(submission_id=submission.pk)
    assert Lead.objects.filter(contact__email="josee@acme.ca").get().submission_count == 1
    assert Consent.objects.filter(lead=submission.lead).count() == 2


def test_the_worker_retries_a_lost_race_on_a_new_email_and_joins_the_winner(monkeypatch):
    submission = receive()
    real_upsert = crm_services.leads_bulk_open_new
    calls = []

    def upsert_losing_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise IntegrityError("UNIQUE constraint failed: crm_contact.email")
        return real_upsert(**kwargs)

    monkeypatch.setattr(crm_services, "leads_bulk_open_new", upsert_losing_once)
    services.submission_classify(submission_id=submission.pk)

    assert len(calls) == 2
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLASSIFIED
    assert Contact.objects.count() == 1


def test_a_submission_that_cannot_be_scored_is_still_filed_for_staff():
    submission = receive()
    Ruleset.objects.update(status=Ruleset.Status.DRAFT)
    with pytest.raises(services.NoPublishedRuleset):
        services.submission_classify(submission_id=submission.pk)

    submission.refresh_from_db()
    assert submission.status == Submission.Status.FAILED
    assert submission.lead.contact.email == "josee@acme.ca"
    assert Consent.objects.filter(lead=submission.lead).count() == 2


def test_an_older_submission_filed_late_keeps_the_newer_contact_details(settings):
    # Filed out of order: each alone (a batch files what it claims in order of arrival,
    # see test_classification_batches.py).
    settings.QUALIFICATION_CLASSIFY_BATCH_SIZE = 1
    older = receive(context="older")
    data = submission_payload(
        contact={"first_name": "Josée-Anne", "email": "JOSEE@acme.ca", "phone": "514 555-0100"}
    )
    newer, _ = receive_submission(
        data,
        language="en",
        company={"name": "Acme renamed"},
        answers={**data["answers"], "context": "newer"},
        source={},
    )
    services.submission_classify(submission_id=newer.pk)
    services.submission_classify(submission_id=older.pk)

    lead = Lead.objects.get()
    assert lead.submission_count == 2
    assert lead.answers["context"] == "newer"
    assert lead.language == "en"
    assert lead.created_at == older.created_at  # the prospect first wrote with the older one
    assert lead.recommendation  # scored from the newer answers, not hidden by the older
    assert (lead.contact.first_name, lead.contact.phone) == ("Josée-Anne", "514 555-0100")
    assert lead.company.name == "Acme renamed"
