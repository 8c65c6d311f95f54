"""The staff API's privacy requests: file, list, carry out, export; and its refusals."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Consent, Contact, Lead, PrivacyExport, PrivacyRequest
from crm.selectors import consent_in_force
from tests.factories import UserFactory

from .conftest import EMAIL, text_hits

pytestmark = pytest.mark.django_db
URL = "/api/v1/privacy-requests/"


def api_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.fixture
def officer_api(officer):
    return api_for(officer)


def file(api, kind, email=EMAIL, note="Par courriel du 3 décembre"):
    return api.post(URL, {"kind": kind, "email": email, "note": note}, format="json")


def test_filing_answers_201_with_the_request_due_in_30_days(person, officer_api):
    answer = file(officer_api, "access")
    assert answer.status_code == 201
    body = answer.json()
    assert {"id", "kind", "status", "received_at", "due_at"} <= set(body)
    assert (body["kind"], body["status"], body["found"]) == ("access", "open", True)
    request = PrivacyRequest.objects.get(pk=body["id"])
    assert request.due_at - request.received_at == timedelta(days=30)
    assert request.details["channel"] == "api"


def test_an_unknown_address_is_a_done_request_that_found_nothing(db, officer_api):
    body = file(officer_api, "erasure", email="personne@example.com").json()
    assert (body["status"], body["found"]) == ("done", False)
    assert "Rien n'est conservé" in body["resolution"]
    fulfil = officer_api.post(f"{URL}{body['id']}/fulfil/", {}, format="json")
    assert fulfil.status_code == 409  # already handled


def test_a_withdrawal_takes_effect_at_once_and_is_due_in_10_business_days(person, officer_api):
    consent = Consent.objects.filter(contact=person, purpose="marketing").first()
    Consent.objects.filter(pk=consent.pk).update(confirmed_at=timezone.now())
    body = file(officer_api, "withdrawal").json()
    assert body["status"] == "done" and body["kind"] == "withdrawal"
    in_force = consent_in_force(contact_id=person.pk, purpose="marketing")
    assert in_force.granted is False and in_force.source == f"privacy request #{body['id']}"
    request = PrivacyRequest.objects.get(pk=body["id"])
    assert timedelta(days=14) <= request.due_at - request.received_at <= timedelta(days=19)


def test_fulfilling_an_access_request_exports_and_the_export_is_there(person, officer_api):
    request_id = file(officer_api, "access").json()["id"]
    done = officer_api.post(
        f"{URL}{request_id}/fulfil/", {"reason": "Demande écrite"}, format="json"
    )
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["export"].endswith("/export/")
    export = officer_api.get(f"{URL}{request_id}/export/")
    assert export.status_code == 200
    data = export.json()
    assert data["provided"]["contact"]["email"] == EMAIL
    assert data["provided"]["questionnaires"] and data["inferred"]["questionnaires"]
    assert data["recorded"]["activities"][0]["body"].startswith("Appel avec")
    log = PrivacyExport.objects.get()
    assert (log.by.username, log.reason, log.format) == ("paule-privacy", "Demande écrite", "json")
    csv_text = officer_api.get(f"{URL}{request_id}/export/?as=csv").content.decode()
    assert csv_text.startswith("\ufeffpart,section,field,value")


@pytest.mark.parametrize("role", ["Sales", "Reviewer"])
def test_exporting_without_the_permission_is_403(person, officer_api, role):
    request_id = file(officer_api, "portability").json()["id"]
    officer_api.post(f"{URL}{request_id}/fulfil/", {}, format="json")
    other = api_for(UserFactory(username=f"u-{role}", roles=[role]))
    assert other.get(f"{URL}{request_id}/export/").status_code == 403
    second = file(officer_api, "access").json()["id"]
    refused = other.post(f"{URL}{second}/fulfil/", {}, format="json")
    assert refused.status_code == 403
    assert PrivacyRequest.objects.get(pk=second).status == "open"


def test_sales_cannot_erase_through_the_api(person, officer_api):
    request_id = file(officer_api, "erasure").json()["id"]
    sales = api_for(UserFactory(username="sam2", roles=["Sales"]))
    assert sales.post(f"{URL}{request_id}/fulfil/", {}, format="json").status_code == 403
    assert Contact.objects.get(pk=person.pk).erased_at is None


def test_erasing_through_the_api_then_searching_every_table(person, officer_api):
    request_id = file(officer_api, "erasure").json()["id"]
    done = officer_api.post(f"{URL}{request_id}/fulfil/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert text_hits() == []
    again = file(officer_api, "erasure").json()
    assert again["found"] is False


def test_open_follow_ups_answer_409_until_confirmed(person, officer_api):
    Lead.objects.filter(contact=person).update(next_follow_up_at=timezone.now())
    request_id = file(officer_api, "erasure").json()["id"]
    refused = officer_api.post(f"{URL}{request_id}/fulfil/", {}, format="json")
    assert refused.status_code == 409 and "confirm" in refused.json()["detail"]
    assert Contact.objects.get(pk=person.pk).erased_at is None
    ok = officer_api.post(f"{URL}{request_id}/fulfil/", {"confirm": True}, format="json")
    assert ok.status_code == 200


def test_erasing_twice_is_409(person, officer_api):
    first = file(officer_api, "erasure").json()["id"]
    officer_api.post(f"{URL}{first}/fulfil/", {}, format="json")
    stale = PrivacyRequest.objects.create(kind="erasure", contact=person, due_at=timezone.now())
    refused = officer_api.post(f"{URL}{stale.pk}/fulfil/", {}, format="json")
    assert refused.status_code == 409 and "déjà été effacée" in refused.json()["detail"]


def test_a_review_needs_a_resolution(person, officer_api):
    request_id = file(officer_api, "review").json()["id"]
    refused = officer_api.post(f"{URL}{request_id}/fulfil/", {}, format="json")
    assert refused.status_code == 400 and "resolution" in refused.json()
    ok = officer_api.post(
        f"{URL}{request_id}/fulfil/", {"resolution": "Revu : CMO confirmé."}, format="json"
    )
    assert ok.json()["resolution"].endswith("Revu : CMO confirmé.")


def test_the_list_filters_by_status_kind_and_overdue(person, officer_api):
    late = file(officer_api, "access").json()["id"]
    PrivacyRequest.objects.filter(pk=late).update(due_at=timezone.now() - timedelta(days=1))
    file(officer_api, "review")
    file(officer_api, "erasure", email="inconnu@example.com")
    ids = lambda query: [r["id"] for r in officer_api.get(URL + query).json()["results"]]  # noqa: E731
    assert ids("?overdue=true") == [late]
    assert late not in ids("?overdue=false")
    assert len(ids("?status=done")) == 1
    assert len(ids("?kind=review")) == 1
    assert officer_api.get(URL + "?kind=nonsense").status_code == 400
    assert officer_api.get(URL + "?overdue=perhaps").status_code == 400


@pytest.mark.parametrize(
    "body",
    [{"kind": "delete_everything", "email": EMAIL}, {"kind": "access", "email": "nope"}, {}],
)
def test_bad_input_is_a_field_error_and_files_nothing(db, officer_api, body):
    answer = officer_api.post(URL, json.dumps(body), content_type="application/json")
    assert answer.status_code == 400
    assert PrivacyRequest.objects.count() == 0
