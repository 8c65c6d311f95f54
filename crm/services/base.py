"""Shared by the crm's services: the "not given" marker, e-mail normalization, absolute links."""

from __future__ import annotations

from typing import Any

from ..app_settings import app_settings


class _Unset:
    """Marks an argument that was not given (``None`` means "clear it")."""

    def __repr__(self):
        return "UNSET"


UNSET: Any = _Unset()


def normalize_email(email: str) -> str:
    """The one form an e-mail is stored and matched in: trimmed, lower case."""
    return (email or "").strip().lower()


def absolute_url(path: str) -> str:
    """``path`` on the site's address (``CRM_SITE_URL``): links in e-mails must be absolute."""
    return f"{app_settings.SITE_URL.rstrip('/')}{path}"
