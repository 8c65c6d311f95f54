"""Correcting one's answers from the private page (Law 25: the right to have one's
information corrected).

The private page links to the questionnaire with ``?correct=<its token>``: the form
opens filled in with the person's stored details and latest answers, and carries the
token in a hidden field. A post is a *verified* correction when the token is still good
(signed, not expired, the contact still has that address) and the address posted is
the token's (any case, any spaces): the intake then marks the submission
(``details["verified_by_link"]``) and the worker applies it as the person's own
correction (details and answers replace the stored ones, the new answers are
classified and their result goes on the lead). The link was sent to that address, so
holding it is the same proof as the confirmation e-mail's. Any other post (no token, a
bad one, another address) is an ordinary post: for a known address its differences
become proposed changes for staff, as always.
"""

from __future__ import annotations

from typing import Any

from crm import selectors as crm_selectors
from crm import services as crm_services

from ..forms import COMPANY_FIELDS, CONTACT_FIELDS
from . import links


def correction_contact(token: str):
    """``(contact, None)`` for a good private-page token, else ``(None, reason)``."""
    return links.private_person(token)


def correction_initial(contact, token: str) -> dict[str, Any]:
    """The form's values: the stored details and the latest answers, and the token."""
    initial: dict[str, Any] = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    for name, key in COMPANY_FIELDS.items():
        initial[name] = getattr(contact.company, key)
    leads = crm_selectors.contact_leads(contact_id=contact.pk)
    lead = next((lead for lead in leads if lead.answers), None)
    if lead is not None:
        initial.update(lead.answers)
    initial["correction"] = token
    return initial


def verified_correction(posted) -> tuple[int, str] | None:
    """``(contact id, address)`` when the post is a verified correction (see above)."""
    token = posted.get("correction")
    if not token:
        return None
    contact, problem = correction_contact(str(token))
    if problem or crm_services.normalize_email(str(posted.get("email", ""))) != contact.email:
        return None
    return contact.pk, contact.email
