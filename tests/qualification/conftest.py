"""Fixtures shared by the qualification app's tests."""

from unittest import mock

import pytest
from django.core.cache import cache

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def no_send():
    """The broker is not the subject here: record what would be sent instead."""
    with mock.patch("qualification.services.sending.submission_send_to_classify") as send:
        yield send


@pytest.fixture
def throttle_cache(settings):
    """A working cache for the rate limit (unit tests have no Redis)."""
    settings.CACHES = LOCMEM
    cache.clear()
    yield
    cache.clear()
