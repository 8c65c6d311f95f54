"""Issue 14: ``POST /api/v1/imports/`` answers 202 with a job; ``GET /api/v1/imports/<id>/``
shows its progress and counts."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Contact
from qualification import services
from qualification.models import ImportJob
from tests.factories import UserFactory
from tests.qualification.import_files import csv_bytes, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    user = UserFactory(username="sam", roles=["Sales"])
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}",
        HTTP_ACCEPT_LANGUAGE="en",  # the job's reasons are in the language of the request
    )
    return client


def upload(content: bytes, name: str = "liste.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_post_answers_202_with_the_job_and_the_worker_s_run_shows_in_get(
    api, django_capture_on_commit_callbacks
):
    content = csv_bytes([person(1), person(2, Courriel="bad")], with_answers=True)
    with (
        mock.patch("qualification.services.imports.publish.send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(
            "/api/v1/imports/",
            {"file": upload(content), "source": "salon", "dry_run": "false"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    job = ImportJob.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/imports/{job.pk}/"
    assert (body["status"], body["progress"], body["dry_run"]) == ("pending", 0, False)
    assert {"column": "Courriel", "field": "email"} in body["columns"]
    assert send.call_args.kwargs["args"] == [job.pk]
    assert job.created_by.username == "sam"

    services.import_job_run(job_id=job.pk)  # what the worker does (tests/integration too)

    body = api.get(f"/api/v1/imports/{job.pk}/").json()
    assert (body["status"], body["progress"], body["total_rows"]) == ("done", 100, 2)
    assert body["counts"] == {"new": 1, "updated": 0, "skipped": 0, "errors": 1, "classified": 1}
    assert body["errors"] == [{"line": 3, "reason": "“bad” is not a valid e-mail address."}]
    assert Contact.objects.count() == 1


def test_a_dry_run_through_the_api_writes_nothing(api):
    with mock.patch("qualification.services.imports.publish.send_task"):
        response = api.post(
            "/api/v1/imports/",
            {"file": upload(csv_bytes([person(1)])), "dry_run": "true"},
            format="multipart",
        )
    job = services.import_job_run(job_id=response.json()["id"])
    assert (job.dry_run, job.new_count) == (True, 1)
    assert not Contact.objects.exists()


def test_a_file_that_cannot_be_imported_is_a_field_error_and_no_job(api):
    response = api.post(
        "/api/v1/imports/", {"file": upload(b"Nom;Ville\nA;B\n")}, format="multipart"
    )
    assert response.status_code == 400
    assert "e-mail" in response.json()["file"][0]
    assert not ImportJob.objects.exists()
    assert api.post("/api/v1/imports/", {}, format="multipart").status_code == 400


def test_a_file_over_the_limit_is_413(api, settings):
    settings.QUALIFICATION_IMPORT_MAX_BYTES = 1024
    content = csv_bytes([person(n) for n in range(40)])
    response = api.post("/api/v1/imports/", {"file": upload(content)}, format="multipart")
    assert response.status_code == 413
    assert not ImportJob.objects.exists()


def test_a_reviewer_may_not_import():
    client = APIClient()
    client.force_authenticate(UserFactory(username="rita", roles=["Reviewer"]))
    response = client.post(
        "/api/v1/imports/", {"file": upload(csv_bytes([person(1)]))}, format="multipart"
    )
    assert response.status_code == 403
