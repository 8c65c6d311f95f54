"""The intake's Celery task: the periodic sweep of pending submissions."""

from unittest import mock

import pytest
from celery import current_app
from django.conf import settings

from qualification import tasks
from tests.factories import SubmissionFactory


def test_the_sweep_task_is_in_the_beat_schedule_at_the_configured_interval():
    entry = settings.CELERY_BEAT_SCHEDULE["qualification-sweep-pending"]
    assert entry["task"] == tasks.sweep_pending_submissions.name
    assert entry["task"] == "qualification.tasks.sweep_pending_submissions"
    assert entry["schedule"] == 60.0


@pytest.mark.django_db
def test_the_sweep_task_sends_what_is_pending(celery_eager):
    submission = SubmissionFactory()
    with mock.patch("qualification.publish.send_task") as send_task:
        sent = tasks.sweep_pending_submissions.delay().get()
    assert sent == 1
    send_task.assert_called_once_with(
        current_app, "qualification.tasks.classify_submission", args=[submission.pk]
    )
