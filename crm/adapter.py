"""What a host site may replace without a fork: who is told about a lead, and how.

The crm asks its adapter (``CRM_ADAPTER``, a dotted path to a subclass of
:class:`CrmAdapter`; django-allauth's pattern) each time it would notify someone:

- :meth:`CrmAdapter.new_lead_recipients`: who hears of a promising new lead
  (default: ``CRM_PRACTICE_EMAIL`` in ``CRM_PRACTICE_LANGUAGE``);
- :meth:`CrmAdapter.returning_prospect_recipients`: who hears that a prospect came back
  (default: the lead's owner in their language, else the practice's address);
- :meth:`CrmAdapter.send_notification`: how a notification goes out (default: an e-mail
  rendered from ``crm/email/<name>_subject.txt`` and ``crm/email/<name>.txt``, which a
  host may also override as templates). A host can post to a chat tool instead, add an
  HTML part, or copy a manager.

Example, in the host's code::

    from crm.adapter import CrmAdapter, Recipient

    class PracticeAdapter(CrmAdapter):
        def new_lead_recipients(self, lead):
            return [Recipient("ventes@example.com", "fr"), *super().new_lead_recipients(lead)]

and ``CRM_ADAPTER = "myproject.crm_adapter.PracticeAdapter"`` in its settings.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from .app_settings import app_settings

if TYPE_CHECKING:
    from .models import Lead


class Recipient(NamedTuple):
    """Someone to tell: an e-mail address and the language they read."""

    email: str
    language: str


class CrmAdapter:
    """The default behaviour; subclass it and name the subclass in ``CRM_ADAPTER``."""

    def new_lead_recipients(self, lead: Lead) -> list[Recipient]:
        """Who hears of a promising new lead (once per lead; nobody: not announced)."""
        if not app_settings.PRACTICE_EMAIL:
            return []
        return [Recipient(app_settings.PRACTICE_EMAIL, app_settings.PRACTICE_LANGUAGE)]

    def returning_prospect_recipients(self, lead: Lead) -> list[Recipient]:
        """Who hears that a known prospect posted the questionnaire again."""
        from .selectors import staff_language

        if lead.owner_id and lead.owner.email:
            return [Recipient(lead.owner.email, staff_language(lead.owner))]
        if not app_settings.PRACTICE_EMAIL:
            return []
        return [Recipient(app_settings.PRACTICE_EMAIL, app_settings.PRACTICE_LANGUAGE)]

    def send_notification(self, *, name: str, recipient: Recipient, context: dict) -> None:
        """Send notification ``name`` (``new_lead``, ``returning_prospect``,
        ``follow_up_digest``) to ``recipient``, in their language."""
        with translation.override(recipient.language):
            subject = render_to_string(f"crm/email/{name}_subject.txt", context).strip()
            body = render_to_string(f"crm/email/{name}.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


@lru_cache(maxsize=4)
def _adapter(path: str) -> CrmAdapter:
    return import_string(path)()


def get_adapter() -> CrmAdapter:
    """The adapter ``CRM_ADAPTER`` names (one instance per path)."""
    return _adapter(app_settings.ADAPTER)
