"""A submission posted under the prefix is classified by a real worker of the site's own
Celery app, through a real Redis."""

from __future__ import annotations

import time

import pytest
from crm.models import Lead
from qualification.models import Submission

from tests.submissions import post_submission


# Committed for real (the worker is another process), the reference data kept for the
# tests after this one.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_submission_is_classified_by_the_sites_celery_worker(client, celery_worker):
    response = post_submission(client)
    assert response.status_code == 202, response.content
    submission = Submission.objects.get()

    deadline = time.monotonic() + 60
    while submission.status == Submission.Status.PENDING:
        assert time.monotonic() < deadline, f"still pending; worker log:\n{celery_worker()}"
        time.sleep(0.2)
        submission.refresh_from_db()

    assert submission.status == Submission.Status.CLASSIFIED, celery_worker()
    lead = Lead.objects.get(contact__email="josee.tremblay@example.com")
    assert lead.recommendation == "fractional_cmo"
    assert "qualification.tasks.classify_submission" in celery_worker()
    status = client.get(response["Location"].removeprefix("http://testserver")).json()
    assert status["status"] == "classified"
