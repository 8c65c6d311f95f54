"""Issue 12: the result on the thank-you page and in the status API; the staff's queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import PrivacyRequest
from qualification import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_thank_you_page_shows_the_result_reasons_next_step_and_notice(client, josee, settings):
    settings.QUALIFICATION_BOOKING_URL = "https://cal.example/x?name={name}&email={email}"
    html = client.get(f"/en/questionnaire/thanks/{josee.public_id}/").content.decode()
    assert "A fractional CMO" in html
    assert "What weighed most in your answers" in html
    # Three to five of the explanation's own sentences, in the page's language.
    reasons = html.split('<ul class="reasons">')[1].split("</ul>")[0].count("<li>")
    assert 3 <= reasons <= 5
    assert "You want this person on your leadership team" in html
    assert "automated processing" in html
    assert 'href="/en/my-data/"' in html
    assert "https://cal.example/x?name=Jos%C3%A9e%20Tremblay&amp;email=josee%40acme.ca" in html
    assert 'http-equiv="refresh"' not in html
    french = client.get(f"/fr/questionnaire/thanks/{josee.public_id}/").content.decode()
    assert "Ce qui a pesé le plus dans vos réponses" in french
    assert "traitement automatisé" in french


def test_the_pending_page_stops_asking_for_a_refresh_after_a_while(client, josee):
    """While pending: the script that updates the page, and a link that reloads it by hand
    counting the reloads; past MAX_REFRESHES the page says the result comes by e-mail."""
    from qualification.models import Submission

    Submission.objects.filter(pk=josee.pk).update(status="pending")
    page = client.get(f"/fr/questionnaire/thanks/{josee.public_id}/?r=3").content.decode()
    assert 'href="?r=4"' in page and "live-region.js" in page
    late = client.get(f"/fr/questionnaire/thanks/{josee.public_id}/?r=24").content.decode()
    assert "live-region.js" not in late and "?r=25" not in late
    assert "Nous vous enverrons le résultat par courriel" in late


def test_the_status_api_gives_the_same_result_and_notice(client, josee, settings):
    settings.QUALIFICATION_BOOKING_URL = "https://cal.example/x?name={name}&email={email}"
    settings.QUALIFICATION_BOOKING_MIN_GRADE = "D"
    body = client.get(f"/api/v1/submissions/{josee.public_id}/").json()
    assert body["recommendation"]["key"] == "fractional_cmo"
    assert body["recommendation"]["label"] == "Un CMO sur demande"
    assert 3 <= len(body["reasons"]) <= 5
    assert body["notice"]["text"].startswith("Cette recommandation a été produite")
    assert body["notice"]["review_url"] == "https://leads.example.com/fr/my-data/"
    # No personal data in an answer anyone holding the id can read.
    assert body["next_step"] == {"kind": "booking", "url": "https://cal.example/x?name=&email="}


# --- The staff's queue -----------------------------------------------------------------------


@pytest.fixture
def requests_filed(contact):
    review, _ = services.prospect_request_review(
        contact_id=contact.pk, observations="<script>alert(1)</script>\u202e" * 3, language="fr"
    )
    erasure, _ = services.prospect_request_erasure(contact_id=contact.pk, language="fr")
    PrivacyRequest.objects.filter(pk=erasure.pk).update(
        received_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=10)
    )
    return review, erasure


def test_a_reviewer_sees_the_queue_filtered_by_kind_status_and_overdue(client, requests_filed):
    review, erasure = requests_filed
    client.force_login(UserFactory(username="rita", roles=["Reviewer"]))
    listing = client.get("/admin/crm/privacyrequest/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"/admin/crm/privacyrequest/{review.pk}/change/" in html
    overdue = client.get("/admin/crm/privacyrequest/?overdue=1").content.decode()
    assert f"/admin/crm/privacyrequest/{erasure.pk}/change/" in overdue
    assert f"/admin/crm/privacyrequest/{review.pk}/change/" not in overdue
    by_kind = client.get("/admin/crm/privacyrequest/?kind__exact=review").content.decode()
    assert f"/admin/crm/privacyrequest/{erasure.pk}/change/" not in by_kind
    page = client.get(f"/admin/crm/privacyrequest/{review.pk}/change/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, never markup
    assert "<script>alert(1)" not in page


def test_a_reviewer_handles_a_request_with_notes(client, requests_filed):
    review, _erasure = requests_filed
    rita = UserFactory(username="rita", roles=["Reviewer"])
    client.force_login(rita)
    answer = client.post(
        f"/admin/crm/privacyrequest/{review.pk}/change/",
        {"status": "done", "resolution": "Révisée : la recommandation tient."},
    )
    assert answer.status_code == 302
    review.refresh_from_db()
    assert (review.status, review.handled_by, review.resolution) == (
        "done",
        rita,
        "Révisée : la recommandation tient.",
    )
    assert review.handled_at is not None
    assert client.post(f"/admin/crm/privacyrequest/{review.pk}/delete/").status_code == 403


def test_nobody_without_the_permission_sees_the_queue(client, requests_filed):
    client.force_login(UserFactory(username="x", is_staff=True))
    assert client.get("/admin/crm/privacyrequest/").status_code == 403


def test_the_prospects_pages_have_the_policy_and_nothing_inline(client, josee, private_token):
    from crm.models import Consent
    from qualification.prospect import links
    from tests.test_csp import assert_nothing_inline, assert_strict_policy

    contact = josee.lead.contact
    consent = Consent.objects.get(contact=contact, purpose="marketing")
    confirm = links.confirm_token(consent_ids=[consent.pk], email=contact.email)
    unsubscribe = links.unsubscribe_token(contact_id=contact.pk, email=contact.email)
    for path in [
        f"/fr/questionnaire/thanks/{josee.public_id}/",
        f"/en/my-data/{private_token}/",
        "/fr/my-data/",
        f"/fr/confirm/{confirm}/",
        f"/en/unsubscribe/{unsubscribe}/",
        f"/fr/questionnaire/?correct={private_token}",
        "/fr/my-data/tampered/",
    ]:
        response = client.get(path)
        assert response.status_code in (200, 403), path
        assert_strict_policy(response)
        assert_nothing_inline(response)
