"""Every write to the pipeline goes through here: ``<noun>_<verb>``, keyword-only, atomic."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .app_settings import app_settings
from .models import (
    OPEN_STAGES,
    Activity,
    Company,
    Consent,
    Contact,
    Lead,
    LeadEvent,
    LeadSource,
    ProposedChange,
    Recommendation,
    StaffProfile,
    Stage,
)

logger = logging.getLogger(__name__)


class _Unset:
    """Marks an argument that was not given (``None`` means "clear it")."""

    def __repr__(self):
        return "UNSET"


UNSET: Any = _Unset()


def normalize_email(email: str) -> str:
    """The one form an e-mail is stored and matched in: trimmed, lower case."""
    return (email or "").strip().lower()


def contact_find_or_create(
    *,
    email: str,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    job_title: str = "",
    language: str = "fr",
    company_name: str,
    company_website: str = "",
    savepoint: bool = True,
) -> tuple[Contact, bool]:
    """The contact with this e-mail (normalized), or a new one with its company.

    Returns ``(contact, created)``. An existing contact is returned as it is stored,
    whatever details are given: a post proves nothing about who sent it, so it never
    replaces what a known person gave before (issue 10). The caller proposes the
    differences to staff instead (:func:`lead_propose_changes`). ``savepoint=False``,
    for a caller that runs it inside its own transaction and retries that whole: no
    savepoint of its own (two statements fewer), an error spoils the caller's
    transaction.
    """
    email = normalize_email(email)
    with transaction.atomic(savepoint=savepoint):
        contact = (
            Contact.objects.select_for_update()
            .select_related("company")
            .filter(email=email)
            .first()
        )
        if contact is not None:
            return contact, False
        company = Company.objects.create(name=company_name, website=company_website)
        contact = Contact.objects.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            job_title=job_title,
            language=language,
            company=company,
        )
        return contact, True


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
        return lead, True


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
            _notify_return_after_commit(lead.pk, len(created))
    return created


def _apply_change(lead: Lead, change: ProposedChange) -> None:
    if change.field == ProposedChange.Field.ANSWERS:
        value = change.proposed or {}
        lead.answers = dict(value.get("answers") or {})
        lead.answers_display = list(value.get("answers_display") or [])
        lead.save(update_fields=["answers", "answers_display", "updated_at"])
        from .signals import lead_answers_adopted

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
    their result too. Ids that are not pending proposals of this lead are ignored.
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


def consents_record(
    *,
    contact: Contact,
    lead: Lead | None,
    given: Mapping[str, Mapping[str, Any]],
    language: str,
    ip_address: str | None = None,
    user_agent: str = "",
    source: str = "",
    given_at: datetime | None = None,
    confirmed: bool = True,
) -> list[Consent]:
    """Keep the evidence of several consents given at once, in one insert: ``given`` maps
    each purpose to its ``granted``, ``wording_version`` and ``wording`` (as shown).

    ``confirmed=False`` for consents that may not count yet: given in a post for an
    address already known, which proves nothing about who sent it. They are kept as
    evidence with no ``confirmed_at`` and change nothing in force
    (:func:`crm.selectors.consent_in_force`).
    """
    at = given_at or timezone.now()
    return Consent.objects.bulk_create(
        Consent(
            created_at=at,
            updated_at=at,
            contact=contact,
            lead=lead,
            purpose=purpose,
            granted=bool(consent["granted"]),
            wording_version=consent["wording_version"],
            wording=consent["wording"],
            language=language,
            ip_address=ip_address,
            user_agent=user_agent[:300],
            source=source[:300],
            confirmed_at=at if confirmed else None,
        )
        for purpose, consent in given.items()
    )


#: What ``lead_record_qualification`` writes from the rules' result.
QUALIFICATION_FIELDS = (
    "recommendation",
    "alternative",
    "confidence",
    "fit_score",
    "fit_grade",
    "needs_review",
    "ruleset_version",
    "classification",
    "classified_at",
)


def lead_record_qualification(
    *,
    lead_id: int,
    recommendation: str,
    alternative: str | None,
    confidence: float,
    fit_score: int,
    fit_grade: str,
    needs_review: bool,
    ruleset_version: int,
    classification: Mapping[str, Any],
    savepoint: bool = True,
) -> Lead | None:
    """Store what the rules computed on the lead. Returns None if the lead is gone.

    A new computation clears an earlier person's review: they reviewed another result.
    ``savepoint`` as in :func:`contact_find_or_create`.
    """
    with transaction.atomic(savepoint=savepoint):
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            return None
        first_classification = lead.classified_at is None
        lead.recommendation = recommendation
        lead.alternative = alternative or ""
        lead.confidence = confidence
        lead.fit_score = fit_score
        lead.fit_grade = fit_grade
        lead.needs_review = needs_review
        lead.ruleset_version = ruleset_version
        lead.classification = dict(classification)
        lead.classified_at = timezone.now()
        lead.reviewed_by = None
        lead.reviewed_at = None
        lead.save(update_fields=[*QUALIFICATION_FIELDS, "reviewed_by", "reviewed_at", "updated_at"])
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.CLASSIFIED,
            to_value=recommendation,
            note=f"ruleset v{ruleset_version}",
        )
        if (
            first_classification
            and lead.practice_notified_at is None
            and fit_score >= app_settings.NOTIFY_FIT_SCORE_AT_LEAST
        ):
            _notify_practice_after_commit(lead.pk)
        return lead


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
    return lead


def lead_request_reclassification(
    *, lead_ids: Iterable[int], requested_by: AbstractBaseUser | None = None
) -> None:
    """Ask whoever scores leads (the qualification app) to score these again."""
    from .signals import reclassification_requested

    reclassification_requested.send(sender=Lead, lead_ids=list(lead_ids), requested_by=requested_by)


@transaction.atomic
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


def _notify_practice_after_commit(lead_id: int) -> None:
    """Queue the new-lead e-mail once the transaction commits.

    A broker that is down is logged, not raised: the classification is committed by
    then, and a notification must never fail the work that triggered it.
    """
    from .tasks import notify_new_lead

    def send_notify_new_lead() -> None:
        notify_new_lead.delay(lead_id)

    transaction.on_commit(send_notify_new_lead, robust=True)


def _notify_return_after_commit(lead_id: int, changes: int) -> None:
    """Queue the "your prospect came back" e-mail once the transaction commits (a broker
    that is down is logged, not raised, as for :func:`_notify_practice_after_commit`)."""
    from .tasks import notify_returning_prospect

    def send_notify_returning_prospect() -> None:
        notify_returning_prospect.delay(lead_id, changes)

    transaction.on_commit(send_notify_returning_prospect, robust=True)


def lead_notify_return(*, lead_id: int, changes: int = 0) -> bool:
    """Tell the lead's owner (the practice's address when nobody owns it) that the
    prospect posted the questionnaire again, with how many changes they proposed.

    In the owner's language. Returns True when an e-mail went out, False when the lead
    is gone or there is nobody to tell.
    """
    from .selectors import staff_language

    lead = Lead.objects.select_related("contact", "company", "owner").filter(pk=lead_id).first()
    if lead is None:
        return False
    if lead.owner_id and lead.owner.email:
        recipient, language = lead.owner.email, staff_language(lead.owner)
    elif app_settings.PRACTICE_EMAIL:
        recipient, language = app_settings.PRACTICE_EMAIL, app_settings.PRACTICE_LANGUAGE
    else:
        return False
    with translation.override(language):
        context = {
            "lead": lead,
            "changes": changes,
            "lead_url": _absolute_url(reverse("admin:crm_lead_change", args=[lead.pk])),
        }
        subject = render_to_string("crm/email/returning_prospect_subject.txt", context).strip()
        body = render_to_string("crm/email/returning_prospect.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    return True


def _absolute_url(path: str) -> str:
    return f"{app_settings.SITE_URL.rstrip('/')}{path}"


@transaction.atomic
def lead_notify_practice(*, lead_id: int) -> bool:
    """E-mail the practice about a promising new lead, once per lead.

    Returns True when the e-mail went out now, False when there was nothing to do
    (lead gone, already announced, or no practice address configured).
    """
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact", "company")
        .filter(pk=lead_id)
        .first()
    )
    recipient = app_settings.PRACTICE_EMAIL
    if lead is None or lead.practice_notified_at is not None or not recipient:
        return False
    with translation.override(app_settings.PRACTICE_LANGUAGE):
        context = {
            "lead": lead,
            "lead_url": _absolute_url(reverse("admin:crm_lead_change", args=[lead.pk])),
        }
        subject = render_to_string("crm/email/new_lead_subject.txt", context).strip()
        body = render_to_string("crm/email/new_lead.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    lead.practice_notified_at = timezone.now()
    lead.save(update_fields=["practice_notified_at", "updated_at"])
    return True


@transaction.atomic
def staff_profile_set_language(*, user: AbstractBaseUser, language: str) -> StaffProfile:
    """Choose the language of a staff member's e-mails (reminders)."""
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=user)
    if profile.language != language:
        profile.language = language
        profile.save(update_fields=["language", "updated_at"])
    return profile


def api_token_allowed(*, user: AbstractBaseUser) -> bool:
    """Whether ``user`` may hold a staff API token: active staff who may see leads
    (a token is only good for the staff API, which needs that much)."""
    return user.is_active and user.is_staff and user.has_perm("crm.view_lead")


@transaction.atomic
def api_token_rotate(*, user: AbstractBaseUser) -> Token:
    """Replace ``user``'s staff API token: the old one (if any) stops working at once.

    Raises ``PermissionDenied`` when ``user`` may not hold a token.
    """
    if not api_token_allowed(user=user):
        raise PermissionDenied(_("Only staff who may see leads hold an API token."))
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def follow_up_digests_send(*, now: datetime | None = None) -> int:
    """Send each owner one e-mail of their follow-ups due today and overdue.

    Sent at most once a day per owner (a second run the same day sends nothing),
    in the owner's language. Returns how many e-mails went out.
    """
    from .selectors import follow_ups_due_by_owner

    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for owner, items in follow_ups_due_by_owner(until=now).items():
        if not owner.email:
            continue
        if _follow_up_digest_send_one(owner=owner, items=items, today=today, now=now):
            sent += 1
    return sent


@transaction.atomic
def _follow_up_digest_send_one(*, owner, items, today, now) -> bool:
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=owner)
    if profile.follow_up_digest_sent_on == today:
        return False
    start_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    overdue = [item for item in items if item.due_at < start_of_today]
    due_today = [item for item in items if item.due_at >= start_of_today]
    with translation.override(profile.language):
        context = {
            "owner": owner,
            "overdue": overdue,
            "due_today": due_today,
            "count": len(items),
            "today": today,
            "leads_url": _absolute_url(reverse("admin:crm_lead_changelist") + "?mine=1"),
        }
        subject = render_to_string("crm/email/follow_up_digest_subject.txt", context).strip()
        body = render_to_string("crm/email/follow_up_digest.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
    profile.follow_up_digest_sent_on = today
    profile.save(update_fields=["follow_up_digest_sent_on", "updated_at"])
    return True


def _lead_follow_up_after(*, lead: Lead, stored: Activity | None, activity: Activity | None):
    """Keep the lead's next follow-up in step when an activity changes or goes.

    ``stored`` is the activity as it was, ``activity`` as it is now (None: deleted).
    If the old one was the lead's next follow-up and no longer is an open one at that
    time, the follow-up moves to the lead's next open activity (or is cleared); a new
    open due time that comes sooner becomes the follow-up.
    """
    was_the_follow_up = (
        stored is not None
        and stored.due_at is not None
        and stored.done_at is None
        and lead.next_follow_up_at == stored.due_at
    )
    due_at = activity.due_at if activity is not None else None
    is_open = activity is not None and due_at is not None and activity.done_at is None
    if was_the_follow_up and not (is_open and due_at == lead.next_follow_up_at):
        next_open = (
            Activity.objects.filter(lead=lead, done_at__isnull=True, due_at__isnull=False)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
        lead_set_follow_up(lead=lead, at=next_open)
    elif is_open and (lead.next_follow_up_at is None or due_at < lead.next_follow_up_at):
        lead_set_follow_up(lead=lead, at=due_at)


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    kind: str,
    body: str = "",
    due_at: datetime | None = None,
    done_at: datetime | None = None,
    owner: AbstractBaseUser | None = None,
) -> Activity:
    """Change an activity; the lead's next follow-up follows its open activities.

    When the activity that set the lead's next follow-up is done (or moved), the
    follow-up moves to the lead's next open activity (or is cleared).
    """
    stored = Activity.objects.select_for_update().get(pk=activity.pk)
    lead = Lead.objects.select_for_update().get(pk=stored.lead_id)
    old = Activity(due_at=stored.due_at, done_at=stored.done_at)
    stored.kind = kind
    stored.body = body
    stored.due_at = due_at
    stored.done_at = done_at
    stored.owner = owner
    stored.save()
    _lead_follow_up_after(lead=lead, stored=old, activity=stored)
    return stored


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    """Remove an activity; the lead's next follow-up moves on if it was this one."""
    stored = Activity.objects.select_for_update().filter(pk=activity.pk).first()
    if stored is None:
        return
    lead = Lead.objects.select_for_update().get(pk=stored.lead_id)
    stored.delete()
    _lead_follow_up_after(lead=lead, stored=stored, activity=None)


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    email: str,
    first_name: str,
    last_name: str = "",
    phone: str = "",
    job_title: str = "",
    language: str = "fr",
) -> Contact:
    """Correct a contact's details (the e-mail is stored normalized)."""
    contact.email = normalize_email(email)
    contact.first_name = first_name
    contact.last_name = last_name
    contact.phone = phone
    contact.job_title = job_title
    contact.language = language
    contact.save()
    return contact


@transaction.atomic
def company_update(*, company: Company, name: str, website: str = "") -> Company:
    """Correct a company's name or web site."""
    company.name = name
    company.website = website
    company.save(update_fields=["name", "website", "updated_at"])
    return company


@transaction.atomic
def activity_create(
    *,
    lead: Lead,
    kind: str,
    body: str = "",
    due_at: datetime | None = None,
    done_at: datetime | None = None,
    owner: AbstractBaseUser | None = None,
) -> Activity:
    """Log a note, call, e-mail or meeting; a due one becomes the lead's next follow-up
    when it comes sooner than the one already set."""
    activity = Activity.objects.create(
        lead=lead, kind=kind, body=body, due_at=due_at, done_at=done_at, owner=owner
    )
    if (
        due_at
        and not done_at
        and (lead.next_follow_up_at is None or due_at < lead.next_follow_up_at)
    ):
        lead_set_follow_up(lead=lead, at=due_at)
    return activity


# --- Bulk qualification writes (re-scoring many leads at once) -------------------------
# This section's own imports, kept here so it stays one block at the end of the file.

import json  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from django.db import connections, router  # noqa: E402


@dataclass(frozen=True, slots=True)
class LeadQualification:
    """One lead's computed result, as ``lead_record_qualification`` takes it."""

    lead_id: int
    recommendation: str
    alternative: str | None
    confidence: float
    fit_score: int
    fit_grade: str
    needs_review: bool
    ruleset_version: int
    #: The computed outcome, as a dict or already encoded as JSON (one of the two).
    classification: Mapping[str, Any] | None = None
    classification_json: str | None = None


def json_param_from_encoded(connection, field, encoded: str):
    """A query parameter for JSON column ``field`` from text that is already JSON."""
    if connection.vendor == "sqlite":
        return encoded
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(encoded, dumps=_as_is)
    return field.get_db_prep_save(json.loads(encoded), connection)


def _as_is(text: str) -> str:
    return text


#: What a person reviewed: when one of these changes, their review no longer applies.
_REVIEWED_FIELDS = ("recommendation", "alternative", "needs_review", "fit_grade")


@transaction.atomic
def leads_bulk_record_qualification(
    *, results: Sequence[LeadQualification], note: str = ""
) -> dict[int, tuple[str, str, bool, str]]:
    """Store many computed results in a few statements (re-scoring thousands of leads).

    Writes the same fields as ``lead_record_qualification``, with plain SQL statements
    run once per batch (``bulk_update`` and ``bulk_create`` cost more than the scoring).
    Only leads whose result changed (recommendation, alternative, needs review or fit
    grade) lose an earlier person's review and get a history line, since the person
    reviewed the same result otherwise. Leads that are gone are skipped. Returns, for
    each lead written, its previous ``(recommendation, alternative, needs_review,
    fit_grade)``.
    """
    if not results:
        return {}
    previous = {
        row[0]: row[1:]
        for row in Lead.objects.filter(pk__in=[r.lead_id for r in results]).values_list(
            "pk", *_REVIEWED_FIELDS
        )
    }
    now = timezone.now()
    fields = [*QUALIFICATION_FIELDS, "updated_at"]
    db = router.db_for_write(Lead)
    connection = connections[db]
    meta = Lead._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in fields)
    clear_review = ", ".join(
        f"{quote(meta.get_field(name).column)} = NULL" for name in ("reviewed_by", "reviewed_at")
    )
    pk = quote(meta.pk.column)
    # Plain values go to the driver as they are; the JSON and the time are adapted
    # by their fields, the time once for the whole batch.
    json_field = meta.get_field("classification")
    stamp = meta.get_field("classified_at").get_db_prep_save(now, connection)
    changed_rows, same_rows, events = [], [], []
    for r in results:
        before = previous.get(r.lead_id)
        if before is None:
            continue
        row = (
            r.recommendation, r.alternative or "", r.confidence, r.fit_score, r.fit_grade,
            r.needs_review, r.ruleset_version,
            json_field.get_db_prep_save(dict(r.classification), connection)
            if r.classification_json is None
            else json_param_from_encoded(connection, json_field, r.classification_json),
            stamp, stamp,
            r.lead_id,
        )  # fmt: skip
        if before != (r.recommendation, r.alternative or "", r.needs_review, r.fit_grade):
            changed_rows.append(row)
            events.append(
                (
                    stamp,
                    stamp,
                    r.lead_id,
                    LeadEvent.Kind.CLASSIFIED.value,
                    before[0],
                    r.recommendation,
                    note or f"ruleset v{r.ruleset_version}",
                )  # fmt: skip
            )
        else:
            same_rows.append(row)
    with connection.cursor() as cursor:
        if changed_rows:
            cursor.executemany(
                f"UPDATE {table} SET {assignments}, {clear_review} WHERE {pk} = %s", changed_rows
            )
        if same_rows:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", same_rows)
        if events:
            event_meta = LeadEvent._meta
            columns = ", ".join(
                quote(event_meta.get_field(name).column)
                for name in (
                    "created_at",
                    "updated_at",
                    "lead",
                    "kind",
                    "from_value",
                    "to_value",
                    "note",
                )  # fmt: skip
            )
            cursor.executemany(
                f"INSERT INTO {quote(event_meta.db_table)} ({columns}) "
                f"VALUES (%s, %s, %s, %s, %s, %s, %s)",
                events,
            )
    return {r.lead_id: previous[r.lead_id] for r in results if r.lead_id in previous}
