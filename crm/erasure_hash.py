"""The keyed hash of an erased person's e-mail address.

HMAC-SHA256 of the normalized address (trimmed, lower case) with a key that is
``CRM_ERASURE_HASH_KEY`` when set, else derived from ``SECRET_KEY`` with
:func:`django.utils.crypto.salted_hmac` (salt ``crm.erasure``). A plain hash of an
address could be reversed by hashing a list of addresses; the key makes that impossible
without it.

**Rotation.** New hashes use the current key. Checking tries the current key, then
``CRM_ERASURE_HASH_PREVIOUS_KEYS`` and, while the key is derived from ``SECRET_KEY``,
``SECRET_KEY_FALLBACKS``. So: to rotate ``SECRET_KEY``, keep the old one in
``SECRET_KEY_FALLBACKS`` (or set ``CRM_ERASURE_HASH_KEY`` once, before rotating, to
make the hashes independent of it); to rotate ``CRM_ERASURE_HASH_KEY``, move the old
value to ``CRM_ERASURE_HASH_PREVIOUS_KEYS``. A key dropped from every list makes the
hashes made with it useless: the erased addresses could then be imported again.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.crypto import salted_hmac

from .app_settings import app_settings

SALT = "crm.erasure"


def _normalized(email: str) -> bytes:
    return (email or "").strip().lower().encode()


def _derived_key(secret: str) -> bytes:
    return salted_hmac(SALT, "erasure-hash-key", secret=secret, algorithm="sha256").digest()


def _keys() -> list[bytes]:
    if app_settings.ERASURE_HASH_KEY:
        current = [app_settings.ERASURE_HASH_KEY.encode()]
        previous = [key.encode() for key in app_settings.ERASURE_HASH_PREVIOUS_KEYS]
    else:
        current = [_derived_key(settings.SECRET_KEY)]
        previous = [key.encode() for key in app_settings.ERASURE_HASH_PREVIOUS_KEYS] + [
            _derived_key(old) for old in getattr(settings, "SECRET_KEY_FALLBACKS", [])
        ]
    return current + previous


def erasure_digest(email: str) -> str:
    """The hash stored for ``email`` (hex), with the current key."""
    return hmac.new(_keys()[0], _normalized(email), hashlib.sha256).hexdigest()


def erasure_digests(email: str) -> list[str]:
    """The hashes ``email`` may be stored under: current key first, then older ones."""
    return [hmac.new(key, _normalized(email), hashlib.sha256).hexdigest() for key in _keys()]
