"""Fixtures for the prospect's side (issue 12): a classified first-time prospect, the
links their e-mail would carry, a site address for absolute links."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache

from crm.models import Contact
from qualification import services
from qualification.models import Submission
from qualification.prospect import links
from tests.factories import TEXTBOOK_CMO_ANSWERS, receive_submission, submission_payload

SITE = "https://leads.example.com"

JOSEE = submission_payload(
    contact={
        "first_name": "Josée",
        "last_name": "Tremblay",
        "email": "josee@acme.ca",
        "phone": "514 555-0199",
        "job_title": "Présidente",
    },
    company={"name": "Acme", "website": "https://acme.ca"},
    answers=dict(TEXTBOOK_CMO_ANSWERS),
    consent={"contact": True, "marketing": True},
)


def classify(payload) -> Submission:
    """Store a post as the intake does, then what the worker does with it."""
    submission, _created = receive_submission(payload)
    services.submission_classify(submission_id=submission.pk)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def no_send():
    """The broker is not the subject here: record what would be sent instead."""
    with (
        mock.patch("qualification.services.sending.submission_send_to_classify") as send,
        mock.patch("qualification.services.prospect_mail.publish.send_task") as publish,
    ):
        send.publish = publish
        yield send


@pytest.fixture
def throttle_cache(settings):
    """A working cache for the rate limits (unit tests have no Redis)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def site(settings):
    settings.CRM_SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "leads@practice.example"


@pytest.fixture
def josee(db, no_send) -> Submission:
    """Josée's first post (contact and marketing consent given), classified."""
    submission = classify(JOSEE)
    mail.outbox.clear()
    return submission


@pytest.fixture
def contact(josee) -> Contact:
    return Contact.objects.get(email="josee@acme.ca")


@pytest.fixture
def private_token(contact) -> str:
    return links.private_token(contact_id=contact.pk, email=contact.email)


def signed_long_ago(make, days: int):
    """A token made ``days`` ago (TimestampSigner reads the clock when it signs)."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - days * 86400):
        return make()
