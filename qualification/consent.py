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


def collection_notice(language: str | None = None) -> list[str]:
    """The collection notice's elements (Law 25, s. 8 and 8.1; s. 12.1 for the automated
    decision), one sentence each, in ``language``: the purposes, the automated
    processing, the technical data collected and why, how long things are kept, the
    person in charge of the protection of personal information, the rights. The privacy
    policy's link goes beside it (``QUALIFICATION_PRIVACY_POLICY_URL``)."""
    from crm.selectors import privacy_notice_facts

    facts = privacy_notice_facts()
    with translation.override(language or translation.get_language()):
        officer = facts["officer"] or str(
            _("the head of %(practice)s (the person with the highest authority)")
            % {"practice": practice_name()}
        )
        return [
            str(
                _(
                    "Why: to assess your needs, to reply to your request and, only if you "
                    "tick the box, to send you our news."
                )
            ),
            str(
                _(
                    "The recommendation (marketing consultant or fractional CMO) is made by "
                    "automated processing of your answers. You may ask for the reasons, and "
                    "for a person to review it."
                )
            ),
            str(
                _(
                    "When you send the form we also record your IP address and your "
                    "browser's identification (user agent): as evidence of your consent and "
                    "to protect the form against abuse."
                )
            ),
            str(
                _(
                    "Without any business between us, your information is anonymised after "
                    "%(months)d months without activity; the evidence of a consent is kept "
                    "%(years)d years after it ends."
                )
                % {"months": facts["inactive_months"], "years": facts["evidence_years"]}
            ),
            str(
                _("Person in charge of the protection of personal information: %(officer)s.")
                % {"officer": officer}
            ),
            str(
                _(
                    "You may ask to see, correct, receive in a structured format or erase "
                    "your information, or withdraw a consent, at any time."
                )
            ),
        ]


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
