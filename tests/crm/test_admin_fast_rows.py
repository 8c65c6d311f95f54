"""The lead list's rows (``crm/admin/fast_rows.py``) are Django's, cell for cell.

The module writes out what Django's ``items_for_result`` and ``action_checkbox`` would
render; these tests compare the two on the same page, so that a Django release that
changes its markup, classes or links fails here instead of showing staff a different
list.
"""

from datetime import timedelta

import pytest
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.utils import timezone

from crm.admin import fast_rows
from tests.factories import LeadFactory, UserFactory

LIST_URL = "/admin/crm/lead/"


@pytest.fixture
def leads_of_every_kind(sales_user):
    now = timezone.now()
    return [
        LeadFactory(owner=sales_user, next_follow_up_at=now - timedelta(days=1), needs_review=True),
        LeadFactory(pending=True, contact__language="en", contact__last_name="<b>O'Neil</b>"),
        LeadFactory(alternative="full_time_hire", next_follow_up_at=now + timedelta(days=3)),
        LeadFactory(override_recommendation="consultant", override_reason="x", stage="won"),
        LeadFactory(
            owner=UserFactory(username="{braces}"),
            contact__last_name="Côté {&} fils",
            fit_score=None,
            fit_grade="",
        ),
    ]


def djangos_rows(cl) -> list[str]:
    return ["".join(items_for_result(cl, lead, None)) for lead in cl.result_list]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "page_size=50&o=-10",
        "page_size=50&needs_review__exact=0&o=2.-1",
        "q=%7B%26%7D&page_size=50",  # the search, kept in each row's link, has { & }
    ],
)
def test_fast_rows_are_the_cells_django_would_render(sales_client, leads_of_every_kind, query):
    response = sales_client.get(f"{LIST_URL}?{query}")
    cl = response.context["cl"]
    ours = [row[0] for row in fast_rows.rows(cl)]
    assert ours
    assert ours == djangos_rows(cl)


@pytest.mark.django_db
def test_the_lead_list_shows_the_fast_rows(sales_client, leads_of_every_kind):
    response = sales_client.get(f"{LIST_URL}?page_size=50&needs_review__exact=1")
    cl = response.context["cl"]
    html = response.content.decode()
    ours = [row[0] for row in fast_rows.rows(cl)]
    assert len(ours) == 1
    assert all(row in html for row in ours)
    assert (
        f'href="/admin/crm/lead/{leads_of_every_kind[0].pk}/change/'
        '?_changelist_filters=page_size%3D50%26needs_review__exact%3D1"'
    ) in ours[0]


@pytest.mark.django_db
def test_fast_rows_escape_what_prospects_wrote(sales_client, leads_of_every_kind):
    html = sales_client.get(f"{LIST_URL}?page_size=50").content.decode()
    assert "&lt;b&gt;O&#x27;Neil&lt;/b&gt;" in html
    assert "<b>O'Neil</b>" not in html


@pytest.mark.django_db
def test_a_popup_gets_djangos_own_rows(sales_client, leads_of_every_kind):
    response = sales_client.get(f"{LIST_URL}?_popup=1&page_size=50")
    cl = response.context["cl"]
    assert fast_rows.result_list(cl)["results"] == [
        list(items_for_result(cl, lead, None)) for lead in cl.result_list
    ]
    assert "data-popup-opener" in response.content.decode()
