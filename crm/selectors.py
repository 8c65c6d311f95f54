"""Reads of the pipeline that are more than a ``.get``: lists, figures, what is due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    OPEN_STAGES,
    Activity,
    Consent,
    Contact,
    Language,
    Lead,
    PrivacyRequest,
    ProposedChange,
    Recommendation,
    StaffProfile,
    Stage,
)

#: What the list and the dashboard call a lead with no recommendation yet.
PENDING = "pending"


def recommendation_in_force_q(value: str) -> Q:
    """Leads whose recommendation in force (the override's, else the computed one) is ``value``.

    ``"pending"`` finds leads not classified yet and not overridden.
    """
    if value == PENDING:
        return Q(override_recommendation="", recommendation="")
    return Q(override_recommendation=value) | Q(override_recommendation="", recommendation=value)


def overdue_q(now: datetime) -> Q:
    """Open leads whose next follow-up is past."""
    return Q(stage__in=OPEN_STAGES, next_follow_up_at__lt=now)


def lead_list() -> QuerySet[Lead]:
    """Leads with everything a list shows in the same query (no query per row)."""
    return Lead.objects.select_related("contact", "company", "owner", "reviewed_by", "override_by")


def staff_language(user: AbstractBaseUser | None) -> str:
    """The language a staff member reads their e-mails in (French unless they chose)."""
    if user is None or not user.pk:
        return Language.FR
    profile = StaffProfile.objects.filter(user=user).only("language").first()
    return profile.language if profile else Language.FR


def _in_language(texts: Any, language: str) -> str:
    """``{"fr": ..., "en": ...}`` in the asked language, else French, else whatever there is."""
    if not isinstance(texts, dict):
        return "" if texts is None else str(texts)
    text = texts.get(language) or texts.get(Language.FR) or next(iter(texts.values()), "")
    if isinstance(text, list | tuple):
        return ", ".join(str(part) for part in text)
    return str(text)


def lead_answers_display(lead: Lead, language: str) -> list[dict[str, str]]:
    """The lead's answers as question and answer text in ``language``, questionnaire order."""
    language = (language or Language.FR)[:2]
    return [
        {
            "key": row.get("key", ""),
            "question": _in_language(row.get("question"), language),
            "answer": _in_language(row.get("answer"), language),
        }
        for row in (lead.answers_display or [])
        if isinstance(row, dict)
    ]


#: What each explanation line's ``effect`` means, for people.
EFFECT_LABELS = {
    "consultant": _("toward a consultant"),
    "fractional_cmo": _("toward a fractional CMO"),
    "review": _("calls for a review"),
    "advisor": _("toward an advisor"),
    "interim_director": _("toward an interim director"),
    "full_time_hire": _("toward a full-time hire"),
    "fit": _("fit"),
}


def lead_explanation_display(lead: Lead, language: str) -> list[dict[str, Any]]:
    """The classification's explanation lines in ``language``.

    Each line's question and answer are shown with the questionnaire's wording
    (from the lead's ``answers_display``) when it is there, else as their keys.
    """
    language = (language or Language.FR)[:2]
    wording = {row["key"]: row for row in lead_answers_display(lead, language)}
    lines = (lead.classification or {}).get("explanation") or []
    shown = []
    for line in lines:
        if not isinstance(line, dict):
            continue
        key = str(line.get("question", ""))
        answer = line.get("answer", "")
        effect = line.get("effect", "")
        # A line about answers that contradict each other names several questions,
        # "involvement+horizon": each is shown in words, joined by "+".
        keys = key.split("+")
        known = all(part in wording for part in keys)
        shown.append(
            {
                "key": key,
                "question": " + ".join(wording[part]["question"] for part in keys)
                if known
                else key,
                "answer": " + ".join(wording[part]["answer"] for part in keys)
                if known
                else (", ".join(answer) if isinstance(answer, list) else answer),
                "effect": effect,
                "effect_label": EFFECT_LABELS.get(effect, effect),
                "weight": line.get("weight"),
                "reason": line.get(f"reason_{language}") or line.get("reason", ""),
            }
        )
    return shown


# --- Follow-ups ---------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """One thing an owner has to do: a lead's next follow-up or an open activity."""

    lead: Lead
    due_at: datetime
    activity: Activity | None = None


def end_of_day(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def follow_ups_due_by_owner(*, until: datetime) -> dict[AbstractBaseUser, list[FollowUp]]:
    """Per owner, the follow-ups due before the end of ``until``'s day (so overdue ones too).

    Lead follow-ups and open activities of open leads, oldest first. An activity and
    its lead's follow-up at the same time are one thing to do: only the activity shows.
    """
    limit = end_of_day(until)
    per_owner: dict[int, list[FollowUp]] = defaultdict(list)
    owners: dict[int, AbstractBaseUser] = {}
    activities = Activity.objects.filter(
        owner__isnull=False,
        owner__is_active=True,
        done_at__isnull=True,
        due_at__lt=limit,
        lead__stage__in=OPEN_STAGES,
    ).select_related("owner", "lead__contact", "lead__company")
    seen = set()
    for activity in activities:
        owners[activity.owner_id] = activity.owner
        per_owner[activity.owner_id].append(
            FollowUp(lead=activity.lead, due_at=activity.due_at, activity=activity)
        )
        seen.add((activity.owner_id, activity.lead_id, activity.due_at))
    leads = Lead.objects.filter(
        owner__isnull=False,
        owner__is_active=True,
        stage__in=OPEN_STAGES,
        next_follow_up_at__lt=limit,
    ).select_related("owner", "contact", "company")
    for lead in leads:
        if (lead.owner_id, lead.pk, lead.next_follow_up_at) in seen:
            continue
        owners[lead.owner_id] = lead.owner
        per_owner[lead.owner_id].append(FollowUp(lead=lead, due_at=lead.next_follow_up_at))
    return {
        owners[owner_id]: sorted(items, key=lambda item: item.due_at)
        for owner_id, items in per_owner.items()
    }


def overdue_follow_ups(*, now: datetime, owner: AbstractBaseUser | None = None, limit: int = 10):
    """The open leads most overdue for a follow-up (optionally one owner's), and how many."""
    leads = Lead.objects.filter(overdue_q(now))
    if owner is not None:
        leads = leads.filter(owner=owner)
    total = leads.count()
    first = list(
        leads.select_related("contact", "company", "owner").order_by("next_follow_up_at")[:limit]
    )
    return first, total


# --- Dashboard figures --------------------------------------------------------------


def pipeline_summary(*, now: datetime, weeks: int = 8) -> dict[str, Any]:
    """The dashboard's figures, in a handful of grouped queries whatever the table size.

    - ``by_stage``: ``{stage: count}`` in pipeline order;
    - ``by_recommendation``: ``{recommendation in force or "pending": count}``;
    - ``conversion``: per recommendation in force, leads, won, and won/leads;
    - ``new_this_week``: leads created since Monday 00:00 (local time);
    - ``weekly``: ``[(week start date, new leads)]`` for the last ``weeks`` weeks;
    - ``overdue_activities``: open activities past their due time.
    """
    rows = (
        Lead.objects.order_by()
        .values("override_recommendation", "recommendation", "stage")
        .annotate(n=Count("id"))
    )
    by_stage = dict.fromkeys(Stage.values, 0)
    by_recommendation = dict.fromkeys([*Recommendation.values, PENDING], 0)
    won = dict.fromkeys(by_recommendation, 0)
    for row in rows:
        in_force = row["override_recommendation"] or row["recommendation"] or PENDING
        by_stage[row["stage"]] = by_stage.get(row["stage"], 0) + row["n"]
        by_recommendation[in_force] = by_recommendation.get(in_force, 0) + row["n"]
        if row["stage"] == Stage.WON:
            won[in_force] = won.get(in_force, 0) + row["n"]
    conversion = {
        key: {
            "leads": by_recommendation[key],
            "won": won.get(key, 0),
            "rate": (won.get(key, 0) / by_recommendation[key]) if by_recommendation[key] else None,
        }
        for key in by_recommendation
    }

    local = timezone.localtime(now)
    week_start = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    first_week = week_start - timedelta(weeks=weeks - 1)
    # One pass over the created_at index, a conditional count per week (no date
    # function evaluated on every row).
    starts = [first_week + timedelta(weeks=i) for i in range(weeks + 1)]
    per_week = Lead.objects.filter(created_at__gte=first_week).aggregate(
        **{
            f"week{i}": Count(
                "id", filter=Q(created_at__gte=starts[i], created_at__lt=starts[i + 1])
            )
            for i in range(weeks)
        }
    )
    weekly = [(starts[i].date(), per_week[f"week{i}"]) for i in range(weeks)]
    return {
        "by_stage": by_stage,
        "by_recommendation": by_recommendation,
        "conversion": conversion,
        "new_this_week": weekly[-1][1],
        "weekly": weekly,
        "overdue_activities": Activity.objects.filter(
            done_at__isnull=True, due_at__lt=now, lead__stage__in=OPEN_STAGES
        ).count(),
    }


def staff_users() -> QuerySet:
    """Active staff members, the people a lead can be given to."""
    User = get_user_model()
    return User.objects.filter(is_staff=True, is_active=True).order_by(User.USERNAME_FIELD)


def consent_in_force(*, contact_id: int, purpose: str) -> Consent | None:
    """The consent that counts now for this purpose: the latest confirmed one (granted or
    refused), or None when none was ever confirmed. Unconfirmed ones (given in a post for
    an address already known) are evidence only."""
    return (
        Consent.objects.filter(contact_id=contact_id, purpose=purpose, confirmed_at__isnull=False)
        .order_by("-confirmed_at", "-id")
        .first()
    )


def lead_pending_changes(*, lead_id: int) -> list[ProposedChange]:
    """The lead's proposed changes still to decide, in a stable order."""
    return list(
        ProposedChange.objects.filter(lead_id=lead_id, status=ProposedChange.Status.PENDING)
        .select_related("lead")
        .order_by("field", "pk")
    )


@dataclass(frozen=True)
class ProposedChangeRow:
    """One line of a proposed change as staff read it: what is stored, what was posted."""

    label: str
    stored: str
    proposed: str


def _answers_in(value: Any, language: str) -> dict[str, tuple[str, str]]:
    rows = (value or {}).get("answers_display") if isinstance(value, dict) else None
    shown = {}
    for row in rows or []:
        if isinstance(row, dict):
            shown[str(row.get("key", ""))] = (
                _in_language(row.get("question"), language),
                _in_language(row.get("answer"), language),
            )
    return shown


def proposed_change_rows(change: ProposedChange, language: str) -> list[ProposedChangeRow]:
    """What a proposed change would change, line by line in ``language``: one line for a
    detail, one per question whose answer differs for the answers."""
    language = (language or Language.FR)[:2]
    if change.field != ProposedChange.Field.ANSWERS:
        stored, proposed = change.current, change.proposed
        if change.field == ProposedChange.Field.LANGUAGE:
            labels = dict(Language.choices)
            stored, proposed = labels.get(stored, stored), labels.get(proposed, proposed)
        return [
            ProposedChangeRow(
                label=str(change.get_field_display()),
                stored="" if stored is None else str(stored),
                proposed="" if proposed is None else str(proposed),
            )
        ]
    before = _answers_in(change.current, language)
    after = _answers_in(change.proposed, language)
    rows = []
    for key in [*after, *(key for key in before if key not in after)]:
        question, old = before.get(key, ("", ""))
        new_question, new = after.get(key, ("", ""))
        if old != new:
            rows.append(ProposedChangeRow(label=new_question or question, stored=old, proposed=new))
    return rows


def lead_ids_in_order(*, since: datetime | None = None) -> QuerySet:
    """Leads' ids, ascending, created at or after ``since`` when given (for work done in
    batches over many leads: re-scoring)."""
    leads = Lead.objects.order_by("pk")
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    return leads.values_list("pk", flat=True)


# --- Where leads come from -----------------------------------------------------------


def leads_by_source(*, limit: int = 10) -> list[dict[str, Any]]:
    """Per channel (form, API, import), UTM source and campaign, the most common first:
    ``leads``, ``fit`` (the average fit score of the classified ones, or None), ``won``
    and ``rate`` (won / leads, as the dashboard's conversion table counts). One grouped
    query whatever the table size."""
    rows = (
        Lead.objects.order_by()
        .values("source", "utm_source", "utm_campaign")
        .annotate(
            leads=Count("id"),
            won=Count("id", filter=Q(stage=Stage.WON)),
            fit=Avg("fit_score"),
        )
        .order_by("-leads", "source", "utm_source", "utm_campaign")[:limit]
    )
    return [{**row, "rate": row["won"] / row["leads"] if row["leads"] else None} for row in rows]


def common_values(field: str, *, limit: int = 12) -> list[str]:
    """The most frequent non-empty values of a lead's text column (``utm_source``,
    ``utm_campaign``), most frequent first: what a list filter offers."""
    return list(
        Lead.objects.order_by()
        .exclude(**{field: ""})
        .values_list(field, flat=True)
        .annotate(n=Count("id"))
        .order_by("-n", field)[:limit]
    )


# --- The prospect's own view (their private page, the links in their e-mails) ---------


def contact_for_link(*, contact_id: int, email: str) -> Contact | None:
    """The contact a signed link names, with its company, when it still has the address
    the link was made for (a changed or erased address makes old links lead nowhere)."""
    from .services.base import normalize_email

    return (
        Contact.objects.select_related("company")
        .filter(pk=contact_id, email=normalize_email(email))
        .first()
    )


def contact_by_email(*, email: str) -> Contact | None:
    """The contact with this address (any case, any spaces), or None."""
    from .services.base import normalize_email

    return Contact.objects.filter(email=normalize_email(email)).first()


def contact_leads(*, contact_id: int) -> list[Lead]:
    """The contact's leads, newest first."""
    return list(Lead.objects.filter(contact_id=contact_id).order_by("-created_at", "-pk"))


def contact_consents(*, contact_id: int) -> list[Consent]:
    """Every consent the contact gave or withdrew, oldest first (the evidence as kept)."""
    return list(Consent.objects.filter(contact_id=contact_id).order_by("created_at", "pk"))


def contact_privacy_requests(*, contact_id: int) -> list[PrivacyRequest]:
    """The contact's privacy requests, newest first."""
    return list(
        PrivacyRequest.objects.filter(contact_id=contact_id).order_by("-received_at", "-pk")
    )


def consents_awaiting_confirmation(*, contact_id: int, lead_id: int, given_at) -> list[Consent]:
    """The grants recorded for one post (same contact, lead and time) that do not count
    until confirmed from the person's mailbox."""
    return list(
        Consent.objects.filter(
            contact_id=contact_id,
            lead_id=lead_id,
            created_at=given_at,
            granted=True,
            confirmed_at__isnull=True,
        ).order_by("pk")
    )


def consents_by_ids(*, consent_ids) -> list[Consent]:
    """These consents with their contact (a confirmation link's), in id order."""
    return list(
        Consent.objects.filter(pk__in=list(consent_ids)).select_related("contact").order_by("pk")
    )


# --- Imports: who is known, who was erased ------------------------------------------------


def contacts_by_email(emails: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored contacts among ``emails`` (normalized already), keyed by e-mail: their
    id, details and company, as plain values (an import compares them field by field)."""
    found: dict[str, dict[str, Any]] = {}
    emails = list(emails)
    for start in range(0, len(emails), 500):  # SQLite takes at most 999 parameters
        for row in Contact.objects.filter(email__in=emails[start : start + 500]).values(
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "job_title",
            "language",
            "company_id",
            "company__name",
            "company__website",
        ):
            found[row["email"]] = row
    return found


# The privacy operations' reads (Law 25, CASL) live in their own module; their names are
# the crm's selectors like the others (``crm.selectors.email_is_erased``, ...).
from .selectors_privacy import (  # noqa: E402, F401
    contact_consent_history,
    email_is_erased,
    emails_erased,
    lead_has_open_follow_ups,
    overdue_privacy_requests,
    privacy_handlers,
    privacy_notice_facts,
)
