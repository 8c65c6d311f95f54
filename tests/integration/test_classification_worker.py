"""A real Celery worker on a real Redis classifies a stored submission."""

from __future__ import annotations

import pytest

from crm import services as crm_services
from crm.models import Lead
from qualification.models import Classification, Questionnaire, Submission
from qualification.tasks import classify_submission
from tests.conftest import wait_for
from tests.factories import TEXTBOOK_CMO_ANSWERS


def store_submission(email: str) -> Submission:
    """What intake does, by hand: contact, lead, then the submission as received."""
    contact, _created = crm_services.contact_find_or_create(
        email=email, first_name="Élise", company_name="Boulangerie Martel", language="fr"
    )
    lead, _ = crm_services.lead_open_or_attach(
        contact=contact, language="fr", answers=TEXTBOOK_CMO_ANSWERS
    )
    return Submission.objects.create(
        questionnaire=Questionnaire.objects.get(version=1),
        lead=lead,
        channel=Submission.Channel.API,
        language="fr",
        answers=TEXTBOOK_CMO_ANSWERS,
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_classifies_a_submission_and_the_lead_shows_it(celery_worker_process):
    submission = store_submission("elise@example.com")

    classify_submission.delay(submission.pk)

    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).status == Submission.Status.CLASSIFIED,
        timeout=30,
    )
    lead = Lead.objects.get(pk=submission.lead_id)
    assert lead.recommendation == "fractional_cmo"
    assert 0.8 <= lead.confidence <= 1
    assert lead.fit_grade == "A"
    assert lead.classification["explanation"][0]["reason"].startswith("Vous voulez")
    assert lead.ruleset_version == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sending_the_task_twice_leaves_one_classification(celery_worker_process):
    submission = store_submission("twice@example.com")

    classify_submission.delay(submission.pk)
    classify_submission.delay(submission.pk)

    wait_for(
        lambda: (
            "succeeded" in celery_worker_process.log()
            and celery_worker_process.log().count("succeeded") >= 2
        ),
        timeout=30,
    )
    assert Classification.objects.filter(submission=submission).count() == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CLASSIFIED
    assert submission.attempts == 1
