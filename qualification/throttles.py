"""The rate limit on public submissions, shared by every web process through the cache."""

from __future__ import annotations

import logging

from rest_framework.throttling import SimpleRateThrottle

from .app_settings import app_settings

logger = logging.getLogger(__name__)


class SubmissionRateThrottle(SimpleRateThrottle):
    """``QUALIFICATION_SUBMISSION_RATE`` posts per client address, counted in Django's cache.

    The client is the connecting address as DRF's ``NUM_PROXIES`` defines it (with
    ``NUM_PROXIES = 0``, ``REMOTE_ADDR``: a forged ``X-Forwarded-For`` changes nothing).
    When the cache cannot be reached the post goes through: a lost lead costs more
    than a few extra posts.
    """

    scope = "submissions"

    def get_rate(self) -> str:
        # Read on each request (the throttle is built per request), so a changed
        # setting applies without a restart of the class.
        return app_settings.SUBMISSION_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            logger.warning("Submission rate limit skipped: the cache is unreachable (%s)", exc)
            return True
