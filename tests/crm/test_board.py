"""The pipeline board: columns, cards, filters, moves (form and fetch), permissions, cost."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Lead, LeadEvent
from tests.factories import LeadFactory, UserFactory

BOARD_URL = "/admin/crm/lead/board/"
MOVE_URL = "/admin/crm/lead/board/move/"
JSON = {"HTTP_ACCEPT": "application/json"}


def card_ids(response, stage: str) -> list[int]:
    column = next(c for c in response.context["columns"] if c.stage == stage)
    return [lead.pk for lead in column.cards]


def column(response, stage: str):
    return next(c for c in response.context["columns"] if c.stage == stage)


@pytest.mark.django_db
def test_the_board_shows_open_stages_with_counts_cards_and_closed_drop_targets(sales_client):
    now = timezone.now()
    late = LeadFactory(
        contact__first_name="Mireille",
        contact__last_name="Paquette",
        contact__company__name="Boulangerie Paquette",
        recommendation="fractional_cmo",
        override_recommendation="consultant",
        override_reason="Un mandat précis",
        fit_grade="A",
        next_follow_up_at=now - timedelta(days=2),
    )
    LeadFactory.create_batch(2, stage="contacted")
    LeadFactory(stage="won")
    response = sales_client.get(BOARD_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert [c.stage for c in response.context["columns"]] == [
        "new",
        "contacted",
        "discovery",
        "proposal",
    ]
    assert column(response, "new").count == 1
    assert column(response, "contacted").count == 2
    assert card_ids(response, "new") == [late.pk]
    # The card: name, company, recommendation in words with the override said, fit, owner,
    # the overdue follow-up in words (not only in red).
    assert "Mireille Paquette" in html and "Boulangerie Paquette" in html
    assert "Marketing consultant" in html and "overridden by a person" in html
    assert "consultant</span>" in html or "Marketing consultant</span>" in html
    assert "fractional_cmo" not in html.split('id="crm-board"')[1].split("<dialog")[0].replace(
        "crm-badge-fractional_cmo", ""
    )
    assert 'crm-grade-A">A<' in html
    assert "⚠ Overdue:" in html
    assert "Nobody" in html
    # Drop targets for the closed stages; the won lead is not on the board.
    for stage in ("won", "lost", "disqualified"):
        assert f'data-stage="{stage}"' in html
    assert html.count('class="crm-board-card"') == 3
    # Each card has the keyboard control: a labelled list of stages and a Move button.
    assert f'<label for="crm-move-{late.pk}">Move to</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "crm/board.js" in html


@pytest.mark.django_db
def test_the_board_is_in_french_too(sales_client):
    LeadFactory(next_follow_up_at=timezone.now() - timedelta(days=1))
    html = sales_client.get(BOARD_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Tableau du pipeline" in html
    assert "Déplacer vers" in html
    assert "En retard :" in html


@pytest.mark.django_db
def test_each_column_shows_a_bounded_number_of_cards_and_links_to_the_rest(sales_client, settings):
    settings.CRM_BOARD_CARDS_PER_COLUMN = 3
    LeadFactory.create_batch(5, stage="discovery", recommendation="consultant")
    response = sales_client.get(f"{BOARD_URL}?recommendation=consultant", HTTP_ACCEPT_LANGUAGE="en")
    discovery = column(response, "discovery")
    assert discovery.count == 5 and len(discovery.cards) == 3 and discovery.hidden == 2
    html = response.content.decode()
    assert "2 more leads at this stage in the lead list" in html
    # "More" opens the lead list filtered alike, on that stage.
    assert "/admin/crm/lead/?recommendation=consultant&amp;stage__exact=discovery" in html


@pytest.mark.django_db
def test_cards_come_most_pressing_follow_up_first(sales_client):
    now = timezone.now()
    later = LeadFactory(next_follow_up_at=now + timedelta(days=3))
    none = LeadFactory(next_follow_up_at=None)
    overdue = LeadFactory(next_follow_up_at=now - timedelta(days=1))
    response = sales_client.get(BOARD_URL)
    assert card_ids(response, "new") == [overdue.pk, later.pk, none.pk]


@pytest.mark.django_db
def test_the_board_filters_like_the_lead_list(sales_client, sales_user):
    mine = LeadFactory(owner=sales_user, fit_grade="A", needs_review=True, source="api")
    LeadFactory(owner=sales_user, fit_grade="C", needs_review=False, source="web_form")
    LeadFactory(fit_grade="A", needs_review=True, source="api", recommendation="consultant")
    cases = {
        "mine=1": 2,
        "mine=1&fit_grade__exact=A": 1,
        "needs_review__exact=1": 2,
        "needs_review__exact=0": 1,
        "source__exact=api&recommendation=fractional_cmo": 1,
        "recommendation=consultant": 1,
        "recommendation=nonsense&fit_grade__exact=Z": 3,  # unknown values are ignored
    }
    for query, expected in cases.items():
        response = sales_client.get(f"{BOARD_URL}?{query}")
        assert column(response, "new").count == expected, query
    response = sales_client.get(f"{BOARD_URL}?mine=1&fit_grade__exact=A&needs_review__exact=1")
    assert card_ids(response, "new") == [mine.pk]
    # The filters stay in the address: the card forms carry them back after a move.
    assert response.context["query"] == "mine=1&fit_grade__exact=A&needs_review__exact=1"
    assert 'name="next" value="mine=1&amp;fit_grade__exact=A&amp;needs_review__exact=1"' in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_the_board_costs_the_same_queries_at_any_size(sales_client, django_assert_max_num_queries):
    owners = [UserFactory() for _ in range(3)]
    for stage in ("new", "contacted", "discovery", "proposal"):
        LeadFactory(stage=stage)  # an empty stage costs no query for its cards

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert sales_client.get(BOARD_URL).status_code == 200
        return len(captured)

    few = queries()
    for i, stage in enumerate(["new", "contacted", "discovery", "proposal"] * 10):
        LeadFactory(stage=stage, owner=owners[i % 3], next_follow_up_at=timezone.now())
    assert queries() == few
    with django_assert_max_num_queries(12):
        sales_client.get(f"{BOARD_URL}?mine=1&recommendation=consultant&source__exact=api")


@pytest.mark.django_db
def test_a_card_moves_by_its_form_and_the_board_comes_back_with_its_filters(
    sales_client, sales_user
):
    lead = LeadFactory(owner=sales_user)
    response = sales_client.post(
        MOVE_URL,
        {"lead": lead.pk, "stage": "contacted", "next": "mine=1&evil=https://x.example"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD_URL}?mine=1#crm-card-{lead.pk}"
    lead.refresh_from_db()
    assert lead.stage == "contacted"
    event = LeadEvent.objects.get(lead=lead, kind=LeadEvent.Kind.STAGE)
    assert (event.from_value, event.to_value, event.by) == ("new", "contacted", sales_user)
    page = sales_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "moved to Contacted" in page


@pytest.mark.django_db
def test_a_card_moves_by_fetch_and_gets_json(reviewer_client):
    lead = LeadFactory(contact__first_name="Aline", contact__last_name="Roy")
    response = reviewer_client.post(
        MOVE_URL, {"lead": lead.pk, "stage": "won"}, HTTP_ACCEPT_LANGUAGE="en", **JSON
    )
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "message": "Aline Roy moved to Won.",
        "lead": lead.pk,
        "from": "new",
        "stage": "won",
        "open": False,
    }
    assert Lead.objects.get(pk=lead.pk).stage == "won"


@pytest.mark.django_db
def test_lost_needs_a_reason_asked_on_a_page_without_javascript(sales_client):
    lead = LeadFactory()
    asked = sales_client.post(
        MOVE_URL, {"lead": lead.pk, "stage": "lost", "next": "mine=1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'name="reason"' in html and 'aria-required="true"' in html
    assert 'name="next" value="mine=1"' in html
    assert Lead.objects.get(pk=lead.pk).stage == "new"
    # Sent empty from that page: a field-level error, nothing saved.
    empty = sales_client.post(
        MOVE_URL,
        {"lead": lead.pk, "stage": "lost", "reason": "  ", "confirm": "1"},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert empty.status_code == 400
    assert "Pour marquer une piste perdue, il faut en donner la raison." in (empty.content.decode())
    assert 'aria-invalid="true"' in empty.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == "new"
    done = sales_client.post(
        MOVE_URL, {"lead": lead.pk, "stage": "lost", "reason": "Budget gelé", "confirm": "1"}
    )
    assert done.status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.lost_reason) == ("lost", "Budget gelé")


@pytest.mark.django_db
def test_lost_without_a_reason_by_fetch_is_refused_with_the_services_words(sales_client):
    lead = LeadFactory()
    response = sales_client.post(
        MOVE_URL, {"lead": lead.pk, "stage": "lost"}, HTTP_ACCEPT_LANGUAGE="en", **JSON
    )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error": "Marking a lead lost needs a reason.",
        "needs_reason": True,
    }
    assert Lead.objects.get(pk=lead.pk).stage == "new"


@pytest.mark.django_db
def test_a_bad_move_is_refused_with_a_clear_message(sales_client):
    lead = LeadFactory()
    response = sales_client.post(
        MOVE_URL, {"lead": lead.pk, "stage": "nowhere"}, HTTP_ACCEPT_LANGUAGE="en", **JSON
    )
    assert response.status_code == 400
    assert response.json()["error"] == "This move is not valid."
    assert "stage" in response.json()["errors"]
    # Reopening a closed lead beside the contact's open one: the service's refusal.
    closed = LeadFactory(stage="won")
    LeadFactory(contact=closed.contact)
    refused = sales_client.post(
        MOVE_URL, {"lead": closed.pk, "stage": "new"}, HTTP_ACCEPT_LANGUAGE="en", **JSON
    )
    assert refused.status_code == 400
    assert "already has an open lead" in refused.json()["error"]
    missing = sales_client.post(MOVE_URL, {"lead": 999999, "stage": "new"}, **JSON)
    assert missing.status_code == 404


@pytest.mark.django_db
def test_only_staff_who_may_change_leads_move_cards(client):
    viewer = UserFactory(username="vera-viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(viewer)
    lead = LeadFactory()
    response = client.get(BOARD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="crm-board-move"' not in html and "draggable" not in html
    assert "crm/board.js" not in html
    assert client.post(MOVE_URL, {"lead": lead.pk, "stage": "won"}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).stage == "new"
    stranger = UserFactory(username="no-perms")
    client.force_login(stranger)
    assert client.get(BOARD_URL).status_code == 403
    client.logout()
    assert client.get(BOARD_URL).status_code == 302  # to the admin's login


@pytest.mark.django_db
def test_the_csrf_token_is_required_to_move(sales_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(sales_user)
    lead = LeadFactory()
    assert csrf_client.post(MOVE_URL, {"lead": lead.pk, "stage": "won"}).status_code == 403
    assert Lead.objects.get(pk=lead.pk).stage == "new"


HOSTILE = [
    "<script>alert(1)</script>",
    "\u202eevil\u202c \u200b\ufeff",
    "Zoë 🤖 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ‮ \x07\x1b[31m",
    "line one\nline two\r\nthree",
    "x" * 100,
]


@pytest.mark.django_db
def test_hostile_names_do_not_break_the_board(sales_client):
    for i, text in enumerate(HOSTILE):
        LeadFactory(
            contact__first_name=text[:100],
            contact__last_name=text[:100],
            contact__company__name=(text * 3)[:200],
            contact__company__website="",
            stage=["new", "contacted", "discovery", "proposal"][i % 4],
        )
    response = sales_client.get(BOARD_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('class="crm-board-card"') == len(HOSTILE)


def test_the_board_and_its_move_have_names():
    assert reverse("admin:crm_lead_board") == BOARD_URL
    assert reverse("admin:crm_lead_board_move") == MOVE_URL


@pytest.mark.django_db
def test_the_lead_list_and_the_dashboard_link_to_the_board_and_the_calendar(sales_client):
    lead_list = sales_client.get("/admin/crm/lead/?mine=1").content.decode()
    assert f'href="{BOARD_URL}?mine=1"' in lead_list  # with the list's filters
    assert 'href="/admin/crm/lead/calendar/"' in lead_list
    index = sales_client.get("/admin/").content.decode()
    assert f'href="{BOARD_URL}"' in index
    assert 'href="/admin/crm/lead/calendar/"' in index
    assert 'href="/admin/crm/staffprofile/calendar-feed/"' in index
