"""The public submissions' rate limit: a count per client address and fixed window."""

from __future__ import annotations

from unittest import mock

import pytest
import redis
from django.test import RequestFactory

from qualification.throttles import SubmissionRateThrottle, parse_rate


def post(address: str = "192.0.2.1"):
    return RequestFactory().post("/api/v1/submissions/", REMOTE_ADDR=address)


def allowed(at: float, address: str = "192.0.2.1") -> tuple[bool, float | None]:
    throttle = SubmissionRateThrottle()
    with mock.patch("qualification.throttles.time.time", return_value=at):
        return throttle.allow_request(post(address), None), throttle.wait()


def test_the_rate_is_read_in_drf_syntax():
    assert parse_rate("20/minute") == (20, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("100/hour") == (100, 3600)
    assert parse_rate("1000/day") == (1000, 86400)


def test_past_the_allowance_a_post_waits_for_the_end_of_the_window(settings, throttle_cache):
    settings.QUALIFICATION_SUBMISSION_RATE = "2/minute"
    start = 1_800_000_000.0  # a whole minute
    assert allowed(start + 10) == (True, None)
    assert allowed(start + 20) == (True, None)
    ok, wait = allowed(start + 45)
    assert ok is False
    assert wait == pytest.approx(15)


def test_a_new_window_gives_a_fresh_allowance(settings, throttle_cache):
    settings.QUALIFICATION_SUBMISSION_RATE = "1/minute"
    start = 1_800_000_000.0
    assert allowed(start + 1)[0] is True
    assert allowed(start + 59)[0] is False
    assert allowed(start + 60)[0] is True


def test_each_address_is_counted_apart(settings, throttle_cache):
    settings.QUALIFICATION_SUBMISSION_RATE = "1/minute"
    start = 1_800_000_000.0
    assert allowed(start, "192.0.2.1")[0] is True
    assert allowed(start, "192.0.2.2")[0] is True
    assert allowed(start, "192.0.2.1")[0] is False


@pytest.mark.integration
def test_in_redis_the_count_is_one_key_per_address_and_window_that_expires(settings, redis_up):
    settings.QUALIFICATION_SUBMISSION_RATE = "3/minute"
    for _ in range(2):
        assert SubmissionRateThrottle().allow_request(post(), None) is True

    client = redis.Redis.from_url(redis_up.url)
    (key,) = client.keys("*throttle_submissions_192.0.2.1_*")
    assert int(client.get(key)) == 2
    assert 0 < client.ttl(key) <= 61
