"""The e-mails a prospect receives: the confirmation after the form, a new link to their
private page, the answer to their request for a review.

Every one goes through :func:`prospect_email_send`: plain text and HTML, in the
prospect's language, absolute links from ``CRM_SITE_URL``, and the one-click unsubscribe
headers of RFC 8058 (``List-Unsubscribe: <https://...>`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``). They are sent by Celery tasks
named here (``qualification.tasks.*``), queued once the transaction that calls for them
commits. Each is sent at most once: a row notes the time first (claimed in one
statement), then the e-mail goes; a failed send frees the row for the task's retry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.unsubscribe import unsubscribe_headers, unsubscribe_url

from .. import publish
from ..app_settings import app_settings
from ..consent import practice_name
from ..intake import answers_display
from ..models import Submission
from ..prospect import links, outcome
from ..selectors import questionnaire_by_id, submission_for_prospect

logger = logging.getLogger(__name__)

CONFIRMATION_TASK = "qualification.tasks.send_prospect_confirmation"
PRIVATE_LINK_TASK = "qualification.tasks.send_private_link"
PRIVACY_ANSWER_TASK = "qualification.tasks.send_privacy_answer"


def send_after_commit(task_name: str, *args: Any) -> None:
    """Queue ``task_name`` (by name: services never import the tasks) once the current
    transaction commits. A broker that cannot be reached is logged, never raised: the
    work that called for the e-mail is committed by then."""

    def send() -> None:
        try:
            publish.send_task(current_app, task_name, args=list(args))
        except Exception as exc:
            logger.warning("Could not queue %s%r (%s)", task_name, args, exc)

    transaction.on_commit(send, robust=True)


def prospect_email_send(
    *,
    contact_id: int,
    email: str,
    language: str,
    template: str,
    context: Mapping[str, Any],
) -> None:
    """Send ``qualification/email/<template>`` (``_subject.txt``, ``.txt``, ``.html``) to
    ``email``, in ``language``, with the one-click unsubscribe headers (RFC 8058)."""
    unsubscribe = unsubscribe_url(contact_id=contact_id, email=email, language=language)
    with translation.override(language):
        full = {
            **context,
            "lang": language,
            "practice_name": practice_name(),
            "unsubscribe_url": unsubscribe,
            "privacy_policy_url": app_settings.PRIVACY_POLICY_URL,
        }
        subject = " ".join(
            render_to_string(f"qualification/email/{template}_subject.txt", full).split()
        )
        text = render_to_string(f"qualification/email/{template}.txt", full)
        html = render_to_string(f"qualification/email/{template}.html", full)
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [email],
        headers=unsubscribe_headers(unsubscribe),
    )
    message.attach_alternative(html, "text/html")
    message.send()


def _private_url(contact, language: str) -> str:
    token = links.private_token(contact_id=contact.pk, email=contact.email)
    return links.private_url(lang=language, token=token)


# --- The confirmation after the form -------------------------------------------------


def submission_confirmation_after_commit(submission_id: int) -> None:
    """Queue the confirmation e-mail of a submission just classified."""
    send_after_commit(CONFIRMATION_TASK, submission_id)


def submissions_skip_confirmation(*, submission_ids) -> int:
    """Mark submissions as needing no confirmation e-mail (demo data, imports: nobody
    wrote them): ``confirmation_sent_at`` is set to now and none is sent. Returns how
    many were marked."""
    return Submission.objects.filter(
        pk__in=list(submission_ids), confirmation_sent_at__isnull=True
    ).update(confirmation_sent_at=timezone.now())


def submission_send_confirmation(*, submission_id: int) -> bool:
    """E-mail the prospect what they sent and what comes of it, once per submission.

    To the contact's stored address (the one posted), in the submission's language: a
    summary of the answers; the result and the automated-decision notice when the
    practice shows results; the next step (the booking link for a good enough fit);
    the link to their private page; and, when the post gave consents that count only
    once confirmed from this mailbox (marketing; any consent for an address already
    known), the link that confirms them. Returns whether it was sent now (False: gone,
    spam, not filed yet, or sent before).
    """
    row = (
        Submission.objects.filter(pk=submission_id)
        .exclude(status=Submission.Status.SPAM)
        .filter(lead__isnull=False, confirmation_sent_at__isnull=True)
        .select_related("lead__contact")
        .first()
    )
    if row is None:
        return False
    claimed = Submission.objects.filter(pk=submission_id, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        _send_confirmation(row)
    except Exception:
        Submission.objects.filter(pk=submission_id).update(confirmation_sent_at=None)
        raise
    return True


def _send_confirmation(submission: Submission) -> None:
    contact = submission.lead.contact
    language = submission.language
    view = submission_for_prospect(public_id=submission.public_id)
    result = outcome.view_result(view, language)
    rows = answers_display(submission.answers, questionnaire_by_id(submission.questionnaire_id))
    answers = [
        {"question": row["question"][language], "answer": row["answer"][language]} for row in rows
    ]
    waiting = crm_selectors.consents_awaiting_confirmation(
        contact_id=contact.pk, lead_id=submission.lead_id, given_at=submission.created_at
    )
    confirm_url = ""
    if waiting:
        token = links.confirm_token(consent_ids=[c.pk for c in waiting], email=contact.email)
        confirm_url = links.confirm_url(lang=language, token=token)
    private_url = _private_url(contact, language)
    prospect_email_send(
        contact_id=contact.pk,
        email=contact.email,
        language=language,
        template="confirmation",
        context={
            "first_name": contact.first_name,
            "answers": answers,
            "result": result,
            "next_step": outcome.next_step(
                fit_grade=view.fit_grade if view else None,
                name=contact.full_name,
                email=contact.email,
            ),
            "private_url": private_url,
            "review_url": f"{private_url}#review",
            "confirm_url": confirm_url,
            "confirm_purposes": sorted({c.purpose for c in waiting}),
            "link_days": app_settings.PROSPECT_LINK_DAYS,
        },
    )


# --- A new link to the private page ---------------------------------------------------


def private_link_send(*, email: str, language: str) -> bool:
    """E-mail a new private-page link to ``email`` if a contact has that address; else
    nothing (whoever asked is told the same either way). Returns whether one was sent."""
    contact = crm_selectors.contact_by_email(email=email)
    if contact is None:
        return False
    prospect_email_send(
        contact_id=contact.pk,
        email=contact.email,
        language=language,
        template="private_link",
        context={
            "first_name": contact.first_name,
            "private_url": _private_url(contact, language),
            "link_days": app_settings.PROSPECT_LINK_DAYS,
        },
    )
    return True


# --- The answer to a request for a review ------------------------------------------------


def privacy_answer_send(*, request_id: int) -> bool:
    """E-mail the person the staff's answer to their request (once). Returns whether it
    was sent now."""
    request = crm_services.privacy_request_claim_answer(request_id=request_id)
    if request is None:
        return False
    contact = request.contact
    language = request.language
    try:
        prospect_email_send(
            contact_id=contact.pk,
            email=contact.email,
            language=language,
            template="privacy_answer",
            context={
                "first_name": contact.first_name,
                "request": request,
                "resolution": request.resolution,
                "private_url": _private_url(contact, language),
            },
        )
    except Exception:
        crm_services.privacy_request_release_answer(request_id=request_id)
        raise
    return True
