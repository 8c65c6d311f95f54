"""Signed links a prospect receives by e-mail, and what each one names.

Each link carries a payload signed with the site's ``SECRET_KEY`` (``django.core.signing``)
and its own salt, so that a link of one kind never works as another:

- the **private page** (``TimestampSigner``, expires after
  ``QUALIFICATION_PROSPECT_LINK_DAYS``): the contact's id and the address it was sent to;
- the **consent confirmation** (expires the same way): the consents it confirms and the
  address it was sent to;
- the **one-click unsubscribe** (``List-Unsubscribe``, RFC 8058; never expires, so an
  old e-mail's link still works): the contact's id and address.

A link names an address as well as an id: when the contact's address changes or the
contact is erased, the link leads nowhere. Reading a link raises :class:`BadLink` with
``reason`` ``"tampered"`` (a signature that does not match, or a payload that is not
ours) or ``"expired"``.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse

from crm.services import absolute_url

from ..app_settings import app_settings

PRIVATE_SALT = "qualification.prospect.private-page"
CONFIRM_SALT = "qualification.prospect.consent-confirmation"
UNSUBSCRIBE_SALT = "qualification.prospect.unsubscribe"

#: No link is longer than this (a hostile path must not cost a big decode).
MAX_TOKEN_LENGTH = 600


class BadLink(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "tampered" or "expired"


def _max_age() -> int:
    return app_settings.PROSPECT_LINK_DAYS * 24 * 60 * 60


def _read(token: str, salt: str, *, expires: bool) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadLink("tampered")
    try:
        if expires:
            data = signing.TimestampSigner(salt=salt).unsign_object(token, max_age=_max_age())
        else:
            data = signing.Signer(salt=salt).unsign_object(token)
    except signing.SignatureExpired as exc:
        raise BadLink("expired") from exc
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as exc:
        raise BadLink("tampered") from exc
    if not isinstance(data, dict):
        raise BadLink("tampered")
    return data


def _contact_of(data: dict[str, Any]) -> tuple[int, str]:
    contact_id, email = data.get("c"), data.get("e")
    if (
        not isinstance(contact_id, int)
        or isinstance(contact_id, bool)
        or not isinstance(email, str)
    ):
        raise BadLink("tampered")
    return contact_id, email


# --- The private page ---------------------------------------------------------------


def private_token(*, contact_id: int, email: str) -> str:
    return signing.TimestampSigner(salt=PRIVATE_SALT).sign_object(
        {"c": contact_id, "e": email}, compress=True
    )


def private_token_read(token: str) -> tuple[int, str]:
    """``(contact id, address)`` of a private-page link, or :class:`BadLink`."""
    return _contact_of(_read(token, PRIVATE_SALT, expires=True))


def private_person(token: str):
    """``(contact, None)`` for a good private-page token, else ``(None, reason)``: the
    link's reason (tampered, expired) or ``"gone"`` (no such person at that address)."""
    from crm import selectors as crm_selectors

    try:
        contact_id, email = private_token_read(token)
    except BadLink as bad:
        return None, bad.reason
    contact = crm_selectors.contact_for_link(contact_id=contact_id, email=email)
    return (contact, None) if contact is not None else (None, "gone")


def private_url(*, lang: str, token: str, absolute: bool = True) -> str:
    path = reverse("qualification:private-page", kwargs={"lang": lang, "token": token})
    return absolute_url(path) if absolute else path


def link_request_url(*, lang: str, absolute: bool = True) -> str:
    """The page where anyone asks for a new private-page link by e-mail address."""
    path = reverse("qualification:private-link", kwargs={"lang": lang})
    return absolute_url(path) if absolute else path


# --- Consent confirmation (double opt-in) ---------------------------------------------


def confirm_token(*, consent_ids: list[int], email: str) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(
        {"k": sorted(consent_ids), "e": email}, compress=True
    )


def confirm_token_read(token: str) -> tuple[list[int], str]:
    """``(consent ids, address)`` of a confirmation link, or :class:`BadLink`."""
    data = _read(token, CONFIRM_SALT, expires=True)
    ids, email = data.get("k"), data.get("e")
    if (
        not isinstance(ids, list)
        or not ids
        or len(ids) > 10
        or not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids)
        or not isinstance(email, str)
    ):
        raise BadLink("tampered")
    return ids, email


def confirm_url(*, lang: str, token: str) -> str:
    return absolute_url(
        reverse("qualification:consent-confirm", kwargs={"lang": lang, "token": token})
    )


# --- One-click unsubscribe (RFC 8058) -----------------------------------------------


def unsubscribe_token(*, contact_id: int, email: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(
        {"c": contact_id, "e": email}, compress=True
    )


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    return _contact_of(_read(token, UNSUBSCRIBE_SALT, expires=False))


def unsubscribe_url(*, lang: str, token: str) -> str:
    return absolute_url(reverse("qualification:unsubscribe", kwargs={"lang": lang, "token": token}))


def unsubscribe_link(contact_id: int, email: str, language: str) -> str:
    """The contact's one-click unsubscribe link (what ``crm.unsubscribe`` asks for)."""
    return unsubscribe_url(
        lang=language, token=unsubscribe_token(contact_id=contact_id, email=email)
    )
