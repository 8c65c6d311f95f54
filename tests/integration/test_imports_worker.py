"""Issue 14: an import posted to the staff API runs in a real Celery worker on a real Redis,
and its rows with complete answers end up classified."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Lead
from qualification.models import ImportJob, Submission
from tests.conftest import wait_for
from tests.factories import UserFactory
from tests.qualification.import_files import csv_bytes, person

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_api_import_runs_in_the_worker_and_its_rows_are_classified(celery_worker_process):
    api = APIClient()
    user = UserFactory(username="sam-worker", is_superuser=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    rows = [person(n) for n in range(1, 31)] + [person(31, horizon="")]
    content = csv_bytes(rows, with_answers=True)

    response = api.post(
        "/api/v1/imports/",
        {"file": SimpleUploadedFile("liste.csv", content), "source": "salon"},
        format="multipart",
    )

    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    wait_for(lambda: ImportJob.objects.get(pk=job_id).is_finished, timeout=60)
    body = api.get(f"/api/v1/imports/{job_id}/").json()
    assert body["status"] == "done", body
    assert body["counts"] == {"new": 31, "updated": 0, "skipped": 0, "errors": 0, "classified": 30}
    assert Lead.objects.exclude(recommendation="").count() == 30
    assert Lead.objects.filter(recommendation="").get().answers.get("horizon") is None
    assert Submission.objects.filter(channel="import", status="classified").count() == 30

    again = api.post(
        "/api/v1/imports/", {"file": SimpleUploadedFile("liste.csv", content)}, format="multipart"
    ).json()
    wait_for(lambda: ImportJob.objects.get(pk=again["id"]).is_finished, timeout=60)
    assert ImportJob.objects.get(pk=again["id"]).skipped_count == 31
    assert Lead.objects.count() == 31
