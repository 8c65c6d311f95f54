"""What a prospect does themselves: from their private page (a review, erasure, a
withdrawal, a download, a new link) or the one-click unsubscribe link of an e-mail.

Each action is recorded with its time: a request in the crm's register
(``crm.PrivacyRequest``), a consent row, and a line in the lead's history.
"""

from __future__ import annotations

from django.db import transaction

from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.choices import ConsentPurpose, PrivacyRequestKind, ProspectAction

from ..consent import MARKETING_WITHDRAWAL
from .prospect_mail import PRIVATE_LINK_TASK, send_after_commit

#: The longest observations kept with a request for a review.
MAX_OBSERVATIONS = 5000


def private_link_request(*, email: str, language: str) -> None:
    """Queue a new private-page link for ``email``. The worker sends it only to an address
    a contact has; here nothing is looked up, so that the answer and its time are the
    same whether the address is known or not."""
    send_after_commit(PRIVATE_LINK_TASK, email.strip()[:254], language)


def _latest_lead_id(contact_id: int) -> int | None:
    leads = crm_selectors.contact_leads(contact_id=contact_id)
    return leads[0].pk if leads else None


def prospect_request_review(*, contact_id: int, observations: str, language: str):
    """The person asks a member of the practice to review the automated recommendation,
    with their observations (Law 25 s.12.1). Returns ``(request, created)``: a review
    still open is returned as it is and nothing is created."""
    return crm_services.privacy_request_open(
        contact_id=contact_id,
        kind=PrivacyRequestKind.REVIEW,
        lead_id=_latest_lead_id(contact_id),
        details={"observations": observations[:MAX_OBSERVATIONS], "source": "private page"},
        language=language,
    )


def prospect_request_erasure(*, contact_id: int, language: str):
    """The person asks for their information to be erased. Only recorded here (the
    privacy operations handle it). Returns ``(request, created)`` as above."""
    return crm_services.privacy_request_open(
        contact_id=contact_id,
        kind=PrivacyRequestKind.ERASURE,
        lead_id=_latest_lead_id(contact_id),
        details={"source": "private page"},
        language=language,
    )


def prospect_withdraw_marketing(
    *,
    contact_id: int,
    language: str,
    source: str,
    ip_address: str | None = None,
    user_agent: str = "",
):
    """The person withdraws their marketing consent (private page or one-click link); it
    counts at once. Returns the consent row recorded, or None when it was already so."""
    return crm_services.consent_withdraw(
        contact_id=contact_id,
        purpose=ConsentPurpose.MARKETING,
        wording=MARKETING_WITHDRAWAL.render(language),
        wording_version=MARKETING_WITHDRAWAL.version,
        language=language,
        source=source,
        ip_address=ip_address,
        user_agent=user_agent,
    )


@transaction.atomic
def prospect_data_downloaded(*, contact_id: int, data_format: str) -> None:
    """Note in the history of the person's latest lead that they downloaded their data."""
    crm_services.prospect_action_record(
        lead_id=_latest_lead_id(contact_id),
        action=ProspectAction.DATA_DOWNLOADED,
        note=data_format,
    )
