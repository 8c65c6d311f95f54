"""What a prospect agrees to, word for word, each wording with its version.

The Consent rows keep the version and the exact text shown in the prospect's
language, so what someone agreed to can be proven later (CASL, Québec's Law 25).
Change a wording only together with its version.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.choices import ConsentPurpose

from .app_settings import app_settings


def practice_name() -> str:
    """The practice's name as shown to prospects, in the active language."""
    return app_settings.PRACTICE_NAME or str(_("CMO on demand"))


@dataclass(frozen=True)
class Wording:
    version: str
    text: Promise

    def render(self, language: str | None = None) -> str:
        """The exact sentence shown, in ``language`` (else the active one)."""
        with translation.override(language or translation.get_language()):
            return str(self.text) % {"practice": practice_name()}


CONTACT = Wording(
    version="contact-2026-11",
    text=_("I agree to be contacted by %(practice)s, by e-mail or by phone, about this request."),
)
MARKETING = Wording(
    version="marketing-2026-11",
    text=_(
        "Yes, send me news, articles and invitations from %(practice)s by e-mail. "
        "I can unsubscribe at any time with the link in every message."
    ),
)
PRIVACY_NOTICE = Wording(
    version="privacy-2026-11",
    text=_(
        "%(practice)s uses your answers and contact details only to assess your needs "
        "and to reply to your request. They are not sold or shared with anyone else. "
        "You may ask to see, correct or delete your information at any time by replying "
        "to any of our e-mails."
    ),
)

#: What a withdrawal of the marketing consent records (the private page's button, the
#: one-click unsubscribe link of every e-mail).
MARKETING_WITHDRAWAL = Wording(
    version="marketing-withdrawal-2026-12",
    text=_("I no longer want news, articles or invitations from %(practice)s by e-mail."),
)

#: The wording of each purpose a submission records, keyed by crm's Consent.Purpose.
WORDINGS: dict[str, Wording] = {
    ConsentPurpose.CONTACT: CONTACT,
    ConsentPurpose.MARKETING: MARKETING,
}
