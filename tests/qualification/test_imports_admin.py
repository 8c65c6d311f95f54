"""Issue 14: the admin's CSV import, through Django's test client (the browser test drives
the same pages in Chromium with a real worker)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Contact
from qualification import services
from qualification.models import ImportJob
from tests.factories import UserFactory
from tests.qualification.import_files import csv_bytes, person

pytestmark = pytest.mark.django_db

ADD = "/admin/qualification/importjob/add/"


@pytest.fixture
def sales(client):
    client.force_login(UserFactory(username="sam", roles=["Sales"]))
    return client


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch("qualification.services.imports.publish.send_task") as send:
        yield send


def test_upload_preview_remap_confirm_and_report(sales, django_capture_on_commit_callbacks):
    content = csv_bytes([person(1), person(2, Courriel="=1+2")], with_answers=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = sales.post(
            ADD, {"file": SimpleUploadedFile("liste.csv", content), "source": "salon"}
        )
    preview = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{preview.pk}/change/")
    assert preview.dry_run
    page = sales.get(response["Location"]).content.decode()
    assert "data-running" in page  # the worker has not run it yet

    services.import_job_run(job_id=preview.pk)
    page = sales.get(response["Location"]).content.decode()
    assert "data-running" not in page
    assert '<option value="email" selected>' in page
    assert "Confirm: import these rows" in page or "Confirmer" in page
    assert "personne1@example.com" in page
    assert not Contact.objects.exists()

    mapping = {f"column-{i}": target for i, target in enumerate(preview.mapping)}
    mapping["column-2"] = ""  # leave "Nom" out
    sales.post(f"/admin/qualification/importjob/{preview.pk}/remap/", mapping)
    preview.refresh_from_db()
    assert preview.status == "pending" and preview.mapping[2] == ""
    services.import_job_run(job_id=preview.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = sales.post(f"/admin/qualification/importjob/{preview.pk}/confirm/")
    job = ImportJob.objects.exclude(pk=preview.pk).get()
    assert (job.dry_run, job.preview_of_id, job.mapping) == (False, preview.pk, preview.mapping)
    services.import_job_run(job_id=job.pk)
    assert Contact.objects.get().last_name == ""

    report = sales.get(f"/admin/qualification/importjob/{job.pk}/report.csv?outcome=error")
    text = b"".join(report.streaming_content).decode()
    assert "'=1+2" in text
    assert "new" not in text.splitlines()[1]


def test_a_file_that_cannot_be_imported_is_a_field_error(sales):
    response = sales.post(ADD, {"file": SimpleUploadedFile("x.csv", b"Nom\nA\n")})
    assert response.status_code == 200
    # In the staff member's language (French by default).
    assert "adresse courriel" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_reviewer_cannot_import_or_confirm(client):
    client.force_login(UserFactory(username="rita", roles=["Reviewer"]))
    assert client.get(ADD).status_code == 403
    job = services.import_job_create(
        content=csv_bytes([person(1)]), file_name="x.csv", dry_run=True
    )
    services.import_job_run(job_id=job.pk)
    assert client.post(f"/admin/qualification/importjob/{job.pk}/confirm/").status_code == 403
    assert ImportJob.objects.count() == 1
