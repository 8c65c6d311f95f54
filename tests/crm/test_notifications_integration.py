"""The new-lead notification through a real Redis and a real Celery worker process."""

import pytest

from crm import services
from crm.models import Lead
from crm.results import QualificationResult
from tests.conftest import wait_for
from tests.factories import LeadFactory


def record(lead, fit_score):
    services.lead_record_qualification(
        lead_id=lead.pk,
        result=QualificationResult(
            recommendation="fractional_cmo",
            alternative=None,
            confidence=0.9,
            fit_score=fit_score,
            fit_grade="A",
            needs_review=False,
            explanation=[],
            ruleset_version=1,
        ),
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_sends_the_new_lead_email_after_the_classification_commits(
    celery_worker_process,
):
    promising = LeadFactory(pending=True)
    modest = LeadFactory(pending=True)
    record(promising, fit_score=91)
    record(modest, fit_score=40)

    notified_at = wait_for(lambda: Lead.objects.get(pk=promising.pk).practice_notified_at)
    record(promising, fit_score=95)  # a re-classification is not a new lead
    assert Lead.objects.get(pk=promising.pk).practice_notified_at == notified_at
    assert Lead.objects.get(pk=modest.pk).practice_notified_at is None
    assert "crm.tasks.notify_new_lead" in celery_worker_process.log()
