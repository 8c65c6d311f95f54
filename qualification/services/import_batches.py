"""One batch of an import's rows: planned (new, update, skip or error, with the reasons),
then written in one transaction (every row whole, or none of the batch).

New people are written in bulk (``crm.services.people_import``); rows with complete
answers get a Submission (channel ``import``) scored in the same transaction with the
current ruleset: one Classification each, the result on the lead
(``crm.services.leads_bulk_record_qualification``), as the worker would do one by one.
Decision (issue 14): the worker's one-task-a-submission path classifies about 140 leads
a second, so 100,000 imported rows would wait twelve minutes; a batch here is a few
statements (bench/bench_import.py). With no ruleset published the submissions stay
pending, and the sweep sends them to the worker's normal path.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import fast_sql
from crm import selectors as crm_selectors
from crm import services as crm_services
from crm.choices import ConsentPurpose

from .. import scoring
from ..importing.report import ERROR, NEW, SKIP, UPDATE
from ..importing.rows import Row, RowReader
from ..intake import answers_display
from ..models import Questionnaire, Submission
from ..results import qualification_result
from .reclassification import classifications_insert

#: What a known contact's row is compared on: (label, the row's value, the stored value).
_COMPARED = (
    ("first_name", "contact", "first_name", "first_name"),
    ("last_name", "contact", "last_name", "last_name"),
    ("phone", "contact", "phone", "phone"),
    ("job_title", "contact", "job_title", "job_title"),
    ("company_name", "company", "name", "company__name"),
    ("company_website", "company", "website", "company__website"),
)


@dataclass
class Planned:
    line: int
    outcome: str
    email: str
    reasons: list[str] = field(default_factory=list)
    row: Row | None = None
    contact_id: int | None = None
    fill: bool = False
    refused: dict[str, Any] = field(default_factory=dict)
    classify: bool = False


def plan_batch(
    records: list[tuple[int, list[str] | None, str]],
    reader: RowReader,
    seen: dict[str, int],
    *,
    can_classify: bool,
) -> list[Planned]:
    """What each record becomes; ``seen`` (e-mail -> line of earlier batches) is read only."""
    planned: list[Planned] = []
    rows: list[Row] = []
    for line, cells, problem in records:
        if cells is None:
            reason = _("This row cannot be read as CSV (%(problem)s).") % {"problem": problem}
            planned.append(Planned(line, ERROR, "", [reason]))
            continue
        row, errors = reader.read(line, cells)
        if row is None:
            index = reader.columns.get("email")
            email = cells[index].strip() if index is not None and index < len(cells) else ""
            planned.append(Planned(line, ERROR, email, errors))
        else:
            planned.append(Planned(line, NEW, row.email, list(row.notes), row=row))
            rows.append(row)
    emails = [row.email for row in rows]
    erased = crm_selectors.emails_erased(emails)
    known = crm_selectors.contacts_by_email(emails)
    here: dict[str, int] = {}
    for item in planned:
        row = item.row
        if row is None:
            continue
        first = seen.get(row.email) or here.get(row.email)
        if row.email in erased:
            item.outcome, item.reasons = SKIP, [_("Erased: this person asked to be forgotten.")]
        elif first:
            item.outcome = SKIP
            item.reasons = [
                _("Same e-mail as line %(line)d: only that row counts.") % {"line": first}
            ]
        elif row.email in known:
            _plan_known(item, known[row.email])
        else:
            _plan_new(item, can_classify=can_classify)
        if item.outcome != ERROR and not first:
            here[row.email] = row.line
    return planned


def _plan_known(item: Planned, stored: dict[str, Any]) -> None:
    """A person already known: fill what is empty, never overwrite; the rest is reported."""
    row = item.row
    item.contact_id = stored["id"]
    filled, differences = [], []
    for name, part, key, stored_key in _COMPARED:
        given, current = getattr(row, part)[key], stored[stored_key] or ""
        if not given or given == current:
            continue
        if not current and (key in crm_services.FILLABLE_CONTACT_FIELDS or key == "website"):
            filled.append(name)
        elif given.casefold() != current.casefold():
            differences.append(
                _("%(field)s differs (kept “%(stored)s”, the file has “%(given)s”).")
                % {"field": _field_label(name), "stored": current[:60], "given": given[:60]}
            )
    marketing = row.consents.get(ConsentPurpose.MARKETING)
    if marketing is not None and not marketing["granted"]:
        in_force = crm_selectors.consent_in_force(
            contact_id=stored["id"], purpose=ConsentPurpose.MARKETING
        )
        if in_force is not None and in_force.granted:
            item.refused[ConsentPurpose.MARKETING] = marketing
    elif marketing is not None:
        differences.append(_("Consents of a known person are not changed by an import."))
    if row.answers:
        differences.append(_("Answers left out: this person is already known."))
    item.fill = bool(filled)
    if filled or item.refused:
        item.outcome = UPDATE
        names = [_field_label(name) for name in filled]
        if item.refused:
            names.append(_("marketing consent withdrawn"))
        item.reasons = [_("Known contact; filled: %(fields)s.") % {"fields": ", ".join(names)}]
    else:
        item.outcome = SKIP
        item.reasons = [_("Known contact: nothing to fill.")]
    item.reasons += differences + row.notes


def _plan_new(item: Planned, *, can_classify: bool) -> None:
    row = item.row
    missing = []
    if not row.contact["first_name"]:
        missing.append(_("A new contact needs a first name."))
    if not row.company["name"]:
        missing.append(_("A new contact needs a company name."))
    if missing:
        item.outcome, item.reasons = ERROR, missing
        return
    if row.answers_complete:
        item.classify = True
        item.reasons.append(
            _("Classified.") if can_classify else _("Classified once a ruleset is published.")
        )
    elif row.missing_answers:
        item.reasons.append(
            _("Not classified: unanswered %(keys)s.") % {"keys": ", ".join(row.missing_answers)}
        )
    else:
        item.reasons.append(_("Not classified: no answers."))


def _field_label(name: str) -> str:
    from ..importing.mapping import FIELDS

    return str(FIELDS[name][0])


def write_batch(
    planned: list[Planned],
    *,
    questionnaire: Questionnaire,
    scoring_target: tuple[int, int, scoring.CompiledRuleset] | None,
    source_name: str,
    consent_source: str,
    job_id: int,
) -> int:
    """Write a planned batch in one transaction; returns how many rows were classified."""
    now = timezone.now()
    new = [item for item in planned if item.outcome == NEW]
    with transaction.atomic():
        for item in planned:
            if item.outcome != UPDATE:
                continue
            if item.fill:
                crm_services.contact_fill_empty(
                    contact_id=item.contact_id, contact=item.row.contact, company=item.row.company
                )
            if item.refused:
                crm_services.contact_record_refusals(
                    contact_id=item.contact_id,
                    refused=item.refused,
                    language=item.row.language,
                    source=consent_source,
                )
        displays = {id(item): _display(item.row.answers, questionnaire) for item in new}
        lead_ids = crm_services.people_import(
            people=[
                _person(item.row, displays[id(item)], source_name, consent_source) for item in new
            ],
            at=now,
        )
        to_classify = [item for item in new if item.classify]
        submissions = _submissions_insert(
            to_classify, lead_ids, questionnaire=questionnaire, consent_source=consent_source,
            job_id=job_id, now=now,
        )  # fmt: skip
        if scoring_target is None or not submissions:
            return 0
        ruleset_id, _version, compiled = scoring_target
        scored = [
            (pk, lead_ids[item.row.email], compiled.score(item.row.answers, item.row.language))
            for pk, item in submissions
        ]
        classifications_insert(
            [(pk, outcome) for pk, _lead, outcome in scored], ruleset_id=ruleset_id, now=now
        )
        Submission.objects.filter(pk__in=[pk for pk, _lead, _o in scored]).update(
            status=Submission.Status.CLASSIFIED, classified_at=now, updated_at=now
        )
        crm_services.leads_bulk_record_qualification(
            results=[(lead_id, qualification_result(o)) for _pk, lead_id, o in scored]
        )
        return len(scored)


def _submissions_insert(
    items: list[Planned],
    lead_ids: dict[str, int],
    *,
    questionnaire: Questionnaire,
    consent_source: str,
    job_id: int,
    now,
) -> list[tuple[int, Planned]]:
    """The rows' submissions (channel ``import``, filed under their new lead, pending),
    inserted in bulk (``crm.fast_sql``); returns ``(id, item)`` pairs."""
    stamp = fast_sql.time_param(Submission, "created_at", now)

    def as_json(field: str, value) -> Any:
        return fast_sql.json_param(Submission, field, json.dumps(value))

    ids = fast_sql.insert_rows_returning_ids(
        Submission,
        (
            "created_at", "updated_at", "public_id", "questionnaire", "lead", "channel",
            "language", "answers", "payload", "details", "status", "attempts", "last_error",
            "user_agent", "answers_adopted", "idempotency_scope", "idempotency_fingerprint",
        ),
        (
            (
                stamp, stamp, fast_sql.time_param(Submission, "public_id", uuid.uuid4()),
                questionnaire.pk, lead_ids[item.row.email], Submission.Channel.IMPORT.value,
                item.row.language, as_json("answers", item.row.answers),
                as_json("payload", {"import_job": job_id, "line": item.line}),
                as_json("details", _details(item.row, consent_source)),
                Submission.Status.PENDING.value, 0, "", "", True, "", "",
            )
            for item in items
        ),
    )  # fmt: skip
    return list(zip(ids, items, strict=True))


#: A question's answer as the intake labels it, per (questionnaire, question, value): a
#: few hundred distinct ones, however many rows (``intake.answers_display`` for each).
_DISPLAYS: dict[tuple, dict] = {}


def _display(answers: dict[str, Any], questionnaire: Questionnaire) -> list[dict]:
    rows = []
    for key, value in answers.items():
        cache_key = (questionnaire.pk, key, tuple(value) if isinstance(value, list) else value)
        shown = _DISPLAYS.get(cache_key)
        if shown is None:
            if len(_DISPLAYS) > 20_000:
                _DISPLAYS.clear()
            shown = _DISPLAYS[cache_key] = answers_display({key: value}, questionnaire)[0]
        rows.append(shown)
    return rows


def _person(row: Row, display: list, source_name: str, consent_source: str):
    utm = {key: row.source[key] for key in ("utm_source", "utm_medium", "utm_campaign")}
    if source_name and not utm["utm_source"]:
        utm["utm_source"] = source_name[:200]
    return crm_services.ImportedPerson(
        email=row.email,
        first_name=row.contact["first_name"],
        last_name=row.contact["last_name"],
        phone=row.contact["phone"],
        job_title=row.contact["job_title"],
        language=row.language,
        company_name=row.company["name"],
        company_website=row.company["website"],
        utm=utm,
        referrer=row.source["referrer"],
        answers=row.answers,
        answers_display=display,
        consents=row.consents,
        consent_source=consent_source,
    )


def _details(row: Row, consent_source: str) -> dict[str, Any]:
    """What the submission keeps, in the intake's shape (``details``)."""
    return {
        "contact": {"email": row.email, **row.contact},
        "company": dict(row.company),
        "consent": {
            purpose: {
                "granted": given["granted"],
                "wording_version": given["wording_version"],
                "wording": given["wording"],
            }
            for purpose, given in row.consents.items()
        },
        "consent_source": consent_source[:300],
        "source": dict(row.source),
    }
