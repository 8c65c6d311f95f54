"""The Standard Webhooks 1.0 headers, signed by the specification's reference library.

``webhook-signature`` is ``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``
keyed with the base64-decoded part of the ``whsec_`` secret after its prefix; during a
rotation it carries one signature per secret in force, separated by spaces, so a
receiver that still has the previous secret keeps verifying.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A new signing secret: ``whsec_`` and 32 random bytes in base64 (as Svix and the
    specification's examples make them)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def webhook_headers(
    *, msg_id: str, body: str, secrets_in_force: Iterable[str], at: datetime
) -> dict[str, str]:
    """The three headers for one attempt at ``at`` (an aware time)."""
    moment = at.astimezone(UTC)
    signatures = [
        Webhook(secret).sign(msg_id=msg_id, timestamp=moment, data=body)
        for secret in secrets_in_force
        if secret
    ]
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
