"""Filing a stored submission under its contact and lead (the worker's first step)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import (
    transaction,
)
from django.utils import timezone

from crm import services as crm_services
from crm.choices import LeadSource, ProposedChangeField

from ..intake import answers_display
from ..models import Submission
from ..selectors import (
    questionnaire_by_id,
)
from .base import retrying_races

if TYPE_CHECKING:
    from crm.models import Lead

logger = logging.getLogger(__name__)


def submission_file_lead(*, submission_id: int) -> int | None:
    """File a stored submission under its contact and open lead; return the lead's id.

    One transaction, the worker's first step (:func:`submission_classify` does it in
    the same transaction as recording the result): the contact (matched on the
    normalized e-mail), the open lead (a returning prospect's existing one, marked as
    returned), both consents with the wording shown, dated when the prospect wrote.

    A post proves nothing about who sent it (issue 10). For a first-time prospect it
    creates the contact, company and lead, and its consents count, except marketing,
    which counts once confirmed from the e-mail (double opt-in, issue 12). A post from
    the person's own private-page link (``details["verified_by_link"]``, set by the
    intake after checking the signed link) is a correction: its details and answers
    replace the stored ones and its result goes on the lead. For an address
    already known it changes nothing stored: its consents are kept unconfirmed, and
    what it gives differently (details, and answers when it joins an open lead) becomes
    proposed changes for staff to accept field by field; its answers are classified on
    their own without touching the lead's result or review, and the lead's owner is
    told. Idempotent: a submission already filed returns its lead.
    None for a submission that is gone or spam. A race on a new e-mail (two
    submissions of one new prospect filed at once) rolls back the loser, which tries
    again and joins the winner's contact and lead.
    """

    @transaction.atomic
    def write() -> int | None:
        lead_id, _latest = file_lead_in_transaction(submission_id)
        return lead_id

    return retrying_races(write, f"Filing submission {submission_id}")


#: Where each detail of a submission would go, as a crm proposed change.
_PROPOSABLE = {
    ProposedChangeField.FIRST_NAME: ("contact", "first_name"),
    ProposedChangeField.LAST_NAME: ("contact", "last_name"),
    ProposedChangeField.PHONE: ("contact", "phone"),
    ProposedChangeField.JOB_TITLE: ("contact", "job_title"),
    ProposedChangeField.COMPANY_NAME: ("company", "name"),
    ProposedChangeField.COMPANY_WEBSITE: ("company", "website"),
}


def file_lead_in_transaction(
    submission_id: int, *, note_lead: bool = True
) -> tuple[int | None, bool]:
    """File the submission (see :func:`submission_file_lead`). Returns ``(lead id, whether
    its result goes on the lead)``: True for the lead's adopted and latest answers. With
    ``note_lead=False`` the caller writes the submission's ``lead`` itself (in the same
    update as its status)."""
    submission = (
        Submission.objects.select_for_update()
        .defer("payload", "first_response")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.status == Submission.Status.SPAM:
        return None, False
    if submission.lead_id is not None:
        return submission.lead_id, submission.answers_adopted and _is_latest_for_lead(
            submission_id=submission_id, lead_id=submission.lead_id
        )
    details, language = submission.details, submission.language
    contact, company, source = details["contact"], details["company"], details["source"]
    person, contact_created = crm_services.contact_find_or_create(
        email=contact["email"],
        company_name=company["name"],
        company_website=company["website"],
        savepoint=False,
        language=language,
        **{name: contact[name] for name in ("first_name", "last_name", "phone", "job_title")},
    )
    display = answers_display(submission.answers, questionnaire_by_id(submission.questionnaire_id))
    lead, lead_created = crm_services.lead_open_or_attach(
        contact=person,
        language=language,
        source=LeadSource(submission.channel),
        utm={key: source[key] for key in ("utm_source", "utm_medium", "utm_campaign")},
        referrer=source["referrer"],
        answers=submission.answers,
        answers_display=display,
        at=submission.created_at,
        savepoint=False,
    )
    # A post proves nothing about who sent it: for an address already known, its
    # consents are evidence awaiting confirmation, and its details are proposals.
    verified = not contact_created and _verified_by_link(details, person)
    crm_services.consents_record(
        contact=person,
        lead=lead,
        given=details["consent"],
        language=language,
        ip_address=submission.ip_address,
        user_agent=submission.user_agent,
        source=details["consent_source"],
        given_at=submission.created_at,
        confirmed=contact_created or verified,
        # Double opt-in: marketing counts once confirmed from the e-mail, whoever posted.
        needs_confirmation=crm_services.DOUBLE_OPT_IN,
    )
    if verified:
        # Sent from the person's private page link (their mailbox): a correction.
        crm_services.lead_correct_by_prospect(
            lead_id=lead.pk,
            contact={**details["contact"], "language": language},
            company=details["company"],
            answers=submission.answers,
            answers_display=display,
            reference=str(submission.public_id),
            at=submission.created_at,
        )
    elif not contact_created:
        _propose_differences(submission, lead, display, answers_too=not lead_created)
    adopted = lead_created or verified
    if note_lead:
        Submission.objects.filter(pk=submission_id).update(
            lead=lead, answers_adopted=adopted, updated_at=timezone.now()
        )
    elif not adopted:
        # (``answers_adopted`` is True by default: only a returning post writes it here.)
        Submission.objects.filter(pk=submission_id).update(answers_adopted=False)
    return lead.pk, adopted


def _verified_by_link(details: dict, person) -> bool:
    """Whether the submission came from the person's own private-page link (a correction:
    the intake checked the signed link and that the address posted is the link's)."""
    verified = details.get("verified_by_link")
    return (
        isinstance(verified, dict)
        and verified.get("contact_id") == person.pk
        and crm_services.normalize_email(verified.get("email", "")) == person.email
    )


def _propose_differences(
    submission: Submission, lead: Lead, display: list, *, answers_too: bool
) -> None:
    """A known person's later post: what differs from what is stored, proposed to staff.

    Filed out of order (two worker processes, a queue drained after an outage), a post
    older than one already filed for this person proposes nothing: it is older news.
    """
    newer_filed = (
        Submission.objects.filter(pk__gt=submission.pk, lead__contact_id=lead.contact_id)
        .exclude(status=Submission.Status.SPAM)
        .exists()
    )
    details = submission.details
    proposed: dict[str, Any] = {}
    if not newer_filed:
        proposed = {field: details[part][name] for field, (part, name) in _PROPOSABLE.items()}
        proposed[ProposedChangeField.LANGUAGE] = submission.language
        if answers_too:
            proposed[ProposedChangeField.ANSWERS] = {
                "answers": submission.answers,
                "answers_display": display,
            }
    crm_services.lead_propose_changes(
        lead=lead, proposed=proposed, reference=str(submission.public_id), at=submission.created_at
    )


def file_lead_quietly(submission_id: int) -> None:
    """File a submission that will not be classified now, so that the prospect is in
    the CRM all the same (its classification failed, or waits for a ruleset)."""
    try:
        submission_file_lead(submission_id=submission_id)
    except Exception:
        logger.warning("Could not file submission %s", submission_id, exc_info=True)


def _is_latest_for_lead(*, submission_id: int, lead_id: int) -> bool:
    """Whether no later submission's answers were adopted on this lead."""
    return (
        not Submission.objects.filter(lead_id=lead_id, pk__gt=submission_id, answers_adopted=True)
        .exclude(status=Submission.Status.SPAM)
        .exists()
    )
