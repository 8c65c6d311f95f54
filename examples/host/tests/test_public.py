"""The questionnaire and the public API under the site's ``leads/`` prefix: every link,
form action, redirect and Location stays under it."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from qualification.models import Submission

from tests.conftest import PREFIX, assert_links_stay_under, page_inputs, page_links
from tests.submissions import ANSWERS, post_submission

PUBLIC = (PREFIX, settings.STATIC_URL)
SITE_PAGES = ("/",)  # the site's own home page, linked from its header


def test_the_site_links_to_the_questionnaire_under_the_prefix(client):
    response = client.get("/")
    assert response.status_code == 200
    hrefs = [url for _what, url in page_links(response.content.decode())]
    assert "/leads/fr/questionnaire/" in hrefs
    assert "/leads/en/questionnaire/" in hrefs


@pytest.mark.django_db
def test_nothing_of_the_apps_is_served_outside_the_prefix(client):
    for path in ("/fr/questionnaire/", "/api/v1/questionnaire/", "/api/v1/leads/"):
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "other", "button"), [("fr", "en", "Envoyer mes réponses"), ("en", "fr", "Send")]
)
def test_questionnaire_in_the_sites_frame_with_links_under_the_prefix(client, lang, other, button):
    response = client.get(f"{PREFIX}{lang}/questionnaire/", {"utm_source": "newsletter"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="practice-site"' in html  # the site's own base template
    assert button in html  # French from the wheel's compiled translations
    assert_links_stay_under(response, PUBLIC, SITE_PAGES)
    hrefs = [url for _what, url in page_links(html)]
    assert f"{PREFIX}{other}/questionnaire/?utm_source=newsletter" in hrefs


def form_submission(html: str) -> dict:
    """What a browser sends for the questionnaire page ``html``, answered with ANSWERS."""
    data: dict = {
        field["name"]: field.get("value") or ""
        for field in page_inputs(html)
        if field.get("type") == "hidden" and field.get("name")
    }
    data.update(first_name="Josée", last_name="Tremblay", email="josee@boulangerie.example")
    data.update(company_name="Boulangerie Tremblay", consent_contact="on", **ANSWERS)
    return data


@pytest.mark.django_db
def test_form_post_redirects_to_a_thank_you_page_under_the_prefix(client):
    page = client.get(f"{PREFIX}fr/questionnaire/")
    [action] = [url for what, url in page_links(page.content.decode()) if what == "<form action>"]
    assert action == ""  # posts back to the page it is on, wherever that is mounted

    response = client.post(f"{PREFIX}fr/questionnaire/", form_submission(page.content.decode()))

    assert response.status_code == 302, response.content.decode()[:2000]
    submission = Submission.objects.get()
    assert response["Location"] == f"{PREFIX}fr/questionnaire/thanks/{submission.public_id}/"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert_links_stay_under(thanks, PUBLIC, SITE_PAGES)
    assert f'href="{PREFIX}fr/questionnaire/"' in thanks.content.decode()


@pytest.mark.django_db
def test_a_refused_form_is_shown_again_with_links_under_the_prefix(client):
    page = client.get(f"{PREFIX}en/questionnaire/")
    data = {**form_submission(page.content.decode()), "email": "not-an-address"}

    response = client.post(f"{PREFIX}en/questionnaire/", data)

    assert response.status_code == 400
    assert_links_stay_under(response, PUBLIC, SITE_PAGES)
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_public_api_under_the_prefix(client):
    questions = client.get(f"{PREFIX}api/v1/questionnaire/", {"lang": "en"})
    assert questions.status_code == 200
    assert questions.json()

    response = post_submission(client)

    assert response.status_code == 202, response.content
    submission = Submission.objects.get()
    location = urlsplit(response["Location"])
    assert location.netloc in ("", "testserver")
    assert location.path == f"{PREFIX}api/v1/submissions/{submission.public_id}/"
    assert reverse("qualification:api-submissions") == f"{PREFIX}api/v1/submissions/"
    status = client.get(location.path)
    assert status.status_code == 200
    assert status.json()["status"] == "pending"
    for body in (response.content, status.content, questions.content):
        urls = [urlsplit(v) for v in _strings(json.loads(body)) if v.startswith(("/", "http"))]
        paths = [url.path for url in urls if url.netloc in ("", "testserver")]
        assert all(path.startswith(PREFIX) for path in paths), paths


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
