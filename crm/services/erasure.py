"""Erasure as anonymisation (Law 25, s. 28.1): the person's information is replaced with
tombstones, in one transaction, and the lead's pipeline facts stay (stage, dates,
recommendation, fit, won or lost) so that the statistics and the dashboard stay true.

What is replaced (``tests/privacy/test_erasure_fields.py`` walks every model field of both
apps and fails on one that is neither here nor explicitly not personal):

- the contact: e-mail (``erased-<id>@erased.invalid``, a reserved domain that receives
  nothing), names, phone, job title;
- its company's name and website when no other contact (or another contact's lead)
  belongs to it: a small business's name identifies its owner;
- the leads' referrer, reason lost, override reason, and the free-text answers in their
  copy of the answers (choices stay: pipeline facts);
- the history's notes and the values of accepted or rejected proposed changes; the
  activities' text; the proposed changes' values;
- the consents' evidence (IP address, user agent, source; the ledger rows stay, with
  what was agreed to and when);
- the privacy requests' details and notes; stored exports;
- the webhooks' earlier bodies (``webhook_lead_erased``) and the receivers' answers
  logged for them;
- the admin's log lines about these rows (their text names the person);
- what other apps keep (``crm.personal_data`` providers: qualification's submissions).

A keyed hash of the address is stored (``crm.erasure_hash``) so that an import cannot
bring the person back. On SQLite, ``secure_delete`` (``config/database.py``) makes the
replaced values' bytes zeroed in the file, and a WAL checkpoint after the commit moves
the pages out of the write-ahead log.
"""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .. import personal_data
from ..erasure_hash import erasure_digest
from ..models import (
    Activity,
    Company,
    Consent,
    Contact,
    ErasedEmail,
    Lead,
    LeadEvent,
    PrivacyExport,
    PrivacyRequest,
    ProposedChange,
)
from ..models_webhooks import WebhookDelivery
from .webhooks import webhook_lead_erased

ERASE_PERMISSION = "crm.erase_personal_data"


class AlreadyErased(Exception):
    """This person was erased before: there is nothing left to erase."""


class OpenFollowUps(Exception):
    """The person's leads have follow-ups planned: the caller must confirm."""


def erased_email_for(contact_id: int) -> str:
    return f"erased-{contact_id}@erased.invalid"


def _checkpoint_sqlite() -> None:
    """Move the pages the erasure rewrote out of SQLite's write-ahead log into the
    (secure_delete) database file, and truncate the log."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@transaction.atomic
def person_erase(
    *,
    contact_id: int,
    by: AbstractBaseUser | None,
    confirm_open_follow_ups: bool = False,
    privacy_request: PrivacyRequest | None = None,
    why: str = "request",
) -> dict[str, int]:
    """Anonymise the person (see the module's docstring). Returns counts by kind.

    Raises :class:`AlreadyErased` for a person erased before, and
    :class:`OpenFollowUps` when one of their leads has a follow-up planned (an open lead
    with a follow-up date, or an activity due and not done) unless
    ``confirm_open_follow_ups``.
    """
    from ..selectors import lead_has_open_follow_ups

    contact = Contact.objects.select_for_update().select_related("company").get(pk=contact_id)
    if contact.erased_at is not None:
        raise AlreadyErased
    lead_ids = tuple(
        Lead.objects.select_for_update().filter(contact_id=contact_id).values_list("pk", flat=True)
    )
    if not confirm_open_follow_ups and lead_has_open_follow_ups(lead_ids=lead_ids):
        raise OpenFollowUps
    now = timezone.now()
    t = personal_data.TOMBSTONE
    scope = personal_data.ErasureScope(
        contact_id=contact_id, email=contact.email, lead_ids=lead_ids
    )
    counts: dict[str, int] = {"contacts": 1, "leads": len(lead_ids)}

    digest = erasure_digest(contact.email)
    ErasedEmail.objects.update_or_create(digest=digest, defaults={"erased_at": now})

    free_text: set[str] = set()
    for provider in personal_data.providers():
        if provider.free_text_answer_keys is not None:
            free_text |= set(provider.free_text_answer_keys())
        if provider.erase is not None:
            for kind, count in provider.erase(scope).items():
                counts[kind] = counts.get(kind, 0) + count

    company_ids = {contact.company_id} | set(
        Lead.objects.filter(pk__in=lead_ids).values_list("company_id", flat=True)
    )
    shared = set(
        Contact.objects.filter(company_id__in=company_ids)
        .exclude(pk=contact_id)
        .values_list("company_id", flat=True)
    ) | set(
        Lead.objects.filter(company_id__in=company_ids)
        .exclude(contact_id=contact_id)
        .values_list("company_id", flat=True)
    )
    erased_companies = sorted(company_ids - shared)
    for company_id in erased_companies:
        Company.objects.filter(pk=company_id).update(
            name=f"{t} #{company_id}", website="", updated_at=now
        )
    counts["companies"] = len(erased_companies)

    Contact.objects.filter(pk=contact_id).update(
        email=erased_email_for(contact_id),
        first_name=t,
        last_name="",
        phone="",
        job_title="",
        erased_at=now,
        updated_at=now,
    )

    for lead in Lead.objects.filter(pk__in=lead_ids):
        answers = dict(lead.answers or {})
        for key in list(answers):
            if key in free_text and answers[key] not in ("", None):
                answers[key] = t
        display = [
            {**row, "answer": {"fr": t, "en": t}}
            if isinstance(row, dict) and row.get("key") in free_text
            else row
            for row in (lead.answers_display or [])
        ]
        Lead.objects.filter(pk=lead.pk).update(
            referrer="",
            lost_reason=t if lead.lost_reason else "",
            override_reason=t if lead.override_reason else "",
            answers=answers,
            answers_display=display,
            updated_at=now,
        )

    events = LeadEvent.objects.filter(lead_id__in=lead_ids)
    counts["history"] = (
        events.exclude(note="").exclude(kind=LeadEvent.Kind.CLASSIFIED).update(note=t)
    )
    events.filter(kind__in=[LeadEvent.Kind.CHANGE_ACCEPTED, LeadEvent.Kind.CHANGE_REJECTED]).update(
        from_value=t, to_value=t
    )
    counts["activities"] = (
        Activity.objects.filter(lead_id__in=lead_ids)
        .exclude(body="")
        .update(body=t, updated_at=now)
    )
    counts["proposed_changes"] = ProposedChange.objects.filter(lead_id__in=lead_ids).update(
        current=None, proposed=t, updated_at=now
    )
    counts["consents"] = Consent.objects.filter(contact_id=contact_id).update(
        ip_address=None, user_agent="", source="", updated_at=now
    )
    requests = PrivacyRequest.objects.filter(Q(contact_id=contact_id) | Q(lead_id__in=lead_ids))
    counts["privacy_requests"] = requests.update(details={"erased": True}, updated_at=now)
    requests.exclude(resolution="").update(resolution=t)
    counts["exports"] = PrivacyExport.objects.filter(
        Q(contact_id=contact_id) | Q(request__in=requests)
    ).update(content=None, reason=t, content_removed_at=now, updated_at=now)

    for lead_id in lead_ids:
        webhook_lead_erased(lead_id=lead_id)
    WebhookDelivery.objects.filter(message__lead_id__in=lead_ids).exclude(
        response_excerpt=""
    ).update(response_excerpt="")

    _forget_admin_log(
        {
            Contact: [contact_id],
            Lead: list(lead_ids),
            Company: erased_companies,
            Consent: list(
                Consent.objects.filter(contact_id=contact_id).values_list("pk", flat=True)
            ),
            Activity: list(
                Activity.objects.filter(lead_id__in=lead_ids).values_list("pk", flat=True)
            ),
        }
    )

    for lead_id in lead_ids:
        LeadEvent.objects.create(
            lead_id=lead_id,
            kind=LeadEvent.Kind.ERASED,
            to_value=why[:200],
            by=by if by is not None and by.pk else None,
            created_at=now,
        )
    transaction.on_commit(_checkpoint_sqlite, robust=True)
    return counts


def _forget_admin_log(objects: dict) -> None:
    """The admin's log names each row as ``str(row)`` (a contact's name and address) and
    its inline rows in its message: the text goes, the line (who, when, what action)
    stays."""
    for model, ids in objects.items():
        if not ids:
            continue
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        ).update(object_repr=personal_data.TOMBSTONE, change_message="")
