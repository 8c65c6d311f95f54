"""The rate limit on public submissions, shared by every web process through the cache."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .app_settings import app_settings

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/minute"`` -> ``(20, 60)``: the allowance and the window in seconds (DRF syntax)."""
    count, _, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip()[:1].lower()]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"Not a rate such as 20/minute: {rate!r}") from exc


class SubmissionRateThrottle(BaseThrottle):
    """``QUALIFICATION_SUBMISSION_RATE`` posts per client address and window, in Django's cache.

    A count per fixed window (``20/minute``: at most 20 posts from one address between
    two whole minutes), taken in one round trip when the cache is Redis. The client is
    the connecting address as DRF's ``NUM_PROXIES`` defines it (with ``NUM_PROXIES = 0``,
    ``REMOTE_ADDR``: a forged ``X-Forwarded-For`` changes nothing). When the cache cannot
    be reached the post goes through: a lost lead costs more than a few extra posts.
    """

    def __init__(self):
        self.retry_after: float | None = None

    def get_ident(self, request) -> str:
        """DRF's client identity, except that with ``NUM_PROXIES`` unset (DRF's default,
        ``None``) the connecting address counts, not ``X-Forwarded-For`` as sent: a
        client must not choose who it is. Behind proxies the host sets ``NUM_PROXIES``."""
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR") or ""
        return super().get_ident(request)

    #: The cache key's prefix: each limit counts apart.
    key_prefix = "throttle_submissions"

    def rate(self) -> str:
        return app_settings.SUBMISSION_RATE

    def allow_request(self, request, view) -> bool:
        return self.allow(self.get_ident(request))

    def allow(self, ident: str) -> bool:
        """Count one more for ``ident`` in this window; whether it is within the rate."""
        allowance, window = parse_rate(self.rate())
        now = time.time()
        start = math.floor(now / window) * window
        key = f"{self.key_prefix}_{ident}_{int(start)}"
        try:
            posts = _count(key, timeout=window + 1)
        except Exception as exc:
            logger.warning("Submission rate limit skipped: the cache is unreachable (%s)", exc)
            return True
        if posts <= allowance:
            return True
        self.retry_after = start + window - now
        return False

    def wait(self) -> float | None:
        return self.retry_after


class PrivateLinkRateThrottle(SubmissionRateThrottle):
    """``QUALIFICATION_PRIVATE_LINK_RATE`` requests for a private-page link, counted per
    client address and, apart, per e-mail address asked for (so that nobody fills a
    person's mailbox from many addresses). The same fixed windows in the same cache."""

    key_prefix = "throttle_private_link"

    def rate(self) -> str:
        return app_settings.PRIVATE_LINK_RATE

    def allow_email(self, email: str) -> bool:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return self.allow(f"email_{digest}")


def client_address(request) -> str:
    """Who is posting, as the rate limit counts them: the connecting address, or the one
    DRF's ``NUM_PROXIES`` points to in ``X-Forwarded-For`` behind proxies."""
    return SubmissionRateThrottle().get_ident(request)


def client_ip(request) -> str | None:
    """:func:`client_address` when it is an IP address (what the evidence of a consent
    keeps), else None."""
    address = (client_address(request) or "").strip()
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


_clients: dict[tuple, redis.Redis] = {}


def _count(key: str, *, timeout: int) -> int:
    """Add one to ``key`` in the default cache (created with ``timeout``); the new count."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        backend.add(key, 0, timeout=timeout)
        return backend.incr(key)
    full_key = backend.make_and_validate_key(key)
    # One round trip: create the count with its lifetime if it is new, then add one.
    _, posts = (
        _redis_client()
        .pipeline(transaction=False)
        .set(full_key, 0, ex=timeout, nx=True)
        .incr(full_key)
        .execute()
    )
    return posts


def _redis_client() -> redis.Redis:
    """One client per process for the default cache's Redis (its writer: the first server),
    with the cache's socket timeouts; Django's cache would build a new client on each call."""
    config = settings.CACHES["default"]
    location = config["LOCATION"]
    if not isinstance(location, str):
        location = location[0]
    location = location.split(",")[0]
    options = {
        name: value
        for name, value in config.get("OPTIONS", {}).items()
        if name.startswith("socket_")
    }
    key = (location, tuple(sorted(options.items())))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = redis.Redis.from_url(location, **options)
    return client
