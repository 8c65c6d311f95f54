"""Safe retries of a post, as the IETF Idempotency-Key draft describes them.

- A key belongs to the client that sent it (:func:`client_scope`): one client's key
  never replays another client's submission, so nobody can make a real lead vanish by
  using its key first.
- The key is kept with a fingerprint of the body (:func:`fingerprint`): the same key
  with the same body replays the first answer; with another body it is refused with
  ``422`` (the draft's "Unprocessable Content"), never replayed.
- A key is remembered for ``QUALIFICATION_IDEMPOTENCY_KEY_HOURS`` (24) hours, then
  forgotten: after that the same key stores a new submission.
- Only a stored submission takes a key: a post refused as invalid, or kept as spam,
  leaves the key free.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .app_settings import app_settings


@dataclass(frozen=True)
class IdempotencyKey:
    """A key as one client used it, with the fingerprint of the body it came with."""

    key: str
    scope: str
    fingerprint: str


class IdempotencyKeyReused(Exception):
    """This client used the key within its lifetime for a different body."""


def client_scope(client: str) -> str:
    """Who sent a key, as stored with it: a hash of the client's identity (its address as
    the rate limit sees it), so the address itself is not kept twice."""
    return hashlib.sha256(f"idempotency-client:{client}".encode()).hexdigest()


def fingerprint(body: Any) -> str:
    """A hash of the parsed body, the same for the same data whatever its key order or
    spacing."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def remembered_since(now: datetime | None = None) -> datetime:
    """Keys used before this moment are forgotten."""
    return (now or timezone.now()) - timedelta(hours=app_settings.IDEMPOTENCY_KEY_HOURS)


def for_request(*, key: str | None, client: str, body: Any) -> IdempotencyKey | None:
    if not key:
        return None
    return IdempotencyKey(key=key, scope=client_scope(client), fingerprint=fingerprint(body))
