"""Issue 15: the lead page's timeline: one chronological feed of submissions, the rules'
results, reviews, overrides, stage changes, e-mails, notes, calls and meetings, with
their full texts, newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from crm import services
from crm.timeline import lead_timeline
from qualification import services as qualification_services
from tests.factories import VALID_ANSWERS, receive_submission, submission_payload

pytestmark = pytest.mark.django_db


def test_everything_that_happened_in_one_feed_newest_first(admin_user, sales_client):
    words = "Nous grandissons vite.\nDeux lignes, <b>et du balisage</b>."
    submission, _created = receive_submission(
        submission_payload(answers={**VALID_ANSWERS, "context": words})
    )
    qualification_services.submission_classify(submission_id=submission.pk)
    submission.refresh_from_db()
    lead = submission.lead
    services.lead_move_stage(lead=lead, stage="contacted", by=admin_user)
    services.activity_create(
        lead=lead, kind="call", body="Appel de découverte :\nbudget confirmé.",
        done_at=timezone.now() + timedelta(seconds=1), owner=admin_user,
    )  # fmt: skip
    services.lead_override_recommendation(
        lead=lead, recommendation="consultant", reason="Une campagne, pas un CMO", by=admin_user
    )

    entries = lead_timeline(lead)
    kinds = [entry.kind for entry in entries]
    assert kinds.index("call") < kinds.index("event-stage") < kinds.index("submission")
    assert "event-override" in kinds and "event-classified" in kinds
    assert entries == sorted(entries, key=lambda e: e.at, reverse=True)
    call = entries[kinds.index("call")]
    assert call.text == "Appel de découverte :\nbudget confirmé."  # the full text
    received = entries[kinds.index("submission")]
    assert words in received.text

    html = sales_client.get(
        f"/admin/crm/lead/{lead.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    timeline = html.split('class="crm-timeline"')[1].split("</ol>")[0]
    assert "Questionnaire reçu (API, Français)" in timeline
    assert "budget confirmé." in timeline
    assert "<b>et du balisage</b>" not in timeline and "&lt;b&gt;et du balisage" in timeline
    assert "Une campagne, pas un CMO" in timeline
