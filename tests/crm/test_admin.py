"""The lead list and lead page in the admin: what staff see, filter, and change."""

import csv
import io
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm.admin import LeadAdmin
from crm.models import Activity, Lead, LeadEvent
from crm.selectors import end_of_day
from crm.signals import reclassification_requested
from tests.crm.html_forms import form_data
from tests.factories import (
    ActivityFactory,
    ConsentFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
)

LIST_URL = "/admin/crm/lead/"


def change_url(lead) -> str:
    return reverse("admin:crm_lead_change", args=[lead.pk])


def listed_ids(response) -> set[int]:
    return {lead.pk for lead in response.context["cl"].result_list}


# --- The list ----------------------------------------------------------------------


@pytest.mark.django_db
def test_lead_list_shows_the_badge_with_its_alternative_and_flags_overdue_follow_ups(
    sales_client,
):
    LeadFactory(
        contact__first_name="Mireille",
        recommendation="fractional_cmo",
        alternative="interim_director",
        confidence=0.64,
        fit_grade="C",
        next_follow_up_at=timezone.now() - timedelta(days=2),
    )
    html = sales_client.get(LIST_URL).content.decode()
    assert "Mireille" in html
    assert 'class="crm-badge crm-badge-fractional_cmo"' in html
    assert 'class="crm-alternative"' in html
    assert "64 %" in html
    assert 'class="crm-grade crm-grade-C"' in html
    assert 'class="crm-overdue"' in html


@pytest.mark.django_db
def test_lead_list_badge_shows_the_override_not_the_computed_recommendation(sales_client):
    LeadFactory(
        recommendation="fractional_cmo",
        override_recommendation="consultant",
        override_reason="Short mandate agreed by phone",
    )
    html = sales_client.get(LIST_URL).content.decode()
    assert "crm-badge-consultant" in html
    assert "crm-badge-fractional_cmo" not in html


@pytest.mark.django_db
def test_lead_list_runs_the_same_number_of_queries_whatever_the_page_size(sales_client):
    owners = UserFactory.create_batch(3)
    for i in range(60):
        LeadFactory(owner=owners[i % 3], next_follow_up_at=timezone.now() + timedelta(days=i))
    counts = {}
    for size in (5, 60):
        with CaptureQueriesContext(connection) as queries:
            response = sales_client.get(f"{LIST_URL}?page_size={size}")
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == size
        counts[size] = len(queries)
    assert counts[5] == counts[60]


@pytest.mark.django_db
def test_lead_list_pages_by_the_size_asked_for(sales_client):
    # LeadChangeList sets the page size where ChangeList pages (get_results): if Django
    # pages elsewhere one day, the list falls back to 100 a page and this fails.
    LeadFactory.create_batch(30)
    for query, per_page, shown in [
        ("page_size=25", 25, 25),
        ("page_size=25&p=2", 25, 5),
        ("", 100, 30),
        ("page_size=many", 100, 30),
        ("page_size=0", 1, 1),
        ("page_size=100000", 500, 30),
    ]:
        cl = sales_client.get(f"{LIST_URL}?{query}").context["cl"]
        assert (cl.list_per_page, cl.paginator.per_page) == (per_page, per_page), query
        assert len(cl.result_list) == shown, query
        assert cl.multi_page == (per_page < 30), query
    links = sales_client.get(f"{LIST_URL}?page_size=25").context["cl"].page_size_links
    assert [(size, selected) for size, _url, selected in links] == [
        (25, True),
        (50, False),
        (100, False),
        (200, False),
        (500, False),
    ]
    assert links[-1][1] == "?page_size=500"


@pytest.mark.django_db
def test_lead_list_stays_within_a_fixed_query_budget(sales_client, django_assert_max_num_queries):
    LeadFactory.create_batch(30)
    with django_assert_max_num_queries(10):
        response = sales_client.get(f"{LIST_URL}?page_size=500")
    assert len(response.context["cl"].result_list) == 30


@pytest.mark.django_db
def test_lead_list_never_counts_the_whole_table(sales_client, settings):
    settings.CRM_LIST_COUNT_LIMIT = 5
    LeadFactory.create_batch(8)
    with CaptureQueriesContext(connection) as queries:
        response = sales_client.get(f"{LIST_URL}?page_size=2", HTTP_ACCEPT_LANGUAGE="en")
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    assert response.context["cl"].paginator.is_capped
    assert "more than 5 leads" in response.content.decode()


@pytest.mark.django_db
def test_lead_list_gives_the_exact_count_under_the_limit(sales_client):
    LeadFactory.create_batch(3)
    response = sales_client.get(LIST_URL)
    assert response.context["cl"].result_count == 3
    assert "3 pistes" in response.content.decode()  # French first


@pytest.fixture
def varied_leads(sales_user):
    now = timezone.now()
    other = UserFactory(username="olivia")
    return {
        "cmo_review": LeadFactory(
            recommendation="fractional_cmo", needs_review=True, confidence=0.55, fit_grade="B"
        ),
        "consultant_mine": LeadFactory(
            recommendation="consultant",
            confidence=0.9,
            fit_grade="A",
            owner=sales_user,
            next_follow_up_at=now - timedelta(days=1),
            stage="contacted",
        ),
        "overridden": LeadFactory(
            recommendation="fractional_cmo",
            override_recommendation="consultant",
            override_reason="Only wants a campaign",
            confidence=0.4,
            fit_grade="D",
            owner=other,
            # Later today, whatever the time the test runs.
            next_follow_up_at=now + (end_of_day(now) - now) / 2,
        ),
        "pending_en": LeadFactory(pending=True, contact__language="en"),
        "old_lost": LeadFactory(
            stage="lost",
            lost_reason="No budget",
            created_at=now - timedelta(days=400),
            next_follow_up_at=now - timedelta(days=300),
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("recommendation=consultant", {"consultant_mine", "overridden"}),
        ("recommendation=fractional_cmo", {"cmo_review", "old_lost"}),
        ("recommendation=pending", {"pending_en"}),
        ("confidence=high", {"consultant_mine", "old_lost"}),
        ("confidence=medium", {"cmo_review"}),
        ("confidence=low", {"overridden"}),
        ("fit_grade__exact=A", {"consultant_mine"}),
        ("needs_review__exact=1", {"cmo_review"}),
        ("stage__exact=contacted", {"consultant_mine"}),
        ("owner=none", {"cmo_review", "pending_en", "old_lost"}),
        ("mine=1", {"consultant_mine"}),
        ("overdue=1", {"consultant_mine"}),
        ("follow_up=today", {"overridden"}),
        ("follow_up=none", {"cmo_review", "pending_en"}),
        ("language__exact=en", {"pending_en"}),
        ("recommendation=fractional_cmo&needs_review__exact=1", {"cmo_review"}),
    ],
)
def test_lead_list_filters(sales_client, varied_leads, query, expected):
    response = sales_client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert listed_ids(response) == {varied_leads[name].pk for name in expected}


@pytest.mark.django_db
def test_lead_list_owner_filter_picks_one_staff_member(sales_client, varied_leads):
    olivia = varied_leads["overridden"].owner
    response = sales_client.get(f"{LIST_URL}?owner={olivia.pk}")
    assert listed_ids(response) == {varied_leads["overridden"].pk}


@pytest.mark.django_db
def test_lead_list_created_filter_leaves_out_old_leads(sales_client, varied_leads):
    start = timezone.localtime() - timedelta(days=7)
    response = sales_client.get(LIST_URL, {"created_at__gte": str(start)})
    assert varied_leads["old_lost"].pk not in listed_ids(response)
    assert varied_leads["cmo_review"].pk in listed_ids(response)


@pytest.mark.django_db
@pytest.mark.parametrize("term", ["Ferland", "g.ferland@acme", "Acme Québec"])
def test_lead_list_search_by_name_email_or_company(sales_client, term):
    wanted = LeadFactory(
        contact__last_name="Ferland",
        contact__email="g.ferland@acme.example.com",
        contact__company__name="Acme Québec",
    )
    LeadFactory()
    response = sales_client.get(LIST_URL, {"q": term})
    assert listed_ids(response) == {wanted.pk}


# --- Actions -----------------------------------------------------------------------


def run_action(client, action, leads, **extra):
    data = {"action": action, "_selected_action": [lead.pk for lead in leads], "index": 0}
    data.update(extra)
    return client.post(LIST_URL, data)


@pytest.mark.django_db
def test_assign_to_me_action_records_who_assigned(sales_client, sales_user):
    leads = LeadFactory.create_batch(2)
    response = run_action(sales_client, "assign_to_me", leads)
    assert response.status_code == 302
    for lead in leads:
        lead.refresh_from_db()
        assert lead.owner == sales_user
        event = lead.events.get(kind=LeadEvent.Kind.ASSIGNED)
        assert event.by == sales_user


@pytest.mark.django_db
def test_move_to_stage_action_asks_for_the_stage_then_moves(sales_client, sales_user):
    leads = LeadFactory.create_batch(2)
    first = run_action(sales_client, "move_to_stage", leads)
    assert first.status_code == 200
    assert 'name="stage"' in first.content.decode()
    assert Lead.objects.filter(stage="new").count() == 2  # nothing moved yet

    done = run_action(sales_client, "move_to_stage", leads, stage="discovery", apply="1")
    assert done.status_code == 302
    for lead in leads:
        lead.refresh_from_db()
        assert lead.stage == "discovery"
        event = lead.events.get(kind=LeadEvent.Kind.STAGE)
        assert (event.from_value, event.to_value, event.by) == ("new", "discovery", sales_user)


@pytest.mark.django_db
def test_move_to_stage_action_refuses_lost_without_a_reason(sales_client):
    lead = LeadFactory()
    response = run_action(sales_client, "move_to_stage", [lead], stage="lost", apply="1")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    lead.refresh_from_db()
    assert lead.stage == "new"


@pytest.mark.django_db
def test_mark_lost_action_keeps_the_reason(sales_client, sales_user):
    lead = LeadFactory(stage="proposal")
    page = run_action(sales_client, "mark_lost", [lead])
    assert 'name="reason"' in page.content.decode()
    run_action(sales_client, "mark_lost", [lead], reason="Hired a full-time director", apply="1")
    lead.refresh_from_db()
    assert lead.stage == "lost"
    assert lead.lost_reason == "Hired a full-time director"
    assert lead.events.get(kind=LeadEvent.Kind.STAGE).note == "Hired a full-time director"


@pytest.mark.django_db
def test_mark_lost_action_applies_to_every_matching_lead_with_select_across(sales_client):
    LeadFactory.create_batch(3, recommendation="consultant")
    keep = LeadFactory(recommendation="fractional_cmo")
    sales_client.post(
        f"{LIST_URL}?recommendation=consultant",
        {
            "action": "mark_lost",
            "_selected_action": [Lead.objects.filter(recommendation="consultant").first().pk],
            "select_across": "1",
            "index": 0,
            "reason": "Campaign cancelled",
            "apply": "1",
        },
    )
    assert Lead.objects.filter(stage="lost").count() == 3
    keep.refresh_from_db()
    assert keep.stage == "new"


@pytest.mark.django_db
def test_reclassify_action_asks_the_scoring_app_for_the_selected_leads(sales_client, sales_user):
    leads = LeadFactory.create_batch(2)
    LeadFactory()
    received = []

    def receiver(sender, lead_ids, requested_by, **kwargs):
        received.append((sorted(lead_ids), requested_by))

    reclassification_requested.connect(receiver)
    try:
        run_action(sales_client, "request_reclassification", leads)
    finally:
        reclassification_requested.disconnect(receiver)
    assert received == [(sorted(lead.pk for lead in leads), sales_user)]


@pytest.mark.django_db
def test_export_csv_action_streams_the_selection(sales_client):
    lead = LeadFactory(
        contact__first_name="Élise",
        contact__company__name="Boulangerie Saint-Roch",
        override_recommendation="consultant",
        override_reason="Asked for a one-off audit",
    )
    LeadFactory(contact__first_name="Not selected")
    response = run_action(sales_client, "export_csv", [lead])
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,created_at,first_name")
    assert len(lines) == 2
    assert "Élise" in lines[1] and "Boulangerie Saint-Roch" in lines[1]
    assert ",consultant,fractional_cmo," in lines[1]


def exported_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_export_csv_neutralizes_formulas_in_every_text_column(sales_client):
    owner = UserFactory(username="@owner", roles=["Sales"])
    lead = LeadFactory(
        owner=owner,
        contact__first_name='=HYPERLINK("http://evil.example","x")',
        contact__last_name="+1+cmd|' /C calc'!A0",
        contact__email="-x@example.com",
        contact__phone="@SUM(1+1)",
        contact__job_title="\t=1+1",
        contact__company__name="\r=1+1",
        contact__company__website="  =1+1",
        source="\uff1d1+1",
        utm_source="\uff0b1",
        utm_medium="\uff0d1",
        utm_campaign="\n@cmd",
    )
    header, row = exported_rows(run_action(sales_client, "export_csv", [lead]))
    cells = dict(zip(header, row, strict=True))
    hostile = [
        "first_name", "last_name", "email", "phone", "job_title", "company", "website",
        "owner", "source", "utm_source", "utm_medium", "utm_campaign",
    ]  # fmt: skip
    for column in hostile:
        assert cells[column].startswith("'"), column
    assert cells["first_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert cells["company"] == "'\r=1+1"
    for column, value in cells.items():  # nothing else starts a formula either
        assert value.lstrip(" ")[:1] not in set("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"), column


@pytest.mark.django_db
def test_export_csv_keeps_plain_values_and_writes_local_times_with_their_offset(sales_client):
    created = datetime(2026, 11, 30, 19, 5, tzinfo=UTC)  # 14:05 in Montréal (EST)
    follow_up = datetime(2026, 7, 2, 13, 30, tzinfo=UTC)  # 09:30 in Montréal (EDT)
    lead = LeadFactory(
        contact__first_name="Élise",
        contact__phone="514 555-0199",
        next_follow_up_at=follow_up,
    )
    Lead.objects.filter(pk=lead.pk).update(created_at=created)
    header, row = exported_rows(run_action(sales_client, "export_csv", [lead]))
    cells = dict(zip(header, row, strict=True))
    assert cells["first_name"] == "Élise"
    assert cells["phone"] == "514 555-0199"
    assert cells["created_at"] == "2026-11-30T14:05:00-05:00"
    assert cells["next_follow_up_at"] == "2026-07-02T09:30:00-04:00"


# --- Roles in the admin ------------------------------------------------------------


@pytest.mark.django_db
def test_reviewer_cannot_delete_leads(reviewer_client):
    lead = LeadFactory()
    response = reviewer_client.get(LIST_URL)
    actions = [choice[0] for choice in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"assign_to_me", "move_to_stage", "mark_lost", "export_csv"} <= set(actions)
    delete_url = reverse("admin:crm_lead_delete", args=[lead.pk])
    assert reviewer_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.django_db
def test_sales_can_delete_leads(sales_client):
    lead = LeadFactory()
    response = sales_client.post(reverse("admin:crm_lead_delete", args=[lead.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.django_db
def test_reviewer_cannot_edit_contacts_but_sales_can(reviewer_client, client, sales_user):
    lead = LeadFactory(contact__first_name="Before")
    url = reverse("admin:crm_contact_change", args=[lead.contact.pk])
    data = {
        "email": lead.contact.email,
        "first_name": "After",
        "last_name": "",
        "phone": "",
        "job_title": "",
        "language": "fr",
        **_inline_management("leads", 0),
        **_inline_management("consents", 0),
    }
    assert reviewer_client.post(url, data).status_code == 403
    client.force_login(sales_user)
    assert client.post(url, data).status_code == 302
    lead.contact.refresh_from_db()
    assert lead.contact.first_name == "After"


def _inline_management(prefix, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(initial),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.django_db
def test_staff_without_a_role_cannot_see_leads(client):
    client.force_login(UserFactory())
    assert client.get(LIST_URL).status_code == 403


@pytest.mark.django_db
def test_consents_are_read_only_evidence_even_for_sales(sales_client):
    consent = ConsentFactory()
    url = reverse("admin:crm_consent_change", args=[consent.pk])
    page = sales_client.get(url)
    assert page.status_code == 200
    assert 'name="granted"' not in page.content.decode()
    assert (
        sales_client.post(
            reverse("admin:crm_consent_delete", args=[consent.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


@pytest.mark.django_db
def test_no_one_adds_leads_by_hand(sales_client):
    # Leads come from the questionnaire, so that each has answers and a classification.
    assert sales_client.get("/admin/crm/lead/add/").status_code == 403


# --- The lead page -----------------------------------------------------------------


@pytest.mark.django_db
def test_lead_page_shows_answers_and_reasons_in_the_staff_members_language(sales_client):
    lead = LeadFactory(contact__language="en", needs_review=True)
    ConsentFactory(contact=lead.contact, lead=lead)

    french = sales_client.get(change_url(lead), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Quel rôle attendez-vous de cette personne ?" in french
    assert "Siéger à notre comité de direction" in french
    assert "c&#x27;est le rôle d&#x27;un CMO sur demande" in french

    english = sales_client.get(change_url(lead), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A seat on the leadership team is a fractional CMO&#x27;s role." in english
    assert "Quel rôle attendez-vous" not in english
    assert "ruleset version 1" in english
    assert "Not reviewed by a person yet" in english
    assert "J&#x27;accepte d&#x27;être contacté" in english  # the consent's wording as shown
    assert lead.contact.email in english


@pytest.mark.django_db
def test_lead_page_says_when_the_lead_is_not_classified_yet(sales_client):
    lead = LeadFactory(pending=True)
    html = sales_client.get(change_url(lead), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Pending: the rules have not classified this lead yet." in html
    assert "Mark reviewed" not in html


def lead_form(client, lead, **changes):
    data = form_data(client.get(change_url(lead)).content, "lead_form")
    data.update(changes)
    return data


@pytest.mark.django_db
def test_override_with_a_reason_is_recorded_beside_the_computed_recommendation(
    sales_client, sales_user
):
    lead = LeadFactory(recommendation="fractional_cmo")
    data = lead_form(
        sales_client,
        lead,
        override_to="consultant",
        override_reason="They want a three-month campaign only",
    )
    response = sales_client.post(change_url(lead), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead.refresh_from_db()
    assert lead.recommendation == "fractional_cmo"  # computed, kept
    assert lead.override_recommendation == "consultant"
    assert lead.override_by == sales_user
    assert lead.reviewed_by == sales_user
    event = lead.events.get(kind=LeadEvent.Kind.OVERRIDE)
    assert (event.from_value, event.to_value, event.by) == (
        "fractional_cmo",
        "consultant",
        sales_user,
    )
    page = sales_client.get(change_url(lead), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is in force instead of the computed recommendation" in page
    assert "crm-badge-fractional_cmo" in page  # the computed one stays visible


@pytest.mark.django_db
def test_override_without_a_reason_is_refused(sales_client):
    lead = LeadFactory()
    response = sales_client.post(
        change_url(lead), lead_form(sales_client, lead, override_to="consultant")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["override_reason"]
    lead.refresh_from_db()
    assert lead.override_recommendation == ""


@pytest.mark.django_db
def test_staff_without_the_override_permission_cannot_override(client, no_override_user):
    client.force_login(no_override_user)
    lead = LeadFactory()
    data = lead_form(client, lead)
    assert "override_to" not in data
    data.update(override_to="consultant", override_reason="sneaky")
    assert client.post(change_url(lead), data).status_code == 302
    lead.refresh_from_db()
    assert lead.override_recommendation == ""
    assert not lead.events.filter(kind=LeadEvent.Kind.OVERRIDE).exists()


@pytest.mark.django_db
def test_an_override_the_service_refuses_shows_an_error_and_changes_nothing(
    client, no_override_user
):
    # As if the page offered the fields by mistake: the service still refuses.
    client.force_login(no_override_user)
    lead = LeadFactory()
    with mock.patch.object(LeadAdmin, "has_override_permission", return_value=True):
        data = lead_form(client, lead, override_to="consultant", override_reason="sneaky")
        data["stage"] = "contacted"
        response = client.post(change_url(lead), data, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "You may not override the recommendation." in [
        str(message) for message in response.context["messages"]
    ]
    lead.refresh_from_db()
    assert (lead.override_recommendation, lead.stage) == ("", "new")
    assert not lead.events.exists()


@pytest.mark.django_db
def test_mark_reviewed_button_records_the_reviewer(reviewer_client, reviewer_user):
    lead = LeadFactory(needs_review=True)
    page = reviewer_client.get(change_url(lead)).content.decode()
    assert 'form="crm-review-form"' in page
    response = reviewer_client.post(reverse("admin:crm_lead_review", args=[lead.pk]))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.reviewed_by == reviewer_user
    assert lead.events.get(kind=LeadEvent.Kind.REVIEWED).by == reviewer_user


@pytest.mark.django_db
def test_mark_reviewed_needs_the_change_permission(client):
    viewer = UserFactory()
    viewer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="crm", codename="view_lead")
    )
    client.force_login(viewer)
    lead = LeadFactory()
    assert client.post(reverse("admin:crm_lead_review", args=[lead.pk])).status_code == 403
    lead.refresh_from_db()
    assert lead.reviewed_by is None


@pytest.mark.django_db
def test_lead_page_saves_stage_owner_and_a_new_call_through_the_services(
    reviewer_client, reviewer_user
):
    lead = LeadFactory()
    tomorrow = timezone.localtime() + timedelta(days=1)
    data = lead_form(
        reviewer_client,
        lead,
        stage="contacted",
        owner=str(reviewer_user.pk),
        **{
            "activities-0-kind": "call",
            "activities-0-body": "Call to book the discovery meeting",
            "activities-0-due_at_0": tomorrow.strftime("%d/%m/%Y"),
            "activities-0-due_at_1": "10:00:00",
            "activities-0-owner": "",
        },
    )
    response = reviewer_client.post(change_url(lead), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead.refresh_from_db()
    assert lead.stage == "contacted"
    assert lead.owner == reviewer_user
    kinds = {event.kind: event for event in lead.events.all()}
    assert kinds[LeadEvent.Kind.STAGE].by == reviewer_user
    assert kinds[LeadEvent.Kind.ASSIGNED].by == reviewer_user
    call = Activity.objects.get(lead=lead)
    assert call.kind == "call" and call.owner == reviewer_user  # the author by default
    assert timezone.localtime(call.due_at).date() == tomorrow.date()
    assert lead.next_follow_up_at == call.due_at


@pytest.mark.django_db
def test_lead_page_refuses_lost_without_a_reason(sales_client):
    lead = LeadFactory()
    response = sales_client.post(change_url(lead), lead_form(sales_client, lead, stage="lost"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["stage_reason"]
    data = lead_form(sales_client, lead, stage="lost", stage_reason="Went with an agency")
    assert sales_client.post(change_url(lead), data).status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.lost_reason) == ("lost", "Went with an agency")


@pytest.mark.django_db
def test_lead_page_refuses_to_reopen_a_lead_beside_another_open_one(sales_client):
    contact = ContactFactory()
    closed = LeadFactory(contact=contact, stage="lost", lost_reason="No budget")
    LeadFactory(contact=contact)
    response = sales_client.post(change_url(closed), lead_form(sales_client, closed, stage="new"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["stage"]


@pytest.mark.django_db
def test_marking_the_follow_up_call_done_moves_the_follow_up_to_the_next_one(sales_client):
    lead = LeadFactory()
    first = ActivityFactory(lead=lead, due_at=timezone.now() + timedelta(days=1))
    second = ActivityFactory(lead=lead, due_at=timezone.now() + timedelta(days=3))
    lead.refresh_from_db()
    lead.next_follow_up_at = first.due_at
    lead.save()
    data = lead_form(sales_client, lead)
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("activities-") and key.endswith("-id") and value == str(first.pk)
    )
    done = timezone.localtime()
    data[f"activities-{index}-done_at_0"] = done.strftime("%d/%m/%Y")
    data[f"activities-{index}-done_at_1"] = done.strftime("%H:%M:%S")
    assert sales_client.post(change_url(lead), data).status_code == 302
    lead.refresh_from_db()
    assert lead.next_follow_up_at == second.due_at


@pytest.mark.django_db
def test_history_is_read_only_on_the_lead_page(sales_client, sales_user):
    lead = LeadFactory()
    LeadEvent.objects.create(lead=lead, kind="stage", from_value="new", to_value="contacted")
    html = sales_client.get(change_url(lead), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="events-0-note"' not in html
    assert "Stage changed: New → Contacted" in html  # in the timeline


@pytest.mark.django_db
def test_staff_member_chooses_the_language_of_their_emails(reviewer_client, reviewer_user):
    url = reverse("admin:crm_staffprofile_mine")
    assert reviewer_client.get(url).status_code == 200
    assert reviewer_client.post(url, {"language": "en"}).status_code == 302
    assert reviewer_user.crm_profile.language == "en"


@pytest.mark.django_db
def test_lead_list_rows_link_to_the_lead_page_keeping_the_filters(sales_client):
    lead = LeadFactory(needs_review=True)
    html = sales_client.get(f"{LIST_URL}?needs_review__exact=1").content.decode()
    assert (
        f'href="/admin/crm/lead/{lead.pk}/change/?_changelist_filters=needs_review__exact%3D1"'
        in html
    )


# --- My API token --------------------------------------------------------------------

TOKEN_PAGE = "/admin/crm/staffprofile/api-token/"


@pytest.mark.django_db
def test_the_index_links_to_my_api_token_page(sales_client):
    assert reverse("admin:crm_api_token") == TOKEN_PAGE
    assert f'href="{TOKEN_PAGE}"' in sales_client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_my_api_token_page_shows_when_it_expires_and_rotates_it_once(client, reviewer_user):
    old = Token.objects.create(user=reviewer_user)
    created = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)  # 10:00 in Montréal
    Token.objects.filter(pk=old.pk).update(created=created)
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.force_login(reviewer_user)
    page = strict.get(TOKEN_PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>My API token</h1>" in html
    assert "Jan. 30, 2027" in html  # 90 days later, local time
    assert old.key not in html
    assert strict.post(TOKEN_PAGE).status_code == 403  # CSRF
    rotated = strict.post(TOKEN_PAGE, {"csrfmiddlewaretoken": strict.cookies["csrftoken"].value})
    assert rotated.status_code == 200
    new = Token.objects.get(user=reviewer_user)
    assert new.key != old.key
    html = rotated.content.decode()
    assert f'value="{new.key}"' in html and '<label for="crm-new-token">' in html
    assert new.key not in strict.get(TOKEN_PAGE).content.decode()  # shown once


@pytest.mark.django_db
def test_my_api_token_page_is_translated(reviewer_client):
    html = reviewer_client.get(TOKEN_PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vous n’avez pas encore de jeton d’API." in html
    assert "Créer mon jeton" in html


@pytest.mark.django_db
def test_staff_without_a_role_have_no_api_token_page(client):
    client.force_login(UserFactory())
    assert client.get(TOKEN_PAGE).status_code == 403
    assert client.post(TOKEN_PAGE).status_code == 403
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_the_lead_page_speaks_in_words_not_keys(sales_client):
    """Issue 15: no internal key on a French screen: the history's stages,
    recommendations and notes, a contradiction's questions, the add link, activities."""
    lead = LeadFactory(recommendation="fractional_cmo")
    lead.classification["explanation"].append(
        {
            "question": "involvement+horizon", "answer": "leadership+weeks",
            "effect": "contradiction", "reason_fr": "Contradiction.", "reason_en": "Contradiction.",
        }
    )  # fmt: skip
    lead.save()
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.CLASSIFIED, to_value="fractional_cmo", note="ruleset v1"
    )
    LeadEvent.objects.create(
        lead=lead, kind=LeadEvent.Kind.STAGE, from_value="new", to_value="contacted",
        note="ruleset v2 (re-scored)",
    )  # fmt: skip
    ActivityFactory(lead=lead, kind="call", body="Appeler Geneviève\npour la rencontre")

    html = sales_client.get(change_url(lead), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Classée : — → CMO sur demande" in html
    assert "Changement d’étape : Nouvelle → Contactée" in html
    assert "règles version 1" in html and "ruleset v1" not in html
    assert "règles version 2 (recalculée)" in html
    assert (
        "Quel rôle attendez-vous de cette personne ? + Sur quel horizon voyez-vous ce mandat ?"
    ) in html and "involvement+horizon" not in html
    assert "Siéger à notre comité de direction + En continu, sans fin prévue" in html
    assert "Ajouter une activité" in html and "objet Activité" not in html
    assert "Appel : Appeler Geneviève pour la rencontre" in html
