"""What a later post gave differently from what is stored, for staff to accept or reject."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Lead, LeadEvent, ProposedChange, returning_fit_note
from ..results import QualificationResult
from .notifications import notify_return_after_commit


def _stored_value(lead: Lead, field: str) -> Any:
    """The value a proposed change would replace, as stored now."""
    if field == ProposedChange.Field.ANSWERS:
        return {"answers": lead.answers, "answers_display": lead.answers_display}
    owner_name, _dot, name = field.partition(".")
    owner = lead.contact if owner_name == "contact" else lead.contact.company
    return getattr(owner, name)


def _same(field: str, stored: Any, proposed: Any) -> bool:
    if field == ProposedChange.Field.ANSWERS:
        return (stored or {}).get("answers") == (proposed or {}).get("answers")
    if isinstance(stored, str) and isinstance(proposed, str):
        return stored.strip().casefold() == proposed.strip().casefold()
    return stored == proposed


def lead_propose_changes(
    *,
    lead: Lead,
    proposed: Mapping[str, Any],
    reference: str = "",
    at: datetime | None = None,
    notify: bool = True,
) -> list[ProposedChange]:
    """Keep what a later post gave differently as proposed changes, one per field.

    ``proposed`` maps :class:`ProposedChange.Field` values to what the post gave; an
    empty value proposes nothing (a blank phone is not a wish to erase it), and a value
    equal to the stored one (case and spaces aside) neither. A pending proposal for the
    same field is replaced (marked superseded). With ``notify`` the lead's owner (the
    practice when nobody owns it) is told, once the transaction commits, that the
    prospect came back. Nothing stored is changed: staff decide with
    :func:`proposed_changes_decide`. Returns the new proposals.
    """
    now = at or timezone.now()
    created: list[ProposedChange] = []
    with transaction.atomic():
        for field, value in proposed.items():
            if field not in ProposedChange.Field.values:
                raise ValueError(f"Unknown field {field!r}")
            if value in (None, "", {}, []):
                continue
            stored = _stored_value(lead, field)
            if _same(field, stored, value):
                continue
            ProposedChange.objects.filter(
                lead=lead, field=field, status=ProposedChange.Status.PENDING
            ).update(status=ProposedChange.Status.SUPERSEDED, updated_at=now)
            created.append(
                ProposedChange.objects.create(
                    lead=lead,
                    field=field,
                    current=stored,
                    proposed=value,
                    reference=reference[:100],
                    created_at=now,
                )
            )
        if notify:
            notify_return_after_commit(lead.pk, len(created))
    return created


@transaction.atomic
def lead_note_returning_result(*, lead_id: int, result: QualificationResult) -> None:
    """What the rules make of a returning prospect's new answers (not adopted: the lead
    keeps its own result), written on the "came back" line of the lead's history: from
    the lead's recommendation in force to the new answers' one, and both fit grades, so
    that a change is never silent. Nothing else on the lead changes."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return
    event = lead.events.filter(kind=LeadEvent.Kind.RETURNED).order_by("-created_at").first()
    if event is None:
        return
    event.from_value = lead.recommendation_in_force or ""
    event.to_value = result.recommendation
    event.note = returning_fit_note(new=result.fit_grade, stored=lead.fit_grade)
    event.save(update_fields=["from_value", "to_value", "note", "updated_at"])


def _apply_change(lead: Lead, change: ProposedChange) -> None:
    if change.field == ProposedChange.Field.ANSWERS:
        value = change.proposed or {}
        lead.answers = dict(value.get("answers") or {})
        lead.answers_display = list(value.get("answers_display") or [])
        lead.save(update_fields=["answers", "answers_display", "updated_at"])
        from ..signals import lead_answers_adopted

        lead_answers_adopted.send(sender=Lead, lead=lead, reference=change.reference)
        return
    owner_name, _dot, name = change.field.partition(".")
    owner = lead.contact if owner_name == "contact" else lead.contact.company
    setattr(owner, name, change.proposed)
    owner.full_clean(validate_unique=False, validate_constraints=False)
    owner.save(update_fields=[name, "updated_at"])


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return _("(new answers)")
    return str(value or "")[:200]


#: What accepting a proposed change needs, by the part it changes.
_PERMISSION_TO_APPLY = {
    "contact": "crm.change_contact",
    "company": "crm.change_company",
    "lead": "crm.change_lead",
}


@transaction.atomic
def proposed_changes_decide(
    *,
    lead: Lead,
    accept: Iterable[int] = (),
    reject: Iterable[int] = (),
    by: AbstractBaseUser,
) -> tuple[int, int]:
    """Accept (apply) or reject a lead's pending proposed changes, by id; the history
    records each decision with who made it. Accepting the answers puts them on the lead
    and asks the app that proposed them (``crm.signals.lead_answers_adopted``) to bring
    their result too. Accepting needs the permission to change what it changes
    (``crm.change_contact``, ``crm.change_company`` or ``crm.change_lead``; else
    ``PermissionDenied`` and nothing is decided); an invalid value raises Django's
    ``ValidationError``. Ids that are not pending proposals of this lead are ignored.
    Returns ``(accepted, rejected)``.
    """
    accept, reject = set(accept), set(reject) - set(accept)
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact__company")
        .get(pk=lead.pk)
    )
    changes = list(
        ProposedChange.objects.select_for_update()
        .filter(lead=lead, status=ProposedChange.Status.PENDING, pk__in=accept | reject)
        .order_by("pk")
    )
    for change in changes:
        needed = _PERMISSION_TO_APPLY[change.field.partition(".")[0]]
        if change.pk in accept and not by.has_perm(needed):
            raise PermissionDenied(
                _("You may not change the %(field)s (it needs %(permission)s).")
                % {"field": change.get_field_display(), "permission": needed}
            )
    now = timezone.now()
    counts = [0, 0]
    for change in changes:
        accepted = change.pk in accept
        if accepted:
            _apply_change(lead, change)
        change.status = (
            ProposedChange.Status.ACCEPTED if accepted else ProposedChange.Status.REJECTED
        )
        change.decided_by = by
        change.decided_at = now
        change.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.CHANGE_ACCEPTED if accepted else LeadEvent.Kind.CHANGE_REJECTED,
            from_value=_shown(change.current),
            to_value=_shown(change.proposed),
            note=str(change.get_field_display()),
            by=by,
        )
        counts[0 if accepted else 1] += 1
    return counts[0], counts[1]
