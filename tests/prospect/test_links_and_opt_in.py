"""Issue 12: signed links, the double opt-in, and RFC 8058's one-click unsubscribe."""

from __future__ import annotations

import pytest
from django.test import Client

from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.models import Consent, Contact, LeadEvent
from qualification.prospect import links
from tests.factories import submission_payload

from .conftest import JOSEE, classify, signed_long_ago

pytestmark = pytest.mark.django_db


# --- The signed links -------------------------------------------------------------------


def test_a_private_link_names_its_contact_and_address():
    token = links.private_token(contact_id=7, email="a@b.ca")
    assert links.private_token_read(token) == (7, "a@b.ca")


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature
        lambda t: "x" + t,  # the payload
        lambda t: "",
        lambda t: t + "x" * 700,  # too long to be ours
    ],
)
def test_a_changed_link_is_refused_as_tampered(change):
    token = links.private_token(contact_id=7, email="a@b.ca")
    with pytest.raises(links.BadLink) as refused:
        links.private_token_read(change(token))
    assert refused.value.reason == "tampered"


def test_a_private_link_expires_after_the_setting(settings):
    settings.QUALIFICATION_PROSPECT_LINK_DAYS = 14
    old = signed_long_ago(lambda: links.private_token(contact_id=7, email="a@b.ca"), days=15)
    with pytest.raises(links.BadLink) as refused:
        links.private_token_read(old)
    assert refused.value.reason == "expired"
    recent = signed_long_ago(lambda: links.private_token(contact_id=7, email="a@b.ca"), days=13)
    assert links.private_token_read(recent) == (7, "a@b.ca")


def test_a_link_of_one_kind_never_works_as_another():
    private = links.private_token(contact_id=7, email="a@b.ca")
    unsubscribe = links.unsubscribe_token(contact_id=7, email="a@b.ca")
    with pytest.raises(links.BadLink):
        links.unsubscribe_token_read(private)
    with pytest.raises(links.BadLink):
        links.private_token_read(unsubscribe)
    with pytest.raises(links.BadLink):
        links.confirm_token_read(private)


def test_the_unsubscribe_link_never_expires(settings):
    old = signed_long_ago(lambda: links.unsubscribe_token(contact_id=7, email="a@b.ca"), days=900)
    assert links.unsubscribe_token_read(old) == (7, "a@b.ca")


# --- Double opt-in ----------------------------------------------------------------------------


def confirm_path(consents, email: str, lang: str = "fr") -> str:
    token = links.confirm_token(consent_ids=[c.pk for c in consents], email=email)
    return f"/{lang}/confirm/{token}/"


def test_a_first_time_prospects_contact_consent_counts_but_marketing_waits(contact):
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="contact").granted
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing") is None
    marketing = Consent.objects.get(contact=contact, purpose="marketing")
    assert marketing.granted and marketing.confirmed_at is None


def test_the_confirmation_link_shows_a_button_and_its_post_makes_marketing_count(contact, client):
    waiting = Consent.objects.filter(contact=contact, confirmed_at__isnull=True)
    path = confirm_path(waiting, contact.email)
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirmer mon consentement" in page.content.decode()
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing") is None

    confirmed = client.post(path)
    assert confirmed.status_code == 200
    in_force = crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing")
    assert in_force.granted
    # Both dates are kept: when it was given, and when it was confirmed.
    assert in_force.confirmed_at > in_force.created_at
    assert LeadEvent.objects.filter(kind="prospect", to_value="consent_confirmed").count() == 1


def test_a_second_click_says_already_confirmed_and_changes_nothing(contact, client):
    path = confirm_path(Consent.objects.filter(contact=contact, purpose="marketing"), contact.email)
    client.post(path)
    before = list(Consent.objects.values())
    again = client.post(path, HTTP_ACCEPT_LANGUAGE="fr")
    assert again.status_code == 409
    assert "Déjà confirmé" in again.content.decode()
    assert list(Consent.objects.values()) == before
    assert "Déjà confirmé" in client.get(path).content.decode()
    assert LeadEvent.objects.filter(kind="prospect", to_value="consent_confirmed").count() == 1


def test_a_consent_given_for_a_known_address_does_not_count_until_confirmed(contact, client):
    crm_services.consent_withdraw(
        contact_id=contact.pk,
        purpose="contact",
        wording="non",
        wording_version="t",
        language="fr",
    )
    later = classify(
        submission_payload(
            contact={**JOSEE["contact"], "email": "JOSEE@acme.ca "},
            consent={"contact": True, "marketing": True},
        )
    )
    assert later.answers_adopted is False
    # Neither consent of the later post counts: the withdrawal is still what counts.
    assert not crm_selectors.consent_in_force(contact_id=contact.pk, purpose="contact").granted
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing") is None
    given = Consent.objects.filter(contact=contact, created_at=later.created_at)
    assert {(c.purpose, c.confirmed_at) for c in given} == {("contact", None), ("marketing", None)}
    assert client.post(confirm_path(given, contact.email)).status_code == 200
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="contact").granted
    assert crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing").granted


def test_a_confirmation_for_another_addresss_consent_is_refused(contact, client, no_send):
    classify(submission_payload(contact={**JOSEE["contact"], "email": "mallory@evil.example"}))
    mallory = Contact.objects.get(email="mallory@evil.example")
    josee_marketing = Consent.objects.filter(contact=contact, purpose="marketing")
    before = list(Consent.objects.values())
    # A link made for Mallory's address that names Josée's consent.
    path = confirm_path(josee_marketing, mallory.email, lang="en")
    assert client.get(path).status_code == 403
    refused = client.post(path)
    assert refused.status_code == 403
    assert "This link is for another address" in refused.content.decode()
    assert list(Consent.objects.values()) == before
    assert (
        crm_services.consents_confirm(consent_ids=[josee_marketing.get().pk], email=mallory.email)
        == crm_services.Confirmation.OTHER_ADDRESS
    )


def test_a_grant_withdrawn_since_cannot_be_confirmed(contact, client):
    marketing = Consent.objects.filter(contact=contact, purpose="marketing")
    path = confirm_path(marketing, contact.email)
    client.post(
        f"/fr/unsubscribe/{links.unsubscribe_token(contact_id=contact.pk, email=contact.email)}/"
    )
    assert client.post(path).status_code == 409
    assert not crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing").granted


def test_a_tampered_or_expired_confirmation_link_changes_nothing(contact, client):
    marketing = Consent.objects.filter(contact=contact, purpose="marketing")
    token = links.confirm_token(consent_ids=[marketing.get().pk], email=contact.email)
    assert client.post(f"/fr/confirm/{token[:-3]}abc/").status_code == 403
    old = signed_long_ago(
        lambda: links.confirm_token(consent_ids=[marketing.get().pk], email=contact.email), 30
    )
    expired = client.post(f"/en/confirm/{old}/")
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert marketing.get().confirmed_at is None


# --- One-click unsubscribe (RFC 8058) -----------------------------------------------------


def unsubscribe_path(contact, lang="fr") -> str:
    token = links.unsubscribe_token(contact_id=contact.pk, email=contact.email)
    return f"/{lang}/unsubscribe/{token}/"


def test_a_get_of_the_unsubscribe_link_shows_a_button_and_changes_nothing(contact, client):
    before = list(Consent.objects.values())
    page = client.get(unsubscribe_path(contact))
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert '<button type="submit" class="button">Me désabonner</button>' in page.content.decode()
    assert list(Consent.objects.values()) == before


def test_the_one_click_post_withdraws_marketing_without_login_or_csrf(contact, client):
    classify(JOSEE)  # (nothing new: the same post, its consent waits too)
    crm_services.consents_confirm(
        consent_ids=Consent.objects.filter(contact=contact, purpose="marketing").values_list(
            "pk", flat=True
        ),
        email=contact.email,
    )
    strict = Client(enforce_csrf_checks=True)
    answer = strict.post(
        unsubscribe_path(contact, "en"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.content.decode()
    in_force = crm_selectors.consent_in_force(contact_id=contact.pk, purpose="marketing")
    assert in_force.granted is False
    assert in_force.source == "one-click unsubscribe (RFC 8058)"
    assert LeadEvent.objects.filter(kind="prospect", to_value="consent_withdrawn").count() == 1
    # Again: nothing new is recorded.
    count = Consent.objects.count()
    assert strict.post(unsubscribe_path(contact, "en")).status_code == 200
    assert Consent.objects.count() == count


def test_an_unsubscribe_link_for_a_changed_address_or_tampered_changes_nothing(contact, client):
    path = unsubscribe_path(contact)
    crm_services.contact_update(
        contact=contact, email="new@acme.ca", first_name="Josée", language="fr"
    )
    before = Consent.objects.count()
    gone = client.post(path)
    assert gone.status_code == 410
    assert "Aucune information" in gone.content.decode()
    assert client.post(path[:-4] + "zz/").status_code == 403
    assert Consent.objects.count() == before
