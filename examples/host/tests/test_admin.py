"""The lead's admin pages and the staff API for a superuser of the site's own user model
(e-mail login), with the admin at /staff/ and the apps under /leads/."""

from __future__ import annotations

import pytest
from crm.models import Lead
from django.conf import settings
from qualification.models import Submission
from qualification.tasks import classify_submission
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.conftest import PREFIX, assert_links_stay_under
from tests.submissions import post_submission

STAFF_PAGES = ("/staff/", PREFIX, settings.STATIC_URL)
SITE_PAGES = ("/",)  # the admin's "View site"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(email="marie@practice.example", password="s3cret-pass")


@pytest.fixture
def lead(client) -> Lead:
    """A classified lead, as the worker leaves it (the task run in this process)."""
    assert post_submission(client).status_code == 202
    classify_submission(Submission.objects.get().pk)
    return Lead.objects.get()


@pytest.fixture
def staff_client(client, superuser):
    login = client.post(
        "/staff/login/",
        {"username": "marie@practice.example", "password": "s3cret-pass", "next": "/staff/"},
    )
    assert login.status_code == 302 and login["Location"] == "/staff/", login.content[:2000]
    return client


@pytest.mark.django_db
def test_admin_index_with_the_dashboard(staff_client, lead):
    response = staff_client.get("/staff/")
    assert response.status_code == 200
    assert_links_stay_under(response, STAFF_PAGES, SITE_PAGES)


@pytest.mark.django_db
def test_lead_list_and_change_page(staff_client, lead):
    listing = staff_client.get("/staff/crm/lead/")
    assert listing.status_code == 200
    assert "Tremblay" in listing.content.decode()
    assert_links_stay_under(listing, STAFF_PAGES, SITE_PAGES)

    page = staff_client.get(f"/staff/crm/lead/{lead.pk}/change/")
    assert page.status_code == 200
    assert "josee.tremblay@example.com" in page.content.decode()
    assert_links_stay_under(page, STAFF_PAGES, SITE_PAGES)


@pytest.mark.django_db
def test_admin_pages_of_the_other_models(staff_client, lead, superuser):
    for path in (
        "/staff/qualification/submission/",
        f"/staff/qualification/submission/{Submission.objects.get().pk}/change/",
        "/staff/qualification/ruleset/",
        "/staff/crm/contact/",
        f"/staff/accounts/user/{superuser.pk}/change/",
    ):
        response = staff_client.get(path)
        assert response.status_code == 200, path
        assert_links_stay_under(response, STAFF_PAGES, SITE_PAGES)


@pytest.mark.django_db
def test_staff_api_under_the_prefix_filters_leads(client, superuser, lead):
    token = Token.objects.create(user=superuser)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}

    everyone = client.get(f"{PREFIX}api/v1/leads/", **auth)
    cmo = client.get(f"{PREFIX}api/v1/leads/", {"recommendation": "fractional_cmo"}, **auth)
    consultant = client.get(f"{PREFIX}api/v1/leads/", {"recommendation": "consultant"}, **auth)

    assert everyone.status_code == 200, everyone.content
    assert [row["id"] for row in cmo.json()["results"]] == [lead.pk]
    assert consultant.json()["results"] == []
    assert client.get(f"{PREFIX}api/v1/leads/{lead.pk}/", **auth).status_code == 200
    assert client.get(f"{PREFIX}api/v1/leads/").status_code == 401
