"""The one-click unsubscribe headers (RFC 8058) every e-mail to a prospect carries.

``List-Unsubscribe: <https://.../unsubscribe/...>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``: a mail client offers a button
that withdraws the person's marketing consent with one POST, no login. The page behind
the link is a public page of the qualification app, which the crm does not import: that
app registers how to build the link (``QualificationConfig.ready`` calls
:func:`register_link_builder`), and every sender of e-mails to prospects, the crm's
"E-mail this lead" included, asks :func:`unsubscribe_url` and :func:`unsubscribe_headers`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

#: ``(contact_id, email, language) -> absolute URL``, set by the app that serves the page.
_link_builder: Callable[[int, str, str], str] | None = None


def register_link_builder(builder: Callable[[int, str, str], str]) -> None:
    """Say how to build a contact's one-click unsubscribe link (one builder: the last)."""
    global _link_builder
    _link_builder = builder


def unsubscribe_url(*, contact_id: int, email: str, language: str) -> str:
    """The contact's one-click unsubscribe link ("" when no app serves the page)."""
    if _link_builder is None:
        logger.warning("No unsubscribe page is registered: e-mail sent without one.")
        return ""
    return _link_builder(contact_id, email, language)


def unsubscribe_headers(url: str) -> dict[str, str]:
    """The RFC 8058 headers for an e-mail whose unsubscribe link is ``url`` (from
    :func:`unsubscribe_url`; none when there is no page to link)."""
    if not url:
        return {}
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
