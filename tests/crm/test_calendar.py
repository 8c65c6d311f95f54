"""The follow-up calendar in the admin and each staff member's private iCalendar feed."""

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm import ical, services
from crm.admin.calendar import MONTH, WEEK, period
from crm.models import StaffProfile
from crm.selectors_calendar import calendar_feed_token
from tests.factories import ActivityFactory, LeadFactory, UserFactory

CALENDAR_URL = "/admin/crm/lead/calendar/"
FEED_PAGE_URL = "/admin/crm/staffprofile/calendar-feed/"


def at_local(day: str, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T{hour:02d}:00"))


def feed_path(user) -> str:
    profile = StaffProfile.objects.get(user=user)
    return reverse(
        "crm:calendar-feed",
        kwargs={"profile_id": profile.pk, "token": calendar_feed_token(profile)},
    )


# --- The calendar page ---------------------------------------------------------------


def test_a_week_runs_monday_to_sunday_and_a_month_covers_whole_weeks():
    from datetime import date

    assert period(WEEK, date(2026, 3, 5)) == (
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 2, 23),
        date(2026, 3, 9),
    )
    start, end, previous, following = period(MONTH, date(2026, 12, 15))
    assert (start, end) == (date(2026, 11, 30), date(2027, 1, 4))
    assert (previous, following) == (date(2026, 11, 1), date(2027, 1, 1))
    assert (end - start).days % 7 == 0


@pytest.mark.django_db
def test_the_week_shows_my_follow_ups_and_due_activities_with_overdue_in_words(
    sales_client, sales_user
):
    now = timezone.now()
    today = timezone.localdate(now).isoformat()
    other = UserFactory(username="other-owner")
    mine = LeadFactory(
        owner=sales_user,
        contact__first_name="Hélène",
        contact__last_name="Côté",
        next_follow_up_at=now - timedelta(minutes=5),
    )
    ActivityFactory(
        lead=LeadFactory(contact__first_name="Benoît"),
        owner=sales_user,
        kind="meeting",
        body="Présenter la proposition",
        due_at=now + timedelta(minutes=5),
    )
    LeadFactory(owner=other, contact__first_name="Pas-à-moi", next_follow_up_at=now)
    ActivityFactory(owner=sales_user, done_at=now, due_at=now, lead__contact__first_name="Fait")
    LeadFactory(owner=sales_user, stage="won", next_follow_up_at=now, contact__first_name="Fermé")
    response = sales_client.get(f"{CALENDAR_URL}?date={today}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hélène Côté" in html and "Benoît" in html and "Présenter la proposition" in html
    for absent in ("Pas-à-moi", "Fait", "Fermé"):
        assert absent not in html
    assert "⚠ Overdue:" in html
    assert html.count("⚠ Overdue:") == 1
    assert '<span class="crm-calendar-kind">Meeting</span>' in html
    assert '<span class="crm-calendar-kind">Follow-up</span>' in html
    assert f'href="{reverse("admin:crm_lead_change", args=[mine.pk])}"' in html
    # Accessible markup: a table with a caption and column headers for the days.
    assert "<caption>Follow-ups from" in html
    table = html.split('<table class="crm-calendar')[1].split("</table>")[0]
    assert table.count('<th scope="col">') == 7
    assert 'aria-current="page">Week<' in html


@pytest.mark.django_db
def test_the_calendar_shows_one_owner_or_everyone(sales_client, sales_user):
    now = timezone.now()
    other = UserFactory(username="olivier")
    LeadFactory(owner=other, contact__first_name="Chez-Olivier", next_follow_up_at=now)
    LeadFactory(owner=None, contact__first_name="Sans-responsable", next_follow_up_at=now)
    LeadFactory(owner=sales_user, contact__first_name="Chez-moi", next_follow_up_at=now)
    html = sales_client.get(f"{CALENDAR_URL}?owner={other.pk}").content.decode()
    assert "Chez-Olivier" in html and "Chez-moi" not in html
    everyone = sales_client.get(f"{CALENDAR_URL}?owner=all", HTTP_ACCEPT_LANGUAGE="en")
    html = everyone.content.decode()
    for name in ("Chez-Olivier", "Sans-responsable", "Chez-moi"):
        assert name in html
    assert "Nobody" in html  # the owner is shown when everyone's are
    # An unknown owner falls back to mine.
    html = sales_client.get(f"{CALENDAR_URL}?owner=banana").content.decode()
    assert "Chez-moi" in html and "Chez-Olivier" not in html


@pytest.mark.django_db
def test_the_month_and_its_prev_next_links(sales_client, sales_user):
    LeadFactory(
        owner=sales_user, contact__first_name="Mars", next_follow_up_at=at_local("2026-03-17")
    )
    LeadFactory(
        owner=sales_user, contact__first_name="Avril", next_follow_up_at=at_local("2026-04-20")
    )
    response = sales_client.get(
        f"{CALENDAR_URL}?view=month&date=2026-03-10", HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert "Mars" in html and "Avril" not in html
    assert "<caption>Follow-ups in March 2026</caption>" in html
    assert "date=2026-02-01" in response.context["previous_url"]
    assert "date=2026-04-01" in response.context["next_url"]
    html = sales_client.get(response.context["next_url"]).content.decode()
    assert "Avril" in html and "Mars" not in html
    # A bad date is today's.
    assert sales_client.get(f"{CALENDAR_URL}?date=2026-13-45").status_code == 200


@pytest.mark.django_db
def test_the_calendar_costs_the_same_queries_at_any_size(
    sales_client, sales_user, django_assert_max_num_queries
):
    now = timezone.now()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert sales_client.get(f"{CALENDAR_URL}?owner=all&view=month").status_code == 200
        return len(captured)

    LeadFactory(owner=sales_user, next_follow_up_at=now)
    few = queries()
    for i in range(20):
        owner = UserFactory()
        LeadFactory(owner=owner, next_follow_up_at=now + timedelta(hours=i))
        ActivityFactory(owner=owner, due_at=now + timedelta(hours=i))
    assert queries() == few
    with django_assert_max_num_queries(12):
        sales_client.get(f"{CALENDAR_URL}?owner=all&view=month")


@pytest.mark.django_db
def test_the_calendar_says_when_it_shows_only_part_of_a_period(sales_client, settings):
    settings.CRM_CALENDAR_MAX_ITEMS = 2
    now = timezone.now()
    LeadFactory.create_batch(3, next_follow_up_at=now)
    response = sales_client.get(f"{CALENDAR_URL}?owner=all", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["truncated"] is True
    assert "only the first 2 of each are shown" in response.content.decode()


@pytest.mark.django_db
def test_the_calendar_needs_the_permission_to_see_leads(client):
    client.force_login(UserFactory(username="no-perms"))
    assert client.get(CALENDAR_URL).status_code == 403


# --- The private feed ---------------------------------------------------------------


@pytest.mark.django_db
def test_my_feed_page_creates_shows_and_rotates_the_secret_address(sales_client, sales_user):
    page = sales_client.get(FEED_PAGE_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no calendar feed yet." in page
    assert sales_client.post(FEED_PAGE_URL).status_code == 302
    first = feed_path(sales_user)
    page = sales_client.get(FEED_PAGE_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"http://testserver{first}" in page and "Rotate the address" in page
    assert sales_client.get(first).status_code == 200
    sales_client.post(FEED_PAGE_URL)
    second = feed_path(sales_user)
    assert second != first
    assert sales_client.get(first).status_code == 404  # the old address stops at once
    assert sales_client.get(second).status_code == 200


@pytest.mark.django_db
def test_the_feed_address_is_built_on_the_site_url(sales_client, sales_user, settings):
    settings.CRM_SITE_URL = "https://leads.example.com"
    sales_client.post(FEED_PAGE_URL)
    page = sales_client.get(FEED_PAGE_URL).content.decode()
    assert f"https://leads.example.com{feed_path(sales_user)}" in page


@pytest.mark.django_db
def test_my_feed_page_needs_csrf_and_staff_who_see_leads(client, sales_user):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(sales_user)
    assert csrf_client.post(FEED_PAGE_URL).status_code == 403
    assert not StaffProfile.objects.filter(user=sales_user, calendar_feed_nonce__gt="").exists()
    client.force_login(UserFactory(username="no-perms"))
    assert client.get(FEED_PAGE_URL).status_code == 403
    assert client.post(FEED_PAGE_URL).status_code == 403


def parse(response) -> icalendar.Calendar:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


@pytest.mark.django_db
def test_the_feed_lists_only_its_owners_items_as_valid_icalendar(client, settings):
    settings.CRM_SITE_URL = "https://leads.example.com"
    now = timezone.now()
    owner = UserFactory(username="fanny", roles=["Sales"])
    other = UserFactory(username="gilles", roles=["Sales"])
    services.calendar_feed_rotate(user=owner)
    lead = LeadFactory(
        owner=owner,
        contact__first_name="Josée",
        contact__last_name="Tremblay",
        contact__company__name="Tremblay, Fils; et \\ Cie",
        next_follow_up_at=now + timedelta(days=1),
    )
    call = ActivityFactory(
        owner=owner,
        kind="call",
        body="Rappeler\nau sujet du budget",
        due_at=now + timedelta(days=2),
    )
    LeadFactory(owner=other, contact__first_name="Autre", next_follow_up_at=now)
    ActivityFactory(owner=other, lead=lead, due_at=now, body="Pas pour Fanny")
    LeadFactory(
        owner=owner, contact__first_name="Trop-loin", next_follow_up_at=now + timedelta(days=400)
    )
    LeadFactory(
        owner=owner, contact__first_name="Trop-vieux", next_follow_up_at=now - timedelta(days=60)
    )
    response = client.get(feed_path(owner))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    calendar = parse(response)
    assert str(calendar["VERSION"]) == "2.0"
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    by_uid = {str(event["UID"]): event for event in events}
    follow_up = by_uid[f"lead-{lead.pk}-follow-up@leads.example.com"]
    activity = by_uid[f"activity-{call.pk}@leads.example.com"]
    # Times in UTC, every required property there, text given back exactly.
    assert follow_up["DTSTART"].dt == lead.next_follow_up_at.astimezone(UTC).replace(microsecond=0)
    assert follow_up["DTSTART"].dt.tzinfo is not None
    assert b"DTSTART:" in response.content and re.search(rb"DTSTART:\d{8}T\d{6}Z", response.content)
    assert "DTSTAMP" in follow_up
    assert str(follow_up["SUMMARY"]) == "Suivi : Josée Tremblay (Tremblay, Fils; et \\ Cie)"
    assert str(follow_up["URL"]) == (
        f"https://leads.example.com{reverse('admin:crm_lead_change', args=[lead.pk])}"
    )
    assert "Rappeler\nau sujet du budget" in str(activity["DESCRIPTION"])
    # Escaping as RFC 5545 says, in the bytes sent.
    assert rb"Tremblay\, Fils\; et \\ Cie" in response.content
    for line in response.content.split(b"\r\n"):
        assert len(line) <= 75
    text = response.content.decode()
    for absent in ("Autre", "Pas pour Fanny", "Trop-loin", "Trop-vieux"):
        assert absent not in text


@pytest.mark.django_db
def test_the_feed_is_in_the_owners_language(client):
    owner = UserFactory(username="emily", roles=["Sales"])
    services.staff_profile_set_language(user=owner, language="en")
    services.calendar_feed_rotate(user=owner)
    LeadFactory(owner=owner, contact__first_name="Ann", next_follow_up_at=timezone.now())
    events = parse(client.get(feed_path(owner))).walk("VEVENT")
    assert str(events[0]["SUMMARY"]).startswith("Follow-up: Ann")


@pytest.mark.django_db
def test_only_the_current_token_of_someone_allowed_opens_the_feed(client):
    owner = UserFactory(username="fanny", roles=["Sales"])
    profile = services.calendar_feed_rotate(user=owner)
    path = feed_path(owner)
    good = calendar_feed_token(profile)
    assert client.get(path).status_code == 200
    wrong = [
        path.replace(good, "0" * len(good)),
        path.replace(good, good[:-1]),
        path.replace(f"/{profile.pk}/", f"/{profile.pk + 1}/"),
    ]
    for bad in wrong:
        assert client.get(bad).status_code == 404, bad
    # Someone with no feed yet has no address that works, even an empty signature.
    nobody = StaffProfile.objects.create(user=UserFactory(username="sans-flux", roles=["Sales"]))
    assert client.get(f"/calendar/{nobody.pk}/x.ics").status_code == 404
    # Losing access closes the feed.
    owner.is_active = False
    owner.save()
    assert client.get(path).status_code == 404
    owner.is_active = True
    owner.save()
    owner.groups.clear()
    assert client.get(path).status_code == 404
    # No writing methods.
    owner.groups.add(Group.objects.get(name="Sales"))
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_an_old_secret_key_keeps_the_address_during_a_key_rotation(client, settings):
    owner = UserFactory(username="fanny", roles=["Sales"])
    services.calendar_feed_rotate(user=owner)
    path = feed_path(owner)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-test-" + "x" * 30
    assert client.get(path).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(path).status_code == 404


def test_the_feed_needs_a_staff_member_who_may_see_leads(db):
    viewer = UserFactory(username="sans-droits")
    with pytest.raises(PermissionDenied):
        services.calendar_feed_rotate(user=viewer)
    viewer.user_permissions.add(Permission.objects.get(codename="view_lead"))
    viewer = type(viewer).objects.get(pk=viewer.pk)
    assert services.calendar_feed_rotate(user=viewer).calendar_feed_nonce


# --- Hostile text --------------------------------------------------------------------

HOSTILE = "Zoë\x00\x07\x1b[31m\u202e😀 <b>\r\nline, two; three\\ \udcff" + "é" * 300


def test_clean_text_leaves_nothing_icalendar_cannot_carry():
    one_line = ical.clean_text(HOSTILE, one_line=True, limit=200)
    assert "\n" not in one_line and "\r" not in one_line
    assert not any(ord(c) < 32 for c in one_line)
    assert len(one_line) == 200 and one_line.endswith("…")
    text = ical.clean_text("a\r\nb\rc\x0bd", limit=100)
    assert text == "a\nb\ncd"
    one_line.encode("utf-8")


@pytest.mark.django_db
def test_hostile_text_does_not_break_the_calendar_or_the_feed(client, sales_client, sales_user):
    now = timezone.now()
    name = "Zoë\x07\x1b[31m\u202e😀 <script>x</script>\nline, two; three\\"
    lead = LeadFactory(
        owner=sales_user,
        contact__first_name=name[:100],
        contact__last_name="é" * 100,
        contact__company__name=(name * 10)[:200],
        next_follow_up_at=now,
    )
    ActivityFactory(
        owner=sales_user, lead=lead, due_at=now + timedelta(hours=1), body=(name + "\n") * 500
    )
    page = sales_client.get(CALENDAR_URL)
    assert page.status_code == 200
    assert "<script>x</script>" not in page.content.decode()
    services.calendar_feed_rotate(user=sales_user)
    response = client.get(feed_path(sales_user))
    assert response.status_code == 200
    events = parse(response).walk("VEVENT")
    assert len(events) == 2
    for event in events:
        summary = str(event["SUMMARY"])
        assert "\n" not in summary and "\x07" not in summary and "\x1b" not in summary
        assert len(summary) <= ical.SUMMARY_CHARS
        assert len(str(event["DESCRIPTION"])) <= ical.DESCRIPTION_CHARS
        assert "\x07" not in str(event["DESCRIPTION"])
    for line in response.content.split(b"\r\n"):
        assert len(line) <= 75
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", line)
