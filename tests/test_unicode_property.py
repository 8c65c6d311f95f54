"""Issue 10, item 2, as a property: whatever text a post carries, in any field or key,
either it is refused (400, nothing stored) or it shows on every staff page and API
answer. Arbitrary Unicode here includes lone surrogates, NUL, every control character,
bidirectional overrides, combining marks and non-characters.
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from rest_framework.authtoken.models import Token

from crm.models import Lead, ProposedChange
from qualification import services
from qualification.models import Submission
from tests.factories import submission_payload

#: Characters that broke or could break a page, made likely (Hypothesis favours small
#: code points, so a lone surrogate would otherwise almost never come up).
TROUBLE = st.sampled_from(
    ["\udfff", "\ud800", "\udc00", "\x00", "\x07", "\x1b", "\x85", "\r", "\n", "\t",
     "\u2028", "\u202e", "\u200b", "\ufeff", "\ufffe", "\uffff", "\U0010ffff", "\u0301",
     "\U0001f600", "<", "&", '"', "=", "'"]
)  # fmt: skip
#: Any code point, surrogates included (Hypothesis leaves them out unless told).
ANY_CHAR = st.characters(exclude_categories=[])
ANY_TEXT = st.lists(st.one_of(ANY_CHAR, TROUBLE), max_size=40).map("".join)
#: Text that may well be accepted: anything but control characters and surrogates
#: (bidirectional overrides, combining marks, emoji, non-characters, private use...).
PRINTABLE_TEXT = st.text(st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40)
TEXT = st.one_of(ANY_TEXT, PRINTABLE_TEXT, PRINTABLE_TEXT)
URL = "/api/v1/submissions/"
KNOWN_EMAIL = "josee.tremblay@example.com"

#: Where a value can be put: (part, key) in the body; ``None`` part is the top level.
PLACES = [
    ("contact", "first_name"),
    ("contact", "last_name"),
    ("contact", "email"),
    ("contact", "phone"),
    ("contact", "job_title"),
    ("company", "name"),
    ("company", "website"),
    ("answers", "context"),
    ("answers", "horizon"),
    ("source", "utm_source"),
    ("source", "utm_medium"),
    ("source", "utm_campaign"),
    ("source", "referrer"),
    ("source", "utm_term"),
    (None, "language"),
    (None, "fax"),
]


def build(changes: list[tuple[tuple[str | None, str], str]], new_key: str | None) -> dict:
    payload = submission_payload()
    for (part, key), value in changes:
        target = payload if part is None else payload.setdefault(part, {})
        target[key] = value
    if new_key is not None:
        payload["answers"][new_key] = "x"
    return payload


@override_settings(
    # Many posts from one address: the rate limit is not the subject here.
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    QUALIFICATION_SUBMISSION_RATE="1000000/second",
)
class AnythingAcceptedRendersEverywhere(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.staff = get_user_model().objects.create_superuser("patronne", "p@example.com", "x")
        cls.token = Token.objects.create(user=cls.staff).key

    def pages(self, submission: Submission) -> list[str]:
        urls = [
            "/admin/",
            "/admin/qualification/submission/",
            f"/admin/qualification/submission/{submission.pk}/change/",
            "/admin/qualification/classification/",
            "/admin/crm/consent/",
        ]
        lead = Lead.objects.filter(pk=submission.lead_id).first()
        if lead is not None:
            urls += [
                "/admin/crm/lead/",
                f"/admin/crm/lead/{lead.pk}/change/",
                f"/admin/crm/contact/{lead.contact_id}/change/",
                f"/admin/crm/company/{lead.company_id}/change/",
                "/admin/crm/contact/",
                "/admin/crm/company/",
            ]
            if ProposedChange.objects.filter(lead=lead).exists():
                urls.append(f"/admin/crm/lead/{lead.pk}/proposed-changes/")
        return urls

    def assert_renders(self, submission: Submission) -> None:
        self.client.force_login(self.staff)
        for url in self.pages(submission):
            response = self.client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            response.content.decode("utf-8")
        lead = Lead.objects.filter(pk=submission.lead_id).first()
        if lead is None:
            return
        auth = {"HTTP_AUTHORIZATION": f"Token {self.token}"}
        for url in ("/api/v1/leads/", f"/api/v1/leads/{lead.pk}/"):
            response = self.client.get(url, **auth)
            assert response.status_code == 200, (url, response.status_code)
            json.loads(response.content.decode("utf-8"))
        export = self.client.post(
            "/admin/crm/lead/", {"action": "export_csv", "_selected_action": [lead.pk]}
        )
        assert export.status_code == 200
        b"".join(export.streaming_content).decode("utf-8")

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        changes=st.lists(st.tuples(st.sampled_from(PLACES), TEXT), min_size=1, max_size=4),
        new_key=st.one_of(st.none(), st.none(), ANY_TEXT),
        returning=st.booleans(),
    )
    def test_a_post_is_refused_or_shows_on_every_staff_page(self, changes, new_key, returning):
        if returning:
            # The same address posted before: the fuzzed post becomes proposed changes.
            first = self.client.post(URL, submission_payload(), content_type="application/json")
            assert first.status_code == 202
            services.submission_classify(submission_id=Submission.objects.latest("pk").pk)
        before = Submission.objects.count()
        body = json.dumps(build(changes, new_key))  # ensure_ascii: surrogates as \\uXXXX
        response = self.client.post(URL, body, content_type="application/json")
        response.content.decode("utf-8")
        event(f"answered {response.status_code}")
        if response.status_code == 400:
            assert Submission.objects.count() == before
            return
        assert response.status_code == 202, response.content[:300]
        submission = Submission.objects.latest("pk")
        services.submission_classify(submission_id=submission.pk)
        submission.refresh_from_db()
        event(f"stored as {submission.status}")
        self.assert_renders(submission)
