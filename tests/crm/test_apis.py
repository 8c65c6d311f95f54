"""The staff API: /api/v1/leads/, /api/v1/leads/<id>/ and its activities."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.models import Activity, Company, Contact, Lead, LeadEvent
from tests.crm.conftest import token_client
from tests.factories import ActivityFactory, LeadFactory, UserFactory

LEADS = "/api/v1/leads/"


def detail(lead) -> str:
    return f"{LEADS}{lead.pk}/"


def activities(lead) -> str:
    return f"{LEADS}{lead.pk}/activities/"


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


# --- Authentication and roles ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LEADS, "{lead}", "{lead}activities/"])
def test_anonymous_requests_are_refused_with_401(path):
    lead = LeadFactory()
    response = APIClient().get(path.format(lead=detail(lead)))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_wrong_token_is_refused():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(LEADS).status_code == 401


@pytest.mark.django_db
def test_the_admin_session_works_too(sales_client):
    LeadFactory()
    assert sales_client.get(LEADS).status_code == 200


@pytest.mark.django_db
def test_staff_without_a_role_gets_403():
    api = token_client(UserFactory())
    assert api.get(LEADS).status_code == 403


@pytest.mark.django_db
def test_a_non_staff_user_with_a_token_gets_403():
    user = UserFactory(is_staff=False, roles=["Sales"])
    assert token_client(user).get(LEADS).status_code == 403


@pytest.mark.django_db
def test_a_view_only_user_cannot_patch():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_lead"))
    api = token_client(user)
    lead = LeadFactory()
    assert api.get(detail(lead)).status_code == 200
    assert api.patch(detail(lead), {"stage": "contacted"}, format="json").status_code == 403


OVERRIDE_AS_FORM = {"override.recommendation": "consultant", "override.reason": "Only a campaign"}


def assert_not_overridden(lead):
    lead.refresh_from_db()
    assert lead.override_recommendation == "" and lead.override_by is None
    assert not lead.events.filter(kind=LeadEvent.Kind.OVERRIDE).exists()


@pytest.mark.django_db
def test_override_needs_its_own_permission(no_override_user):
    api = token_client(no_override_user)
    lead = LeadFactory()
    response = api.patch(
        detail(lead),
        {"override": {"recommendation": "consultant", "reason": "Only a campaign"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not override the recommendation."
    assert_not_overridden(lead)
    assert api.patch(detail(lead), {"stage": "contacted"}, format="json").status_code == 200


@pytest.mark.django_db
def test_a_form_encoded_patch_cannot_override_without_the_permission(no_override_user):
    lead = LeadFactory()
    response = token_client(no_override_user).patch(
        detail(lead),
        urlencode({**OVERRIDE_AS_FORM, "stage": "contacted"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 403
    assert_not_overridden(lead)
    assert lead.stage == "new"  # the whole change is refused, not only the override


@pytest.mark.django_db
def test_a_multipart_patch_cannot_override_without_the_permission(no_override_user):
    lead = LeadFactory()
    response = token_client(no_override_user).patch(
        detail(lead), OVERRIDE_AS_FORM, format="multipart"
    )
    assert response.status_code == 403
    assert_not_overridden(lead)


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["form", "multipart"])
def test_a_user_with_the_permission_may_override_in_any_encoding(
    reviewer_api, reviewer_user, encoding
):
    lead = LeadFactory(recommendation="fractional_cmo")
    if encoding == "form":
        response = reviewer_api.patch(
            detail(lead),
            urlencode(OVERRIDE_AS_FORM),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = reviewer_api.patch(detail(lead), OVERRIDE_AS_FORM, format="multipart")
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert (lead.override_recommendation, lead.override_by) == ("consultant", reviewer_user)


@pytest.mark.django_db
def test_reviewer_may_move_assign_override_and_add_activities(reviewer_api, reviewer_user):
    lead = LeadFactory()
    response = reviewer_api.patch(
        detail(lead),
        {
            "stage": "contacted",
            "owner": reviewer_user.username,
            "override": {"recommendation": "consultant", "reason": "Short mandate"},
        },
        format="json",
    )
    assert response.status_code == 200
    created = reviewer_api.post(activities(lead), {"kind": "note", "body": "Left a message"})
    assert created.status_code == 201


@pytest.mark.django_db
def test_there_is_no_delete_and_no_put(sales_api):
    lead = LeadFactory()
    assert sales_api.delete(detail(lead)).status_code == 405
    assert sales_api.put(detail(lead), {"stage": "won"}, format="json").status_code == 405
    assert Lead.objects.filter(pk=lead.pk).exists()


# --- Reading -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_reads_as_the_contract_says(sales_api, sales_user):
    lead = LeadFactory(
        recommendation="fractional_cmo",
        confidence=0.82,
        fit_score=74,
        fit_grade="B",
        owner=sales_user,
        override_recommendation="consultant",
        override_reason="Wants a short campaign",
        override_by=sales_user,
        override_at=timezone.now(),
    )
    body = sales_api.get(detail(lead)).json()
    assert body["id"] == lead.pk
    assert body["stage"] == "new"
    assert body["owner"] == sales_user.username
    assert body["recommendation"] == "consultant"  # the one in force
    assert body["contact"] == {
        "first_name": lead.contact.first_name,
        "last_name": lead.contact.last_name,
        "email": lead.contact.email,
        "phone": lead.contact.phone,
        "job_title": lead.contact.job_title,
        "language": "fr",
    }
    assert body["company"] == {"name": lead.company.name, "website": lead.company.website}
    assert body["answers"]["needs"] == ["align_strategy", "structure_team"]
    classification = body["classification"]
    assert classification["recommendation"] == "fractional_cmo"  # what the rules computed
    assert classification["confidence"] == 0.82
    assert classification["fit_score"] == 74 and classification["fit_grade"] == "B"
    assert classification["alternative"] is None
    assert classification["ruleset_version"] == 1
    line = classification["explanation"][0]
    assert {"question", "answer", "effect", "reason"} <= set(line)
    assert body["override"]["recommendation"] == "consultant"
    assert body["override"]["reason"] == "Wants a short campaign"
    assert body["override"]["by"] == sales_user.username
    assert body["override"]["at"]
    assert body["created_at"]


@pytest.mark.django_db
def test_classification_reviewed_by_is_the_leads_review_not_the_stored_value(sales_api):
    reviewer = UserFactory(username="paule")
    lead = LeadFactory()
    lead.classification = {**lead.classification, "reviewed_by": "someone-else"}
    lead.save()
    assert sales_api.get(detail(lead)).json()["classification"]["reviewed_by"] is None
    lead.reviewed_by = reviewer
    lead.save()
    assert sales_api.get(detail(lead)).json()["classification"]["reviewed_by"] == "paule"


@pytest.mark.django_db
def test_a_pending_lead_has_no_classification_and_no_recommendation(sales_api):
    lead = LeadFactory(pending=True)
    body = sales_api.get(detail(lead)).json()
    assert body["classification"] is None
    assert body["recommendation"] is None
    assert body["override"] is None


@pytest.mark.django_db
def test_unknown_lead_is_404(sales_api):
    assert sales_api.get(f"{LEADS}999999/").status_code == 404
    assert sales_api.get(f"{LEADS}999999/activities/").status_code == 404


# --- Pagination and query counts -------------------------------------------------


def bulk_leads(n: int) -> None:
    companies = Company.objects.bulk_create(Company(name=f"Co {i}") for i in range(n))
    contacts = Contact.objects.bulk_create(
        Contact(email=f"bulk{i}@example.com", first_name=f"B{i}", company=company)
        for i, company in enumerate(companies)
    )
    Lead.objects.bulk_create(
        Lead(contact=contact, company=contact.company, recommendation="consultant")
        for contact in contacts
    )


@pytest.mark.django_db
def test_list_is_paginated_with_count_next_previous_results(sales_api):
    LeadFactory.create_batch(5)
    body = sales_api.get(LEADS, {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["previous"] is None
    second = sales_api.get(body["next"]).json()
    assert len(second["results"]) == 2
    assert second["previous"]


@pytest.mark.django_db
def test_page_size_stops_at_500(sales_api):
    bulk_leads(501)
    body = sales_api.get(LEADS, {"page_size": 1000}).json()
    assert body["count"] == 501
    assert len(body["results"]) == 500


@pytest.mark.django_db
def test_list_runs_the_same_number_of_queries_whatever_the_page_size(sales_api):
    owners = UserFactory.create_batch(3)
    for i in range(40):
        LeadFactory(
            owner=owners[i % 3],
            reviewed_by=owners[(i + 1) % 3],
            override_recommendation="consultant" if i % 2 else "",
            override_reason="reason" if i % 2 else "",
            override_by=owners[i % 3] if i % 2 else None,
        )
    counts = {}
    for size in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            response = sales_api.get(LEADS, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[2] == counts[40]


@pytest.mark.django_db
def test_list_stays_within_a_fixed_query_budget(sales_api, django_assert_max_num_queries):
    LeadFactory.create_batch(25, owner=UserFactory())
    with django_assert_max_num_queries(6):
        response = sales_api.get(LEADS, {"page_size": 500})
    assert len(response.json()["results"]) == 25


# --- Filters -----------------------------------------------------------------------


@pytest.fixture
def api_leads(sales_user):
    now = timezone.now()
    return {
        "cmo": LeadFactory(recommendation="fractional_cmo", needs_review=True, fit_grade="B"),
        "consultant": LeadFactory(
            recommendation="consultant",
            fit_grade="A",
            owner=sales_user,
            stage="contacted",
            next_follow_up_at=now - timedelta(hours=2),
        ),
        "overridden": LeadFactory(
            recommendation="fractional_cmo",
            override_recommendation="consultant",
            override_reason="Short mandate",
            fit_grade="C",
            owner=UserFactory(username="olivia"),
        ),
        "old_en": LeadFactory(
            contact__language="en", fit_grade="D", created_at=now - timedelta(days=60)
        ),
        "pending": LeadFactory(pending=True),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"recommendation": "consultant"}, {"consultant", "overridden"}),
        ({"recommendation": "fractional_cmo"}, {"cmo", "old_en"}),
        ({"recommendation": "pending"}, {"pending"}),
        ({"stage": "contacted"}, {"consultant"}),
        ({"owner": "olivia"}, {"overridden"}),
        ({"owner": "me"}, {"consultant"}),
        ({"owner": "none"}, {"cmo", "old_en", "pending"}),
        ({"needs_review": "true"}, {"cmo"}),
        ({"needs_review": "false"}, {"consultant", "overridden", "old_en", "pending"}),
        ({"fit_grade": "C"}, {"overridden"}),
        ({"language": "en"}, {"old_en"}),
        ({"overdue": "true"}, {"consultant"}),
        ({"recommendation": "fractional_cmo", "needs_review": "true"}, {"cmo"}),
    ],
)
def test_list_filters(sales_api, api_leads, params, expected):
    response = sales_api.get(LEADS, params)
    assert response.status_code == 200
    assert ids(response) == {api_leads[name].pk for name in expected}


@pytest.mark.django_db
def test_created_after_takes_an_iso_date(sales_api, api_leads):
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    response = sales_api.get(LEADS, {"created_after": since})
    assert api_leads["old_en"].pk not in ids(response)
    assert api_leads["cmo"].pk in ids(response)
    assert sales_api.get(LEADS, {"created_after": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_an_unknown_filter_value_is_a_400(sales_api):
    assert sales_api.get(LEADS, {"stage": "nowhere"}).status_code == 400


# --- PATCH through the services ----------------------------------------------------


@pytest.mark.django_db
def test_patch_stage_is_recorded_with_who(sales_api, sales_user):
    lead = LeadFactory()
    response = sales_api.patch(detail(lead), {"stage": "discovery"}, format="json")
    assert response.status_code == 200
    assert response.json()["stage"] == "discovery"
    event = lead.events.get(kind=LeadEvent.Kind.STAGE)
    assert (event.from_value, event.to_value, event.by) == ("new", "discovery", sales_user)


@pytest.mark.django_db
def test_patch_lost_needs_a_reason(sales_api):
    lead = LeadFactory()
    response = sales_api.patch(detail(lead), {"stage": "lost"}, format="json")
    assert response.status_code == 400
    assert "lost_reason" in response.json()
    response = sales_api.patch(
        detail(lead), {"stage": "lost", "lost_reason": "Chose an agency"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["lost_reason"] == "Chose an agency"


@pytest.mark.django_db
def test_patch_owner_by_username_and_unassign(sales_api, sales_user):
    lead = LeadFactory()
    olivia = UserFactory(username="olivia")
    assert sales_api.patch(detail(lead), {"owner": "olivia"}, format="json").json()["owner"] == (
        "olivia"
    )
    event = lead.events.get(kind=LeadEvent.Kind.ASSIGNED)
    assert event.by == sales_user and event.to_value == str(olivia)
    assert sales_api.patch(detail(lead), {"owner": None}, format="json").json()["owner"] is None
    assert sales_api.patch(detail(lead), {"owner": "ghost"}, format="json").status_code == 400


@pytest.mark.django_db
def test_patch_next_follow_up(sales_api):
    lead = LeadFactory()
    when = "2030-03-04T09:30:00-05:00"
    body = sales_api.patch(detail(lead), {"next_follow_up_at": when}, format="json").json()
    lead.refresh_from_db()
    assert lead.next_follow_up_at.isoformat() == "2030-03-04T14:30:00+00:00"
    assert body["next_follow_up_at"].startswith("2030-03-04T09:30:00")


@pytest.mark.django_db
def test_patch_override_keeps_the_computed_classification(sales_api, sales_user):
    lead = LeadFactory(recommendation="fractional_cmo")
    body = sales_api.patch(
        detail(lead),
        {"override": {"recommendation": "consultant", "reason": "Campaign only"}},
        format="json",
    ).json()
    assert body["recommendation"] == "consultant"
    assert body["classification"]["recommendation"] == "fractional_cmo"
    assert body["override"]["by"] == sales_user.username
    assert body["classification"]["reviewed_by"] == sales_user.username
    assert lead.events.get(kind=LeadEvent.Kind.OVERRIDE).note == "Campaign only"


@pytest.mark.django_db
def test_patch_override_needs_a_reason(sales_api):
    lead = LeadFactory()
    response = sales_api.patch(
        detail(lead), {"override": {"recommendation": "consultant", "reason": ""}}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["override"]


@pytest.mark.django_db
def test_patch_removes_an_override_with_a_reason_and_refuses_a_bare_null(sales_api):
    lead = LeadFactory(override_recommendation="consultant", override_reason="First call")
    refused = sales_api.patch(detail(lead), {"override": None}, format="json")
    assert refused.status_code == 400
    assert "reason" in str(refused.json()["override"])
    body = sales_api.patch(
        detail(lead),
        {"override": {"recommendation": None, "reason": "The rules were right"}},
        format="json",
    ).json()
    assert body["override"] is None
    assert body["recommendation"] == "fractional_cmo"
    assert lead.events.filter(kind=LeadEvent.Kind.OVERRIDE).count() == 1


@pytest.mark.django_db
def test_patch_changes_several_fields_at_once_each_recorded(sales_api, sales_user):
    lead = LeadFactory()
    response = sales_api.patch(
        detail(lead),
        {
            "stage": "contacted",
            "owner": sales_user.username,
            "override": {"recommendation": "consultant", "reason": "Clear mandate"},
        },
        format="json",
    )
    assert response.status_code == 200
    assert set(lead.events.values_list("kind", flat=True)) == {"stage", "assigned", "override"}


@pytest.mark.django_db
def test_patch_refuses_to_reopen_a_lead_beside_another_open_one(sales_api):
    closed = LeadFactory(stage="won")
    LeadFactory(contact=closed.contact)
    response = sales_api.patch(detail(closed), {"stage": "new"}, format="json")
    assert response.status_code == 400
    assert "stage" in response.json()


# --- Activities --------------------------------------------------------------------


@pytest.mark.django_db
def test_activities_list_newest_first(sales_api):
    lead = LeadFactory()
    older = ActivityFactory(lead=lead, created_at=timezone.now() - timedelta(days=1))
    newer = ActivityFactory(lead=lead, kind="meeting")
    ActivityFactory()  # another lead's
    body = sales_api.get(activities(lead)).json()
    assert [row["id"] for row in body] == [newer.pk, older.pk]
    assert set(body[0]) == {"id", "kind", "body", "due_at", "done_at", "owner", "created_at"}


@pytest.mark.django_db
def test_posting_an_activity_answers_201_and_sets_the_follow_up(sales_api, sales_user):
    lead = LeadFactory()
    due = "2030-01-15T10:00:00-05:00"
    response = sales_api.post(
        activities(lead), {"kind": "call", "body": "Discovery call", "due_at": due}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "call" and body["owner"] == sales_user.username
    activity = Activity.objects.get(pk=body["id"])
    lead.refresh_from_db()
    assert lead.next_follow_up_at == activity.due_at


@pytest.mark.django_db
def test_posting_an_activity_validates_its_kind(sales_api):
    lead = LeadFactory()
    response = sales_api.post(activities(lead), {"kind": "fax"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


@pytest.mark.django_db
def test_an_activity_posted_without_a_kind_is_a_note(sales_api):
    lead = LeadFactory()
    response = sales_api.post(activities(lead), {"body": "Left a message"}, format="json")
    assert response.status_code == 201
    assert response.json()["kind"] == "note"


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["due_at", "done_at"])
def test_an_activity_dated_before_1900_is_refused(sales_api, field):
    # Local mean time before 1884 has offsets in seconds that RFC 3339 cannot write.
    lead = LeadFactory()
    response = sales_api.post(
        activities(lead), {"kind": "call", field: "0049-09-11T16:26:31Z"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Activity.objects.filter(lead=lead).exists()


@pytest.mark.django_db
def test_a_follow_up_before_1900_is_refused(sales_api):
    lead = LeadFactory()
    response = sales_api.patch(detail(lead), {"next_follow_up_at": "1850-01-01T09:00:00Z"})
    assert response.status_code == 400
    assert "next_follow_up_at" in response.json()


@pytest.mark.django_db
def test_reading_activities_needs_the_lead_permission_too():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_activity"))
    lead = LeadFactory()
    assert token_client(user).get(activities(lead)).status_code == 403


# --- OpenAPI -----------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_describes_the_staff_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"/api/v1/leads/", "/api/v1/leads/{id}/", "/api/v1/leads/{id}/activities/"} <= set(paths)
    list_params = {p["name"] for p in paths["/api/v1/leads/"]["get"]["parameters"]}
    assert {
        "recommendation",
        "stage",
        "owner",
        "needs_review",
        "fit_grade",
        "created_after",
        "page",
        "page_size",
    } <= list_params
    assert "patch" in paths["/api/v1/leads/{id}/"]
    assert "put" not in paths["/api/v1/leads/{id}/"]
    assert "201" in paths["/api/v1/leads/{id}/activities/"]["post"]["responses"]
    lead = schema["components"]["schemas"]["Lead"]["properties"]
    assert lead["classification"]["nullable"] is True
    assert lead["override"]["nullable"] is True
    update = schema["components"]["schemas"]["PatchedLeadUpdate"]["properties"]
    assert {"stage", "owner", "next_follow_up_at", "override", "lost_reason"} <= set(update)


@pytest.mark.django_db
def test_docs_page_is_served_without_a_cdn(client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


# --- Rotating one's own token ------------------------------------------------------------

ROTATE = "/api/v1/auth/token/rotate/"


@pytest.mark.django_db
def test_rotating_gives_a_new_working_key_and_the_old_one_stops_working(sales_user):
    old = Token.objects.create(user=sales_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    response = api.post(ROTATE)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"} and body["token"] != old.key
    new = Token.objects.get(user=sales_user)
    assert new.key == body["token"]
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at == new.created + timedelta(days=90)
    assert expires_at.utcoffset() == timezone.localtime(new.created).utcoffset()  # local time
    assert api.get(LEADS).status_code == 401  # the old key
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert fresh.get(LEADS).status_code == 200


@pytest.mark.django_db
def test_rotating_needs_authentication():
    response = APIClient().post(ROTATE)
    assert response.status_code == 401
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_an_expired_token_cannot_rotate_itself_but_the_admin_session_can(sales_user):
    old = Token.objects.create(user=sales_user)
    Token.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=120))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert api.post(ROTATE).status_code == 401
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(sales_user)
    assert session.post(ROTATE).status_code == 403  # no CSRF token
    assert Token.objects.get(user=sales_user).key == old.key
    session.get("/admin/")
    csrf = session.cookies["csrftoken"].value
    response = session.post(ROTATE, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201
    assert Token.objects.get(user=sales_user).key == response.json()["token"] != old.key


@pytest.mark.django_db
def test_staff_without_a_role_and_non_staff_cannot_get_a_token():
    for user in (UserFactory(), UserFactory(is_staff=False, roles=["Sales"])):
        session = APIClient()
        session.force_login(user)
        assert session.post(ROTATE).status_code == 403
    assert not Token.objects.exists()


# --- issue 10: the staff API's body is strict JSON too -----------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"stage": "\\udfff"}', id="surrogate-as-a-choice"),
        pytest.param('{"lost_reason": "a\\udfffb", "stage": "lost"}', id="surrogate-in-text"),
        pytest.param('{"\\udfff": 1}', id="surrogate-in-a-key"),
        pytest.param('{"lost_reason": "a\\u0000b", "stage": "lost"}', id="nul-in-text"),
    ],
)
def test_unstorable_text_is_a_field_level_400_never_a_500(sales_api, body):
    lead = LeadFactory()
    response = sales_api.patch(detail(lead), data=body, content_type="application/json")
    assert response.status_code == 400
    response.content.decode("utf-8")
    lead.refresh_from_db()
    assert lead.stage == "new"


def test_a_duplicate_key_in_a_staff_patch_is_refused(sales_api):
    lead = LeadFactory()
    body = '{"stage": "contacted", "stage": "discovery"}'
    response = sales_api.patch(detail(lead), data=body, content_type="application/json")
    assert response.status_code == 400
    assert "stage" in response.json()["detail"]
    lead.refresh_from_db()
    assert lead.stage == "new"


def test_unstorable_text_in_an_activity_is_refused(sales_api):
    lead = LeadFactory()
    response = sales_api.post(
        activities(lead),
        data='{"kind": "note", "body": "x\\udfff"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Activity.objects.count() == 0
