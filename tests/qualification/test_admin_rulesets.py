"""The qualification admin: rulesets, submissions and classifications."""

from __future__ import annotations

import copy
import json
from unittest import mock

import pytest
from django.urls import reverse

from qualification import services
from qualification.admin.classifications import ClassificationAdmin
from qualification.models import Classification, Ruleset, Submission
from qualification.services import sending
from tests.crm.conftest import reviewer_without_override
from tests.factories import CONSULTANT_ANSWERS, FRACTIONAL_CMO_ANSWERS, AnsweredSubmissionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:qualification_ruleset_changelist"


@pytest.fixture
def staff(client, admin_user):
    """The admin, in English (the messages asserted below are the msgids)."""
    client.force_login(admin_user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def draft_of_v1() -> Ruleset:
    return services.ruleset_create_draft(source=Ruleset.objects.get(version=1))


# --- Rulesets ------------------------------------------------------------------------


def test_a_published_ruleset_is_shown_read_only(staff):
    v1 = Ruleset.objects.get(version=1)
    url = reverse("admin:qualification_ruleset_change", args=[v1.pk])

    page = staff.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="weights"' not in html
    assert "execute_mandate" in html  # the weights, shown as text
    assert 'name="_save"' not in html


def test_a_published_ruleset_cannot_be_changed_by_posting(staff):
    v1 = Ruleset.objects.get(version=1)
    weights = copy.deepcopy(v1.weights)
    weights["signals"]["horizon"]["weeks"]["weight"] = 99
    url = reverse("admin:qualification_ruleset_change", args=[v1.pk])

    response = staff.post(url, {"weights": json.dumps(weights), "notes": "sneaky"})

    assert response.status_code == 403
    v1.refresh_from_db()
    assert v1.weights["signals"]["horizon"]["weeks"]["weight"] == 4


def test_a_draft_is_edited_in_the_admin(staff):
    draft = draft_of_v1()
    weights = copy.deepcopy(draft.weights)
    weights["signals"]["horizon"]["weeks"]["weight"] = 6
    url = reverse("admin:qualification_ruleset_change", args=[draft.pk])

    assert 'name="weights"' in staff.get(url).content.decode()
    response = staff.post(url, {"weights": json.dumps(weights), "notes": "Weeks weigh more"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.weights["signals"]["horizon"]["weeks"]["weight"] == 6
    assert draft.notes == "Weeks weigh more"


def test_a_draft_with_broken_weights_shows_the_errors_and_is_not_saved(staff):
    draft = draft_of_v1()
    weights = copy.deepcopy(draft.weights)
    weights["signals"]["horizon"]["weeks"]["reason_en"] = "weeks"
    url = reverse("admin:qualification_ruleset_change", args=[draft.pk])

    response = staff.post(url, {"weights": json.dumps(weights), "notes": ""})

    assert response.status_code == 200
    assert "must be a sentence, not a key" in response.content.decode()
    draft.refresh_from_db()
    assert draft.weights["signals"]["horizon"]["weeks"]["reason_en"] != "weeks"


def test_a_new_draft_starts_from_the_current_weights_and_takes_the_next_version(staff, admin_user):
    v1 = Ruleset.objects.get(version=1)
    url = reverse("admin:qualification_ruleset_add")
    page = staff.get(url)
    assert page.status_code == 200
    assert page.context["adminform"].form.initial["weights"] == v1.weights

    weights = copy.deepcopy(v1.weights)
    weights["signals"]["horizon"]["quarter"]["weight"] = 3
    response = staff.post(url, {"weights": json.dumps(weights), "notes": "Quarters weigh more"})

    assert response.status_code == 302
    draft = Ruleset.objects.get(version=2)
    assert (draft.status, draft.created_by, draft.notes) == (
        "draft",
        admin_user,
        "Quarters weigh more",
    )
    assert draft.weights["signals"]["horizon"]["quarter"]["weight"] == 3


def test_a_new_draft_with_broken_weights_is_not_stored(staff):
    response = staff.post(
        reverse("admin:qualification_ruleset_add"), {"weights": '{"signals": {}}', "notes": ""}
    )
    assert response.status_code == 200
    assert "must be an object of question" in response.content.decode()
    assert not Ruleset.objects.filter(version=2).exists()


def test_the_publish_action_makes_a_draft_current(staff):
    draft = draft_of_v1()

    response = staff.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    draft.refresh_from_db()
    assert draft.status == Ruleset.Status.PUBLISHED
    assert draft.published_at is not None
    assert "is published" in response.content.decode()


def test_publishing_an_already_published_version_says_why_not(staff):
    v1 = Ruleset.objects.get(version=1)
    response = staff.post(
        reverse(CHANGELIST), {"action": "publish", "_selected_action": [v1.pk]}, follow=True
    )
    assert "was not published" in response.content.decode()


def test_the_new_draft_action_copies_a_version(staff, admin_user):
    v1 = Ruleset.objects.get(version=1)
    staff.post(reverse(CHANGELIST), {"action": "new_draft", "_selected_action": [v1.pk]})
    draft = Ruleset.objects.get(version=2)
    assert draft.status == Ruleset.Status.DRAFT
    assert draft.weights == v1.weights
    assert draft.created_by == admin_user


# --- Submissions -----------------------------------------------------------------


def test_failed_submissions_are_listed_with_attempts_and_error(
    staff, django_assert_max_num_queries
):
    AnsweredSubmissionFactory.create_batch(5)
    AnsweredSubmissionFactory(
        status=Submission.Status.FAILED, attempts=5, last_error="Gave up after 5"
    )
    url = reverse("admin:qualification_submission_changelist")

    with django_assert_max_num_queries(12):
        page = staff.get(url, {"status__exact": "failed"})

    html = page.content.decode()
    assert "Gave up after 5" in html
    assert html.count('name="_selected_action"') == 1


def test_the_retry_action_sends_failed_submissions_again(
    staff, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        sending, "submission_send_to_classify", lambda *, submission_id: sent.append(submission_id)
    )
    failed = AnsweredSubmissionFactory(
        status=Submission.Status.FAILED, attempts=5, last_error="boom"
    )
    url = reverse("admin:qualification_submission_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            url, {"action": "retry_classification", "_selected_action": [failed.pk]}, follow=True
        )

    assert sent == [failed.pk]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")
    assert "sent to be classified again" in response.content.decode()


def test_a_submissions_answers_are_shown_read_only(staff):
    submission = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS)
    services.submission_classify(submission_id=submission.pk)
    url = reverse("admin:qualification_submission_change", args=[submission.pk])

    html = staff.get(url).content.decode()

    assert "execute_mandate" in html
    assert 'name="answers"' not in html
    assert "Marketing consultant" in html  # the classification inline


def test_the_admin_speaks_french_by_default(client, admin_user, monkeypatch):
    monkeypatch.setattr(sending, "submission_send_to_classify", lambda *, submission_id: True)
    client.force_login(admin_user)
    failed = AnsweredSubmissionFactory(status=Submission.Status.FAILED, attempts=5)
    response = client.post(
        reverse("admin:qualification_submission_changelist"),
        {"action": "retry_classification", "_selected_action": [failed.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 soumission en échec renvoyée à la classification." in html
    assert "Relancer la classification (soumissions en échec)" in html


# --- Classifications: review and override ---------------------------------------------


def classified() -> Classification:
    submission = AnsweredSubmissionFactory(answers=CONSULTANT_ANSWERS)
    return services.submission_classify(submission_id=submission.pk)


def test_classifications_are_read_only_and_show_the_explanation(staff):
    classification = classified()
    url = reverse("admin:qualification_classification_change", args=[classification.pk])

    html = staff.get(url).content.decode()

    assert classification.explanation[0]["reason_fr"].split(":")[0] in html
    assert 'name="recommendation"' not in html
    assert staff.get(reverse("admin:qualification_classification_add")).status_code == 403


def test_the_list_shows_whether_a_person_reviewed_each_recommendation(
    staff, django_assert_max_num_queries
):
    for _ in range(4):
        classified()
    with django_assert_max_num_queries(10):
        html = staff.get(reverse("admin:qualification_classification_changelist")).content
    assert html.decode().count("Not yet") == 4


def test_marking_reviewed_records_who(staff, admin_user):
    classification = classified()
    staff.post(
        reverse("admin:qualification_classification_changelist"),
        {"action": "mark_reviewed", "_selected_action": [classification.pk]},
    )
    lead = classification.submission.lead
    lead.refresh_from_db()
    assert lead.reviewed_by == admin_user
    assert lead.reviewed_at is not None


def test_overriding_keeps_the_computed_recommendation_beside_it(staff, admin_user):
    classification = classified()
    url = reverse("admin:qualification_classification_changelist")
    form = staff.post(
        url, {"action": "override_recommendation", "_selected_action": [classification.pk]}
    )
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()

    staff.post(
        url,
        {
            "action": "override_recommendation",
            "_selected_action": [classification.pk],
            "apply": "1",
            "recommendation": "fractional_cmo",
            "reason": "They want a leader, said so on the phone.",
        },
    )

    lead = classification.submission.lead
    lead.refresh_from_db()
    assert lead.override_recommendation == "fractional_cmo"
    assert lead.recommendation == "consultant"
    assert lead.recommendation_in_force == "fractional_cmo"
    assert (lead.override_by, lead.reviewed_by) == (admin_user, admin_user)
    classification.refresh_from_db()
    assert classification.recommendation == "consultant"


def test_an_override_without_a_reason_is_refused(staff):
    classification = classified()
    response = staff.post(
        reverse("admin:qualification_classification_changelist"),
        {
            "action": "override_recommendation",
            "_selected_action": [classification.pk],
            "apply": "1",
            "recommendation": "fractional_cmo",
            "reason": "",
        },
    )
    assert response.status_code == 200
    lead = classification.submission.lead
    lead.refresh_from_db()
    assert lead.override_recommendation == ""


def override_posted(client, classification):
    return client.post(
        reverse("admin:qualification_classification_changelist"),
        {
            "action": "override_recommendation",
            "_selected_action": [classification.pk],
            "apply": "1",
            "recommendation": "fractional_cmo",
            "reason": "Sneaky",
        },
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def assert_not_overridden(classification):
    lead = classification.submission.lead
    lead.refresh_from_db()
    assert (lead.override_recommendation, lead.reviewed_by) == ("", None)
    assert not lead.events.filter(kind="override").exists()


def test_the_override_action_is_not_offered_to_staff_without_the_permission(client):
    client.force_login(reviewer_without_override())
    classification = classified()
    page = client.get(reverse("admin:qualification_classification_changelist"))
    actions = [choice[0] for choice in page.context["action_form"].fields["action"].choices]
    assert "mark_reviewed" in actions and "override_recommendation" not in actions
    assert override_posted(client, classification).status_code == 200
    assert_not_overridden(classification)


def test_an_override_action_the_service_refuses_shows_an_error_and_changes_nothing(client):
    # As if the action were offered by mistake: the crm service still refuses.
    client.force_login(reviewer_without_override())
    classification = classified()
    with mock.patch.object(ClassificationAdmin, "has_override_permission", return_value=True):
        response = override_posted(client, classification)
    assert response.status_code == 200
    assert [str(message) for message in response.context["messages"]] == [
        "You may not override the recommendation."
    ]
    assert_not_overridden(classification)


def test_classifications_filter_by_ruleset_version(staff):
    classified()
    url = reverse("admin:qualification_classification_changelist")
    assert staff.get(url, {"ruleset_version": "1"}).context["cl"].result_count == 1
    assert staff.get(url, {"ruleset_version": "2"}).context["cl"].result_count == 0


def test_a_classification_not_in_force_on_its_lead_is_left_alone(staff):
    """A returning prospect's answers not adopted have their own classification; marking
    "the lead's recommendation" reviewed from it would review what the person did not see."""
    in_force = classified()
    lead = in_force.submission.lead
    returning = AnsweredSubmissionFactory(
        lead=lead, answers=FRACTIONAL_CMO_ANSWERS, answers_adopted=False
    )
    not_in_force = services.submission_classify(submission_id=returning.pk)
    assert not_in_force.recommendation == "fractional_cmo"

    response = staff.post(
        reverse("admin:qualification_classification_changelist"),
        {"action": "mark_reviewed", "_selected_action": [not_in_force.pk]},
        follow=True,
    )

    lead.refresh_from_db()
    assert (lead.reviewed_by, lead.recommendation) == (None, "consultant")
    assert "not the one in force on its lead" in response.content.decode()
