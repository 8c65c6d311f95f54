"""The dashboard on the admin's index: the pipeline's figures and server-drawn charts."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from crm import selectors
from crm.dashboard import bar_chart
from crm.selectors import pipeline_summary
from tests.factories import ActivityFactory, LeadFactory, UserFactory


@pytest.fixture
def pipeline():
    now = timezone.now()
    LeadFactory.create_batch(2, recommendation="fractional_cmo")
    LeadFactory(recommendation="fractional_cmo", stage="won")
    LeadFactory(recommendation="consultant", stage="won")
    LeadFactory(recommendation="consultant", stage="lost", lost_reason="x")
    LeadFactory(  # computed CMO, overridden to consultant by a person
        recommendation="fractional_cmo",
        override_recommendation="consultant",
        override_reason="y",
        stage="won",
    )
    LeadFactory(pending=True, created_at=now - timedelta(days=30))
    LeadFactory(stage="contacted", next_follow_up_at=now - timedelta(days=1))
    ActivityFactory(due_at=now - timedelta(hours=1), lead__stage="discovery")
    return now


@pytest.mark.django_db
def test_pipeline_summary_counts_by_stage_and_by_recommendation_in_force(pipeline):
    summary = pipeline_summary(now=pipeline)
    assert summary["by_stage"]["new"] == 3
    assert summary["by_stage"]["won"] == 3
    assert summary["by_stage"]["contacted"] == 1
    assert summary["by_stage"]["discovery"] == 1
    assert list(summary["by_stage"])[:4] == ["new", "contacted", "discovery", "proposal"]
    assert summary["by_recommendation"] == {"consultant": 3, "fractional_cmo": 5, "pending": 1}


@pytest.mark.django_db
def test_conversion_from_new_to_won_by_recommendation(pipeline):
    conversion = pipeline_summary(now=pipeline)["conversion"]
    assert (conversion["consultant"]["leads"], conversion["consultant"]["won"]) == (3, 2)
    assert conversion["consultant"]["rate"] == pytest.approx(2 / 3)
    assert (conversion["fractional_cmo"]["leads"], conversion["fractional_cmo"]["won"]) == (5, 1)


@pytest.mark.django_db
def test_new_this_week_and_overdue(pipeline):
    summary = pipeline_summary(now=pipeline)
    monday = timezone.localtime(pipeline).date() - timedelta(
        days=timezone.localtime(pipeline).weekday()
    )
    assert summary["weekly"][-1][0] == monday
    assert len(summary["weekly"]) == 8
    assert summary["new_this_week"] == 8  # all but the one created 30 days ago
    assert summary["overdue_activities"] == 1


@pytest.mark.django_db
def test_admin_index_shows_the_dashboard_with_inline_svg_charts(
    sales_client, pipeline, django_assert_max_num_queries
):
    # A fixed number whatever the pipeline's size: the session and user, the figures by
    # stage and recommendation, the weekly counts, overdue activities and follow-ups,
    # the sources, the review queue (two aggregates) and the overdue privacy requests.
    with django_assert_max_num_queries(16):
        response = sales_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'id="crm-dashboard"' in html
    assert html.count('<svg class="crm-svg"') == 3
    assert "Leads by stage" in html and "Conversion from new to won" in html
    assert "leads overdue for a follow-up" in html
    assert "66.7 %" in html  # consultant: 2 won of 3
    # Nothing fetched from elsewhere: the page works offline.
    assert not re.search(r'(src|href)="https?://', html)


@pytest.mark.django_db
def test_dashboard_figures_link_to_the_filtered_lead_list(sales_client, pipeline):
    html = sales_client.get("/admin/").content.decode()
    assert 'href="/admin/crm/lead/?stage__exact=won"' in html
    assert 'href="/admin/crm/lead/?recommendation=consultant"' in html
    assert 'href="/admin/crm/lead/?overdue=1"' in html


@pytest.mark.django_db
def test_staff_who_cannot_see_leads_get_no_dashboard(client, pipeline):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_company"))
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert 'id="crm-dashboard"' not in response.content.decode()


def test_bar_chart_scales_the_longest_bar_to_the_full_width():
    chart = bar_chart([("a", 10, "/a", "x"), ("b", 5, "/b", "y"), ("c", 0, "/c", "z")])
    widths = [bar["width"] for bar in chart["bars"]]
    assert widths[0] == 2 * widths[1] > 0
    assert widths[2] == 0
    assert all(isinstance(bar["y"], int) for bar in chart["bars"])


@pytest.mark.django_db
def test_new_this_week_card_opens_the_list_of_this_weeks_leads(sales_client, pipeline):
    from crm.dashboard import dashboard_context

    url = dashboard_context(user=UserFactory(), now=pipeline)["new_this_week_url"]
    response = sales_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 8


@pytest.mark.django_db
def test_leads_fit_and_won_rate_by_channel_and_campaign(sales_client):
    """Issue 15: where leads come from, with their fit and won rate; each row opens the
    list filtered the same way; hostile campaign names stay text."""
    for stage, fit in (("won", 80), ("lost", 60), ("new", 70)):
        LeadFactory(
            source="web_form",
            utm_source="linkedin",
            utm_campaign="printemps",
            stage=stage,
            fit_score=fit,
        )
    LeadFactory(source="api", utm_source="", utm_campaign="", stage="won", fit_score=50)
    LeadFactory(
        source="web_form", utm_source="x", utm_campaign="<script>alert(1)</script>" + "é" * 170
    )

    rows = selectors.leads_by_source()
    top = rows[0]
    assert (top["source"], top["utm_source"], top["utm_campaign"]) == (
        "web_form",
        "linkedin",
        "printemps",
    )
    assert (top["leads"], top["won"], round(top["fit"])) == (3, 1, 70)
    assert round(top["rate"], 3) == 0.333

    html = sales_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Where leads come from: channel and campaign" in html
    assert "linkedin / printemps" in html and "33.3 %" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    listed = sales_client.get(
        "/admin/crm/lead/?source__exact=web_form&utm_source=linkedin&utm_campaign=printemps"
    )
    assert {lead.utm_campaign for lead in listed.context["cl"].result_list} == {"printemps"}
    assert len(listed.context["cl"].result_list) == 3
