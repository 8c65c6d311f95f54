"""The retention policy (Law 25, s. 23: kept no longer than the purpose needs), by kind
of record, from the settings (README "Privacy operations"):

- ``people``: a person whose leads are all lost, disqualified, or never answered (new or
  contacted), none won, without an open follow-up, and with no activity for
  ``CRM_RETENTION_INACTIVE_LEAD_MONTHS``, is anonymised (``person_erase``): the leads'
  pipeline facts stay;
- ``consent_evidence``: a consent's IP address, user agent and source are blanked
  ``CRM_RETENTION_CONSENT_EVIDENCE_YEARS`` after the consent ended (replaced by a later
  confirmed one, or never confirmed); the ledger row stays;
- ``exports``: a stored export is emptied after ``CRM_RETENTION_EXPORT_DAYS`` (its log
  line stays);
- ``incidents``: a confidentiality incident is deleted ``CRM_RETENTION_INCIDENT_YEARS``
  (at least 5) after the practice learned of it, never before;
- the other apps' kinds (``crm.personal_data`` providers): qualification deletes spam and
  failed submissions after their number of days.

:func:`retention_plan` lists what is due (ids by kind) without changing anything;
:func:`retention_apply` applies a plan, so a dry run and the real run that follows it do
exactly the same. Nothing of a lead with an open follow-up is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from .. import personal_data
from ..app_settings import app_settings
from ..choices import Stage
from ..models import (
    Activity,
    ConfidentialityIncident,
    Consent,
    Contact,
    Lead,
    LeadEvent,
    PrivacyExport,
)
from ..models_incidents import MINIMUM_YEARS_KEPT, years_after

#: Stages of a lead that nobody works any more, or that never got an answer.
DORMANT_STAGES = (Stage.LOST, Stage.DISQUALIFIED, Stage.NEW, Stage.CONTACTED)


@dataclass
class RetentionPlan:
    now: datetime
    items: dict[str, list[int]] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in self.items.items()}

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.items.values())


def _months_before(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * 30.44))


def _years_before(now: datetime, years: int) -> datetime:
    return now - timedelta(days=round(years * 365.25))


def _people_due(now: datetime) -> list[int]:
    from ..selectors import lead_has_open_follow_ups

    cutoff = _months_before(now, app_settings.RETENTION_INACTIVE_LEAD_MONTHS)
    candidates = (
        Contact.objects.filter(erased_at__isnull=True, updated_at__lt=cutoff)
        .exclude(leads__stage__in=[s for s in Stage.values if s not in DORMANT_STAGES])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    due = []
    for contact_id in candidates.iterator():
        lead_ids = list(Lead.objects.filter(contact_id=contact_id).values_list("pk", flat=True))
        latest = [
            Lead.objects.filter(pk__in=lead_ids).aggregate(
                at=Max("updated_at"), returned=Max("last_returned_at")
            ),
            Activity.objects.filter(lead_id__in=lead_ids).aggregate(
                at=Max("created_at"), returned=Max("done_at")
            ),
            LeadEvent.objects.filter(lead_id__in=lead_ids).aggregate(
                at=Max("created_at"), returned=Max("created_at")
            ),
        ]
        moments = [m for row in latest for m in row.values() if m is not None]
        if any(moment >= cutoff for moment in moments):
            continue
        if lead_has_open_follow_ups(lead_ids=lead_ids):
            continue
        due.append(contact_id)
    return due


def _consent_evidence_due(now: datetime) -> list[int]:
    cutoff = _years_before(now, app_settings.RETENTION_CONSENT_EVIDENCE_YEARS)
    rows = (
        Consent.objects.filter(created_at__lt=cutoff)
        .filter(Q(ip_address__isnull=False) | ~Q(user_agent="") | ~Q(source=""))
        .order_by("pk")
    )
    due = []
    for consent in rows.iterator():
        if consent.confirmed_at is None:
            due.append(consent.pk)  # never counted: ended when it was given
            continue
        replaced = (
            Consent.objects.filter(
                contact_id=consent.contact_id,
                purpose=consent.purpose,
                confirmed_at__gt=consent.confirmed_at,
            )
            .order_by("confirmed_at")
            .values_list("confirmed_at", flat=True)
            .first()
        )
        if replaced is not None and replaced < cutoff:
            due.append(consent.pk)
    return due


def _exports_due(now: datetime) -> list[int]:
    cutoff = now - timedelta(days=app_settings.RETENTION_EXPORT_DAYS)
    return list(
        PrivacyExport.objects.filter(content__isnull=False, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def incident_kept_until(incident: ConfidentialityIncident) -> date:
    years = max(MINIMUM_YEARS_KEPT, app_settings.RETENTION_INCIDENT_YEARS)
    return years_after(incident.discovered_to or incident.discovered_from, years)


def _incidents_due(now: datetime) -> list[int]:
    today = timezone.localdate(now)
    return [
        incident.pk
        for incident in ConfidentialityIncident.objects.order_by("pk")
        if incident_kept_until(incident) <= today
    ]


_OWN_KINDS: dict[str, Callable[[datetime], list[int]]] = {
    "people": _people_due,
    "consent_evidence": _consent_evidence_due,
    "exports": _exports_due,
    "incidents": _incidents_due,
}


def retention_plan(*, now: datetime | None = None) -> RetentionPlan:
    """What the retention policy would change now, by kind (ids); changes nothing."""
    now = now or timezone.now()
    plan = RetentionPlan(now=now)
    for kind, due in _OWN_KINDS.items():
        plan.items[kind] = due(now)
    for provider in personal_data.providers():
        if provider.retention_plan is not None:
            for kind, ids in provider.retention_plan(now).items():
                plan.items[f"{provider.name}.{kind}"] = list(ids)
    return plan


def _apply_one(kind: str, pk: int, now: datetime) -> int:
    from .erasure import AlreadyErased, OpenFollowUps, person_erase

    if kind == "people":
        try:
            person_erase(contact_id=pk, by=None, why="retention")
        except (AlreadyErased, OpenFollowUps, Contact.DoesNotExist):
            return 0  # changed since the plan: left alone
        return 1
    if kind == "consent_evidence":
        return Consent.objects.filter(pk=pk).update(
            ip_address=None, user_agent="", source="", updated_at=now
        )
    if kind == "exports":
        return PrivacyExport.objects.filter(pk=pk, content__isnull=False).update(
            content=None, content_removed_at=now, updated_at=now
        )
    if kind == "incidents":
        incident = ConfidentialityIncident.objects.filter(pk=pk).first()
        if incident is None or incident_kept_until(incident) > timezone.localdate(now):
            return 0
        incident.delete()
        return 1
    raise ValueError(kind)


def retention_apply(
    plan: RetentionPlan, *, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Apply ``plan`` (from :func:`retention_plan`), one row at a time, each in its own
    transaction; ``progress(1)`` after each. Returns what was done, by kind."""
    by_name = {p.name: p for p in personal_data.providers()}
    done: dict[str, int] = {}
    for kind, ids in plan.items.items():
        done[kind] = 0
        provider_name, _, provider_kind = kind.partition(".")
        for pk in ids:
            if provider_kind:
                provider = by_name.get(provider_name)
                count = provider.retention_apply(provider_kind, [pk]) if provider else 0
            else:
                count = _apply_one(kind, pk, plan.now)
            done[kind] += count
            if progress is not None:
                progress(1)
    return done
