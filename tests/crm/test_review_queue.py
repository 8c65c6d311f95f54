"""Issue 15: the review queue: results awaiting a person's review and the prospects' own
requests for one, in one place; an override or "mark reviewed" takes a lead out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.models import PrivacyRequest
from crm.selectors_review import review_queue
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db
QUEUE = "/admin/crm/lead/review-queue/"


def review_request(lead, *, due_in_days: int, observations="Je crois avoir besoin d'un CMO."):
    return PrivacyRequest.objects.create(
        kind="review", contact=lead.contact, lead=lead, language="fr",
        due_at=timezone.now() + timedelta(days=due_in_days),
        details={"observations": observations},
    )  # fmt: skip


def test_the_queue_holds_what_waits_for_a_person_oldest_first(admin_user):
    now = timezone.now()
    old = LeadFactory(needs_review=True, classified_at=now - timedelta(days=3))
    new = LeadFactory(needs_review=True, classified_at=now - timedelta(hours=1))
    LeadFactory(needs_review=False)
    reviewed = LeadFactory(needs_review=True)
    services.lead_mark_reviewed(lead=reviewed, by=admin_user)
    overridden = LeadFactory(needs_review=True, recommendation="consultant")
    services.lead_override_recommendation(
        lead=overridden, recommendation="fractional_cmo", reason="Au téléphone", by=admin_user
    )
    late = review_request(old, due_in_days=-1)
    soon = review_request(new, due_in_days=10)

    queue = review_queue(now=now)

    assert [lead.pk for lead in queue.leads] == [old.pk, new.pk]
    assert queue.oldest_lead_at == old.classified_at
    assert [r.pk for r in queue.requests] == [late.pk, soon.pk]
    assert (queue.leads_total, queue.requests_total, queue.overdue_requests) == (2, 2, 1)


def test_the_page_and_its_mark_reviewed_buttons(sales_client, django_assert_max_num_queries):
    leads = [LeadFactory(needs_review=True) for _ in range(3)]
    review_request(leads[0], due_in_days=-2, observations="<script>alert(1)</script>")
    with django_assert_max_num_queries(12):
        page = sales_client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "3 leads to review" in html and "1 request for a person" in html
    assert "1 overdue" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html

    answer = sales_client.post(
        reverse("admin:crm_lead_review", args=[leads[0].pk]), {"next": QUEUE}
    )
    assert answer["Location"] == QUEUE
    assert (
        "2 leads to review" in sales_client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    # Anywhere else, "next" is ignored: back to the lead page.
    other = sales_client.post(
        reverse("admin:crm_lead_review", args=[leads[1].pk]), {"next": "https://evil.test/"}
    )
    assert other["Location"] == reverse("admin:crm_lead_change", args=[leads[1].pk])


def test_the_list_filter_and_the_dashboard_tile(sales_client):
    waiting = LeadFactory(needs_review=True)
    LeadFactory(needs_review=False)
    listed = sales_client.get("/admin/crm/lead/?to_review=1")
    assert [lead.pk for lead in listed.context["cl"].result_list] == [waiting.pk]
    review_request(waiting, due_in_days=5)
    html = sales_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{QUEUE}"' in html
    assert "to review by a person" in html and "1 asked by a prospect" in html


def test_staff_without_access_to_leads_get_no_queue(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(QUEUE).status_code in (302, 403)
