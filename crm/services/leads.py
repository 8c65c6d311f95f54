"""A lead's way through the pipeline: opened or joined, stage, owner, override, review."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    OPEN_STAGES,
    Activity,
    Company,
    Consent,
    Contact,
    Lead,
    LeadEvent,
    LeadSource,
    Recommendation,
    Stage,
)
from ..models_webhooks import WebhookEventType
from .base import UNSET
from .webhooks import webhook_events_collected, webhook_lead_event


def lead_open_or_attach(
    *,
    contact: Contact,
    language: str,
    source: str = LeadSource.WEB_FORM,
    utm: Mapping[str, str] | None = None,
    referrer: str = "",
    answers: Mapping[str, Any] | None = None,
    answers_display: list | None = None,
    at: datetime | None = None,
    savepoint: bool = True,
) -> tuple[Lead, bool]:
    """Return the contact's open lead (noting that they came back) or a new one.

    ``at`` is when the prospect wrote (default now): the new lead's creation time, or
    when they came back. An open lead keeps its language and answers (a later post's
    answers are proposed to staff, see :func:`lead_propose_changes`) and only counts the
    visit; its creation time moves back to ``at`` if that is earlier (a submission filed
    late). ``savepoint`` as in :func:`contact_find_or_create`. Returns ``(lead, created)``.
    """
    utm = utm or {}
    now = at or timezone.now()
    with transaction.atomic(savepoint=savepoint):
        lead = (
            Lead.objects.select_for_update().filter(contact=contact, stage__in=OPEN_STAGES).first()
        )
        if lead is not None:
            lead.submission_count += 1
            lead.last_returned_at = max(filter(None, [lead.last_returned_at, now]))
            lead.created_at = min(lead.created_at, now)
            lead.save(
                update_fields=["submission_count", "last_returned_at", "created_at", "updated_at"]
            )
            LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.RETURNED, created_at=now)
            return lead, False
        lead = Lead.objects.create(
            contact=contact,
            company=contact.company,
            language=language,
            source=source,
            utm_source=utm.get("utm_source", "")[:200],
            utm_medium=utm.get("utm_medium", "")[:200],
            utm_campaign=utm.get("utm_campaign", "")[:200],
            referrer=referrer[:500],
            answers=dict(answers or {}),
            answers_display=list(answers_display or []),
            created_at=now,
        )
        LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.CREATED, created_at=now)
        webhook_lead_event(WebhookEventType.LEAD_CREATED, lead_ids=[lead.pk])
        return lead, True


def lead_stage_change_problem(*, lead: Lead, stage: str, reason: str = "") -> str | None:
    """Why ``lead`` cannot move to ``stage`` now, in the user's language; None if it can.

    Marking a lead lost needs a reason (it is what the practice learns from), and a
    contact has at most one open lead, so a closed lead cannot reopen beside another.
    """
    if stage not in Stage.values:
        return _("Unknown stage %(stage)s.") % {"stage": stage}
    if stage == lead.stage:
        return None
    if stage == Stage.LOST and not (reason or "").strip():
        return _("Marking a lead lost needs a reason.")
    if (
        stage in OPEN_STAGES
        and lead.stage not in OPEN_STAGES
        and Lead.objects.filter(contact_id=lead.contact_id, stage__in=OPEN_STAGES)
        .exclude(pk=lead.pk)
        .exists()
    ):
        return _("This contact already has an open lead: work on that one instead.")
    return None


@transaction.atomic
def lead_move_stage(
    *, lead: Lead, stage: str, by: AbstractBaseUser | None, reason: str = ""
) -> Lead:
    """Move the lead to ``stage`` and record who did it and when.

    Raises ``ValueError`` when ``lead_stage_change_problem`` finds a problem.
    """
    reason = (reason or "").strip()
    problem = lead_stage_change_problem(lead=lead, stage=stage, reason=reason)
    if problem:
        raise ValueError(problem)
    if lead.stage == stage:
        return lead
    previous = lead.stage
    lead.stage = stage
    if stage == Stage.LOST:
        lead.lost_reason = reason
    lead.save(update_fields=["stage", "lost_reason", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.STAGE,
        from_value=previous,
        to_value=stage,
        note=reason,
        by=by,
    )
    webhook_lead_event(WebhookEventType.LEAD_UPDATED, lead_ids=[lead.pk])
    return lead


@transaction.atomic
def lead_assign(*, lead: Lead, owner: AbstractBaseUser | None, by: AbstractBaseUser | None) -> Lead:
    """Give the lead to ``owner`` (or to nobody), recording who did it."""
    if lead.owner_id == (owner.pk if owner else None):
        return lead
    previous = str(lead.owner) if lead.owner_id else ""
    lead.owner = owner
    lead.save(update_fields=["owner", "updated_at"])
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.ASSIGNED,
        from_value=previous,
        to_value=str(owner) if owner else "",
        by=by,
    )
    webhook_lead_event(WebhookEventType.LEAD_UPDATED, lead_ids=[lead.pk])
    return lead


OVERRIDE_PERMISSION = "crm.override_recommendation"


class OverrideNotAllowed(PermissionDenied):
    """``by`` may not override: 403 in the API and views, an error message in the admin."""


def lead_override_allowed(*, by: AbstractBaseUser | None) -> bool:
    """Whether ``by`` may set or remove an override: a person with the permission."""
    return by is not None and by.has_perm(OVERRIDE_PERMISSION)


@transaction.atomic
def lead_override_recommendation(
    *, lead: Lead, recommendation: str, reason: str, by: AbstractBaseUser | None
) -> Lead:
    """Set a person's recommendation beside the computed one. A reason is required.

    An empty ``recommendation`` removes the override (the reason says why).
    Overriding counts as a person's review.

    This is where the ``crm.override_recommendation`` permission is enforced, whatever
    the entry point (admin, API, actions, commands): ``OverrideNotAllowed`` (a
    ``PermissionDenied``) when ``by`` lacks it. ``by=None`` (no person: a script, a
    task) is refused too, since an override is a person's judgement and the history
    must say whose; a script acts as a named staff member who has the permission.
    """
    if not lead_override_allowed(by=by):
        raise OverrideNotAllowed(_("You may not override the recommendation."))
    reason = (reason or "").strip()
    if not reason:
        raise ValueError(_("Say why you override the recommendation."))
    previous = lead.override_recommendation or lead.recommendation
    now = timezone.now()
    lead.override_recommendation = recommendation
    lead.override_reason = reason if recommendation else ""
    lead.override_by = by if recommendation else None
    lead.override_at = now if recommendation else None
    lead.reviewed_by = by
    lead.reviewed_at = now
    lead.save()
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.OVERRIDE,
        from_value=previous,
        to_value=recommendation or lead.recommendation,
        note=reason,
        by=by,
    )
    webhook_lead_event(WebhookEventType.LEAD_OVERRIDDEN, lead_ids=[lead.pk])
    return lead


@transaction.atomic
def lead_mark_reviewed(*, lead: Lead, by: AbstractBaseUser, note: str = "") -> Lead:
    """Record that a person looked at the computed recommendation and agrees."""
    lead.reviewed_by = by
    lead.reviewed_at = timezone.now()
    lead.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.REVIEWED, note=note, by=by)
    return lead


@transaction.atomic
def lead_set_follow_up(*, lead: Lead, at: datetime | None) -> Lead:
    """Set (or clear, with ``None``) when the lead is to be followed up next."""
    lead.next_follow_up_at = at
    lead.save(update_fields=["next_follow_up_at", "updated_at"])
    webhook_lead_event(WebhookEventType.LEAD_UPDATED, lead_ids=[lead.pk])
    return lead


def lead_request_reclassification(
    *, lead_ids: Iterable[int], requested_by: AbstractBaseUser | None = None
) -> None:
    """Ask whoever scores leads (the qualification app) to score these again."""
    from ..signals import reclassification_requested

    reclassification_requested.send(sender=Lead, lead_ids=list(lead_ids), requested_by=requested_by)


@transaction.atomic
@webhook_events_collected()  # one lead.updated for the whole change
def lead_update(
    *,
    lead: Lead,
    by: AbstractBaseUser | None,
    stage: str | None = None,
    reason: str = "",
    owner: AbstractBaseUser | None = UNSET,
    next_follow_up_at: datetime | None = UNSET,
    override_recommendation: str | None = None,
    override_reason: str = "",
) -> Lead:
    """Apply a staff member's changes to a lead, each through its own service.

    What is not given stays as it is: ``stage=None`` keeps the stage, ``owner`` and
    ``next_follow_up_at`` left out keep theirs (``None`` clears them), and
    ``override_recommendation=None`` keeps the override (``""`` removes it; both
    setting and removing need ``override_reason``). ``reason`` goes with a stage
    change into the history (and is the reason lost). Returns the lead as stored.

    Raises ``OverrideNotAllowed`` (a ``PermissionDenied``) when the override changes
    and ``by`` may not override (see ``lead_override_recommendation``), ``ValueError``
    for a change that breaks a rule; either way nothing is changed.
    """
    # Lock the lead only: the owner is an outer join, which PostgreSQL cannot lock.
    lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead.pk)
    if override_recommendation is not None:
        if override_recommendation and override_recommendation not in Recommendation.values:
            raise ValueError(f"Unknown recommendation {override_recommendation!r}")
        if override_recommendation != lead.override_recommendation:
            lead_override_recommendation(
                lead=lead, recommendation=override_recommendation, reason=override_reason, by=by
            )
    if owner is not UNSET:
        lead_assign(lead=lead, owner=owner, by=by)
    if next_follow_up_at is not UNSET and next_follow_up_at != lead.next_follow_up_at:
        lead_set_follow_up(lead=lead, at=next_follow_up_at)
    if stage is not None:
        lead_move_stage(lead=lead, stage=stage, by=by, reason=reason)
    return lead


@transaction.atomic
def lead_backdate(
    *,
    lead_id: int,
    created_at: datetime | None = None,
    classified_at: datetime | None = None,
    notified_at: datetime | None = None,
    reviewed_at: datetime | None = None,
    override_at: datetime | None = None,
) -> None:
    """Move a lead's times back to when its story happened: for leads that come from the
    past (an import of earlier contacts, demo data), never for the practice's own work.

    ``created_at`` dates the lead, its contact, its company and the consents given with
    it; the others set the lead's time of that name (``notified_at``: the practice was
    told, so nobody is e-mailed about it). What is not given stays as it is.
    """
    lead = Lead.objects.filter(pk=lead_id).values("contact_id", "company_id").first()
    if lead is None:
        return
    times = {
        "created_at": created_at,
        "classified_at": classified_at,
        "practice_notified_at": notified_at,
        "reviewed_at": reviewed_at,
        "override_at": override_at,
    }
    Lead.objects.filter(pk=lead_id).update(**{k: v for k, v in times.items() if v is not None})
    if created_at is not None:
        Contact.objects.filter(pk=lead["contact_id"]).update(created_at=created_at)
        Company.objects.filter(pk=lead["company_id"]).update(created_at=created_at)
        Consent.objects.filter(lead_id=lead_id).backdate(created_at=created_at)


@transaction.atomic
def history_backdate(
    *,
    events: Iterable[tuple[int, datetime]] = (),
    activities: Iterable[tuple[int, datetime]] = (),
) -> None:
    """Date history entries and activities (by id) when they happened, in two statements:
    for leads from the past (imports, demo data), as :func:`lead_backdate`."""
    for model, stamped in ((LeadEvent, events), (Activity, activities)):
        rows = [model(pk=pk, created_at=at) for pk, at in stamped]
        if rows:
            model.objects.bulk_update(rows, ["created_at"])
