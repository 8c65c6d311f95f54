"""E-mails staff send to a lead from its page, from the practice's templates, logged.

A template's subject and body name the lead's fields between braces; the staff member
reads the message filled in, may change it, and sends it through Django's e-mail
backend with their own address as ``Reply-To``. The message is logged on the lead as a
done e-mail activity (its timeline shows it). A marketing template needs the
prospect's marketing consent in force (``crm.selectors.consent_in_force``; CASL); a
one-to-one reply about their request does not. Like every e-mail to a prospect it
carries the one-click unsubscribe headers of RFC 8058 (``crm.unsubscribe``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..models import Activity, ConsentPurpose, EmailTemplate, Lead
from ..unsubscribe import unsubscribe_headers, unsubscribe_url
from .activities import activity_create

#: What a template may name between braces, and where the value comes from.
PLACEHOLDERS = {
    "first_name": lambda lead, by: lead.contact.first_name,
    "last_name": lambda lead, by: lead.contact.last_name,
    "full_name": lambda lead, by: lead.contact.full_name,
    "company": lambda lead, by: lead.company.name,
    "email": lambda lead, by: lead.contact.email,
    "sender_name": lambda lead, by: (by.get_full_name() or by.get_username()) if by else "",
    "sender_email": lambda lead, by: getattr(by, "email", "") if by else "",
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class EmailNotAllowed(Exception):
    """The message may not go to this lead (no address, or no consent for marketing)."""


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str


def lead_email_fill(*, lead: Lead, template: EmailTemplate, by: AbstractBaseUser | None) -> Draft:
    """The template with the lead's fields in place. A name it does not know, or any
    other text between braces, stays as it is (nothing is evaluated)."""

    def fill(text: str) -> str:
        def value(found: re.Match) -> str:
            source = PLACEHOLDERS.get(found.group(1))
            return found.group(0) if source is None else str(source(lead, by) or "")

        return _PLACEHOLDER.sub(value, text)

    return Draft(subject=fill(template.subject), body=fill(template.body))


def lead_email_refusal(*, lead: Lead, template: EmailTemplate | None) -> str:
    """Why this message may not go to the lead ("" when it may)."""
    from ..selectors import consent_in_force

    if not lead.contact.email:
        return gettext("This lead has no e-mail address.")
    if template is not None and template.purpose == EmailTemplate.Purpose.MARKETING:
        consent = consent_in_force(contact_id=lead.contact_id, purpose=ConsentPurpose.MARKETING)
        if consent is None or not consent.granted:
            return gettext(
                "This is a marketing template and the prospect has no marketing consent in "
                "force: send a one-to-one reply instead."
            )
    return ""


@transaction.atomic
def lead_email_send(
    *,
    lead: Lead,
    subject: str,
    body: str,
    by: AbstractBaseUser,
    template: EmailTemplate | None = None,
) -> Activity:
    """Send ``subject`` and ``body`` (plain text) to the lead's contact, with ``by``'s
    address as ``Reply-To``, and log it on the lead. Raises :class:`EmailNotAllowed`.

    The activity is written first, in the same transaction: when the backend fails the
    log goes with it and the error reaches the caller, so nothing says "sent" that was not.
    """
    refusal = lead_email_refusal(lead=lead, template=template)
    if refusal:
        raise EmailNotAllowed(refusal)
    subject = " ".join(subject.split())  # one line: no header injection, no folding
    activity = activity_create(
        lead=lead,
        kind=Activity.Kind.EMAIL,
        body=gettext("Subject: %(subject)s") % {"subject": subject} + "\n\n" + body,
        done_at=timezone.now(),
        owner=by,
    )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[lead.contact.email],
        reply_to=[by.email] if getattr(by, "email", "") else None,
        headers=unsubscribe_headers(
            unsubscribe_url(
                contact_id=lead.contact_id, email=lead.contact.email, language=lead.language
            )
        ),
    )
    message.send()
    return activity
