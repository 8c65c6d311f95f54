"""Every link the product e-mails is absolute, from ``SITE_URL``; a deployment without it
is told so by ``manage.py check``."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.checks import run_checks

from crm import services
from crm.models import Lead
from tests.conftest import ROOT, subprocess_env
from tests.factories import ActivityFactory, LeadFactory, UserFactory

SITE = "https://leads.example.com"
MORNING = datetime(2026, 3, 10, 7, 30, tzinfo=ZoneInfo("America/Montreal"))


def links(body: str) -> list[str]:
    """Every address in an e-mail body: absolute ones and anything that looks like a path."""
    return re.findall(r"(?:https?://|(?<!\S)/)\S+", body)


def assert_every_link_is_absolute(body: str, *, theirs: str = "") -> None:
    """``theirs``: the prospect's own website, quoted in the e-mail, not a link of ours."""
    found = [link for link in links(body) if not (theirs and link.startswith(theirs))]
    assert found, body
    assert all(link.startswith(f"{SITE}/") for link in found), found


def test_the_site_url_variable_reaches_the_crm_setting():
    code = "from django.conf import settings; print(settings.CRM_SITE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=subprocess_env(SITE_URL=SITE),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == SITE


@pytest.mark.django_db
def test_the_new_lead_email_links_to_the_lead_on_the_site(settings):
    settings.CRM_SITE_URL = SITE
    settings.CRM_PRACTICE_EMAIL = "cmo@practice.example"
    lead = LeadFactory(fit_score=90)
    assert services.lead_notify_practice(lead_id=lead.pk)
    body = mail.outbox[0].body
    assert_every_link_is_absolute(body, theirs=lead.company.website)
    assert f"{SITE}/admin/crm/lead/{lead.pk}/change/" in body


@pytest.mark.django_db
def test_the_follow_up_digest_links_to_the_site(settings):
    settings.CRM_SITE_URL = f"{SITE}/"  # a trailing slash is not doubled
    owner = UserFactory(email="owner@practice.example")
    ActivityFactory(owner=owner, due_at=MORNING.replace(hour=14), lead__owner=owner)
    assert services.follow_up_digests_send(now=MORNING) == 1
    body = mail.outbox[0].body
    assert_every_link_is_absolute(body)
    assert f"{SITE}/admin/crm/lead/?mine=1" in body
    assert Lead.objects.count() == 1


def site_url_warnings():
    return [message for message in run_checks() if message.id == "crm.W001"]


@pytest.mark.parametrize("value", ["", "leads.example.com", "/admin", "ftp://leads.example.com"])
def test_the_check_warns_without_an_absolute_site_url_when_debug_is_off(settings, value):
    settings.DEBUG = False
    settings.CRM_SITE_URL = value
    assert len(site_url_warnings()) == 1


@pytest.mark.parametrize("value", [SITE, "http://127.0.0.1:8000"])
def test_the_check_is_quiet_with_an_absolute_site_url(settings, value):
    settings.DEBUG = False
    settings.CRM_SITE_URL = value
    assert site_url_warnings() == []


def test_the_check_is_quiet_in_development(settings):
    settings.DEBUG = True
    settings.CRM_SITE_URL = ""
    assert site_url_warnings() == []
