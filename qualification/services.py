"""Every write of the qualification app: ``<noun>_<verb>``, keyword-only, typed, atomic."""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.contrib.auth.models import AbstractBaseUser
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
    router,
    transaction,
)
from django.db.models import F, Q
from django.db.models.constants import OnConflict
from django.utils import timezone

from crm import services as crm_services
from crm.models import Lead, LeadSource, ProposedChange
from crm.text import cleaned, without_control_characters

from . import publish, scoring
from .app_settings import app_settings
from .consent import WORDINGS
from .idempotency import IdempotencyKey, IdempotencyKeyReused, remembered_since
from .intake import answers_display, clean_answers
from .models import Classification, Questionnaire, Ruleset, Submission
from .selectors import (
    questionnaire_answer_keys,
    questionnaire_by_id,
    ruleset_compiled,
    ruleset_current_for_scoring,
    ruleset_get_current,
    submission_by_idempotency_key,
    submissions_latest_per_lead,
)

logger = logging.getLogger(__name__)


# --- Intake: storing submissions and sending them to be classified ------------------

#: The classification task, sent by name: the intake never imports the scoring code.
CLASSIFY_TASK = "qualification.tasks.classify_submission"

# A race on a unique row (the same new e-mail or Idempotency-Key posted twice at once)
# rolls back the loser's whole transaction; it then tries again and finds the winner.
_STORE_ATTEMPTS = 3


def submission_receipt(*, submission: Submission) -> dict[str, Any]:
    """The body of the ``202`` answer. Spam gets the very same one."""
    return {"id": str(submission.public_id), "status": Submission.Status.PENDING.value}


def _first_response(submission: Submission) -> dict[str, Any]:
    return {"status_code": 202, "body": submission_receipt(submission=submission)}


def _store_once(
    store: Callable[[], Submission], idempotency: IdempotencyKey | None
) -> tuple[Submission, bool]:
    """Run ``store`` (one transaction), or return the submission this client already
    stored with this key (raising IdempotencyKeyReused when it came with another body)."""

    def attempt() -> tuple[Submission, bool]:
        if idempotency is not None:
            first = submission_by_idempotency_key(key=idempotency.key, scope=idempotency.scope)
            if first is not None:
                if first.idempotency_fingerprint != idempotency.fingerprint:
                    raise IdempotencyKeyReused(idempotency.key)
                return first, False
        return store(), True

    return _retrying_races(attempt, "Submission store")


def _forget_expired_key(idempotency: IdempotencyKey) -> None:
    """Free this client's key if it was last used longer ago than keys are remembered
    (run inside the storing transaction, before the insert that takes the key)."""
    Submission.objects.filter(
        idempotency_scope=idempotency.scope,
        idempotency_key=idempotency.key,
        created_at__lt=remembered_since(),
    ).update(idempotency_key=None)


def _take_key(submission: Submission, idempotency: IdempotencyKey | None) -> None:
    if idempotency is None:
        return
    submission.idempotency_key = idempotency.key
    submission.idempotency_scope = idempotency.scope
    submission.idempotency_fingerprint = idempotency.fingerprint
    submission.first_response = _first_response(submission)


def _retrying_races(write: Callable[[], Any], what: str) -> Any:
    """Run ``write`` (one transaction); a race on a unique row rolls it back whole, and
    it runs again (it then finds the winner's row)."""
    for attempt in range(1, _STORE_ATTEMPTS + 1):
        try:
            return write()
        except IntegrityError:
            if attempt == _STORE_ATTEMPTS:
                raise
            logger.info("%s raced with another one (attempt %s); retrying", what, attempt)
    raise AssertionError("unreachable")


def submission_receive(
    *,
    questionnaire: Questionnaire,
    language: str,
    contact: Mapping[str, str],
    company: Mapping[str, str],
    answers: Mapping[str, Any],
    consent: Mapping[str, bool],
    source: Mapping[str, str],
    channel: str,
    payload: Mapping[str, Any],
    ip_address: str | None = None,
    user_agent: str = "",
    consent_source: str = "",
    idempotency: IdempotencyKey | None = None,
) -> tuple[Submission, bool]:
    """Store a validated submission, ``pending``, then send it to be classified.

    The durable part is one insert in one transaction: the submission with its answers
    and, in ``details``, the validated contact, company, consent and source. Once it
    has committed the task is sent; the worker then files it under its contact and
    lead (:func:`submission_file_lead`) and classifies it. If the send fails the
    submission stays pending for the sweep. Returns ``(submission, created)``: with a key
    this client already used for the same body, the first submission and ``False``
    (:mod:`qualification.idempotency`; another body raises IdempotencyKeyReused).

    Decision (issue 6): the contact, lead and consent rows are written by the worker,
    not here, so that the answer to the prospect costs one insert; the submission row
    holds everything needed to write them, so nothing is lost if the worker is late.
    """
    cleaned = clean_answers(answers, questionnaire)
    details = {
        "contact": {
            "email": contact["email"],
            "first_name": contact["first_name"],
            "last_name": contact.get("last_name", ""),
            "phone": contact.get("phone", ""),
            "job_title": contact.get("job_title", ""),
        },
        "company": {"name": company["name"], "website": company.get("website", "")},
        # Each consent as given: the answer and the exact wording the prospect saw.
        "consent": {
            purpose: {
                "granted": bool(consent.get(purpose)),
                "wording_version": wording.version,
                "wording": wording.render(language),
            }
            for purpose, wording in WORDINGS.items()
        },
        "consent_source": consent_source[:300],
        "source": {
            key: source.get(key, "")
            for key in ("utm_source", "utm_medium", "utm_campaign", "referrer")
        },
    }

    def store() -> Submission:
        now = timezone.now()
        submission = Submission(
            questionnaire=questionnaire,
            channel=channel,
            language=language,
            answers=cleaned,
            payload=dict(payload),
            details=details,
            status=Submission.Status.PENDING,
            # Sent as soon as this commits; a failed send clears it for the sweep.
            enqueued_at=now,
            created_at=now,
            updated_at=now,
            ip_address=ip_address,
            user_agent=user_agent[:300],
        )
        _take_key(submission, idempotency)
        with transaction.atomic():
            if idempotency is not None:
                _forget_expired_key(idempotency)
            submission.save(force_insert=True)
            transaction.on_commit(
                partial(submission_send_to_classify, submission_id=submission.pk, noted=True),
                robust=True,
            )
        return submission

    return _store_once(store, idempotency)


def submission_receive_spam(
    *,
    questionnaire: Questionnaire,
    language: str,
    channel: str,
    payload: Mapping[str, Any],
    ip_address: str | None = None,
    user_agent: str = "",
) -> Submission:
    """Keep a submission whose honeypot was filled, as ``spam``, for staff to see.

    Only a bounded excerpt of what was posted is kept (``QUALIFICATION_SPAM_EXCERPT_CHARS``,
    control characters removed), and :func:`submissions_purge` deletes it after
    ``QUALIFICATION_SPAM_RETENTION_DAYS``. No contact, lead or consent is created,
    nothing is sent to be classified, and it takes no idempotency key (a real post with
    the same key is not lost behind it); the sender gets the same answer as anyone else.
    """
    submission = Submission(
        questionnaire=questionnaire,
        lead=None,
        channel=channel,
        language=language,
        answers={},
        payload=spam_excerpt(payload),
        status=Submission.Status.SPAM,
        ip_address=ip_address,
        user_agent=without_control_characters(user_agent[:300], allowed=frozenset()),
    )
    submission.save(force_insert=True)
    return submission


def spam_excerpt(payload: Any) -> dict[str, Any]:
    """What is kept of a spam post: its JSON text, cut to ``SPAM_EXCERPT_CHARS``, with
    control characters and anything that cannot be stored removed."""
    limit = app_settings.SPAM_EXCERPT_CHARS
    text = json.dumps(cleaned(payload), ensure_ascii=False, default=str)
    return {"excerpt": text[:limit], "truncated": len(text) > limit, "length": len(text)}


def submissions_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete spam older than ``QUALIFICATION_SPAM_RETENTION_DAYS`` and forget idempotency
    keys older than their lifetime. Returns how many of each."""
    now = now or timezone.now()
    spam_cutoff = now - timedelta(days=app_settings.SPAM_RETENTION_DAYS)
    spam, _by_model = Submission.objects.filter(
        status=Submission.Status.SPAM, created_at__lt=spam_cutoff
    ).delete()
    keys = Submission.objects.filter(
        idempotency_key__isnull=False, created_at__lt=remembered_since(now)
    ).update(idempotency_key=None, first_response=None)
    if spam or keys:
        logger.info("Purged %s spam submission(s), forgot %s idempotency key(s)", spam, keys)
    return {"spam": spam, "keys": keys}


def submission_file_lead(*, submission_id: int) -> int | None:
    """File a stored submission under its contact and open lead; return the lead's id.

    One transaction, the worker's first step (:func:`submission_classify` does it in
    the same transaction as recording the result): the contact (matched on the
    normalized e-mail), the open lead (a returning prospect's existing one, marked as
    returned), both consents with the wording shown, dated when the prospect wrote.

    A post proves nothing about who sent it (issue 10). For a first-time prospect it
    creates the contact, company and lead, and its consents count. For an address
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
        lead_id, _latest = _submission_file_lead_in_transaction(submission_id)
        return lead_id

    return _retrying_races(write, f"Filing submission {submission_id}")


#: Where each detail of a submission would go, as a crm proposed change.
_PROPOSABLE = {
    ProposedChange.Field.FIRST_NAME: ("contact", "first_name"),
    ProposedChange.Field.LAST_NAME: ("contact", "last_name"),
    ProposedChange.Field.PHONE: ("contact", "phone"),
    ProposedChange.Field.JOB_TITLE: ("contact", "job_title"),
    ProposedChange.Field.COMPANY_NAME: ("company", "name"),
    ProposedChange.Field.COMPANY_WEBSITE: ("company", "website"),
}


def _submission_file_lead_in_transaction(
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
        first_name=contact["first_name"],
        last_name=contact["last_name"],
        phone=contact["phone"],
        job_title=contact["job_title"],
        language=language,
        company_name=company["name"],
        company_website=company["website"],
        savepoint=False,
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
    crm_services.consents_record(
        contact=person,
        lead=lead,
        given=details["consent"],
        language=language,
        ip_address=submission.ip_address,
        user_agent=submission.user_agent,
        source=details["consent_source"],
        given_at=submission.created_at,
        confirmed=contact_created,
    )
    if not contact_created:
        _propose_differences(submission, lead, display, answers_too=not lead_created)
    if note_lead:
        Submission.objects.filter(pk=submission_id).update(
            lead=lead, answers_adopted=lead_created, updated_at=timezone.now()
        )
    elif not lead_created:
        # (``answers_adopted`` is True by default: only a returning post writes it here.)
        Submission.objects.filter(pk=submission_id).update(answers_adopted=False)
    return lead.pk, lead_created


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
        proposed[ProposedChange.Field.LANGUAGE] = submission.language
        if answers_too:
            proposed[ProposedChange.Field.ANSWERS] = {
                "answers": submission.answers,
                "answers_display": display,
            }
    crm_services.lead_propose_changes(
        lead=lead, proposed=proposed, reference=str(submission.public_id), at=submission.created_at
    )


def _submission_file_lead_quietly(submission_id: int) -> None:
    """File a submission that will not be classified now, so that the prospect is in
    the CRM all the same (its classification failed, or waits for a ruleset)."""
    try:
        submission_file_lead(submission_id=submission_id)
    except Exception:
        logger.warning("Could not file submission %s", submission_id, exc_info=True)


def submission_send_to_classify(*, submission_id: int, noted: bool = False) -> bool:
    """Send one submission to the classification task. Never raises.

    On success ``enqueued_at`` is set, unless ``noted``: the intake stores it already
    set, so that a healthy post costs no second write. When the broker cannot be
    reached it logs, leaves the submission pending with ``enqueued_at`` empty (so that
    the next sweep sends it) and returns ``False``; if even that write fails, the sweep
    sends it again after ``QUALIFICATION_RESEND_PENDING_AFTER``.
    """
    try:
        publish.send_task(current_app, CLASSIFY_TASK, args=[submission_id])
        sent = True
    except Exception as exc:
        logger.warning(
            "Could not send submission %s to be classified; it stays pending for the sweep (%s)",
            submission_id,
            exc,
        )
        sent = False
    if sent and noted:
        return True
    now = timezone.now()
    try:
        Submission.objects.filter(pk=submission_id).update(
            enqueued_at=now if sent else None, updated_at=now
        )
    except Exception:
        # At worst the sweep sends it once more (classifying is idempotent).
        logger.warning("Could not note the send of submission %s", submission_id, exc_info=True)
    return sent


def submission_sweep_pending(
    *, resend_after: float | None = None, batch_size: int | None = None
) -> int:
    """Send every pending submission that was never sent, or sent over ``resend_after``
    seconds ago (default ``QUALIFICATION_RESEND_PENDING_AFTER``). Never raises.

    Reads them in batches of ``batch_size`` (default ``QUALIFICATION_SWEEP_BATCH_SIZE``),
    oldest first, and stops at the first send that fails: the broker is down, the next
    sweep will try again. Returns how many were sent.
    """
    resend_after = app_settings.RESEND_PENDING_AFTER if resend_after is None else resend_after
    batch_size = batch_size or app_settings.SWEEP_BATCH_SIZE
    sent = 0
    try:
        cutoff = timezone.now() - timedelta(seconds=resend_after)
        due = Submission.objects.filter(status=Submission.Status.PENDING).filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=cutoff)
        )
        last_id = 0
        while True:
            batch = list(
                due.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
            )
            if not batch:
                break
            for submission_id in batch:
                if not submission_send_to_classify(submission_id=submission_id):
                    logger.warning("Sweep stopped after %s sent: the broker is unreachable", sent)
                    return sent
                sent += 1
            last_id = batch[-1]
    except Exception:
        logger.exception("The sweep of pending submissions failed; the next one will try again")
    if sent:
        logger.info("Sweep sent %s pending submission(s) to be classified", sent)
    return sent


# --- Classification: scoring a submission with a ruleset ----------------------------


#: Errors worth another try later (a locked or unreachable database); anything else
#: is a defect that trying again will not fix.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)


class NoPublishedRuleset(Exception):
    """Nothing can be classified before a ruleset is published."""


def _lead_fields(outcome: scoring.Outcome) -> dict:
    return {
        "recommendation": outcome.recommendation,
        "alternative": outcome.alternative,
        "confidence": outcome.confidence,
        "fit_score": outcome.fit_score,
        "fit_grade": outcome.fit_grade,
        "needs_review": outcome.needs_review,
        "ruleset_version": outcome.ruleset_version,
        "classification": outcome.as_dict(),
    }


def _classification_fields(outcome: scoring.Outcome) -> dict:
    return {
        "recommendation": outcome.recommendation,
        "alternative": outcome.alternative or "",
        "confidence": outcome.confidence,
        "needs_review": outcome.needs_review,
        "fit_score": outcome.fit_score,
        "fit_grade": outcome.fit_grade,
        "explanation": outcome.explanation,
    }


def _classification_as_dict(classification: Classification, version: int) -> dict:
    return {
        "recommendation": classification.recommendation,
        "confidence": classification.confidence,
        "needs_review": classification.needs_review,
        "alternative": classification.alternative or None,
        "fit_score": classification.fit_score,
        "fit_grade": classification.fit_grade,
        "explanation": classification.explanation,
        "ruleset_version": version,
        "reviewed_by": None,
    }


def submission_classify(*, submission_id: int) -> Classification | None:
    """File a submission under its lead if not done yet (:func:`submission_file_lead`),
    score it with the current ruleset and write the result onto its lead.

    Idempotent: one Classification per (submission, ruleset version), held by the
    database; a second run with the same ruleset changes nothing and returns it. Returns
    None, quietly, when the submission is gone, spam, or marked failed (staff retry
    those). Each run first counts an attempt, committed on its own, so that a run that
    never ends (a worker killed mid-task) still counts; past
    ``QUALIFICATION_MAX_ATTEMPTS`` the submission is marked failed instead of tried.
    An error is kept in ``last_error`` and raised again; one that is not transient
    (see :data:`TRANSIENT_ERRORS`), or on the last attempt, marks the submission failed.
    The result is written in one transaction, onto the lead only when this is the
    lead's latest submission (an older one classified late must not hide a newer one).
    """
    row = (
        Submission.objects.filter(pk=submission_id)
        .values_list("status", "attempts", "lead_id", "language", "answers")
        .first()
    )
    if row is None:
        return None
    status, attempts, lead_id, language, answers = row
    if status in (Submission.Status.SPAM, Submission.Status.FAILED):
        return None
    current = ruleset_current_for_scoring()
    if status == Submission.Status.CLASSIFIED and current is not None:
        done = Classification.objects.filter(
            submission_id=submission_id, ruleset_id=current[0]
        ).first()
        if done is not None:
            return done

    cap = app_settings.MAX_ATTEMPTS
    attempts += 1
    Submission.objects.filter(pk=submission_id).update(attempts=F("attempts") + 1)
    # A classified submission scored again (a newer ruleset) has nothing to give up.
    if attempts > cap and status != Submission.Status.CLASSIFIED:
        _submission_give_up(
            submission_id=submission_id,
            error=f"Gave up after {cap} attempts (the last run did not finish).",
        )
        if lead_id is None:
            _submission_file_lead_quietly(submission_id)
        return None
    try:
        if current is None:
            raise NoPublishedRuleset("No ruleset is published: publish one in the admin.")
        ruleset_id, _, compiled = current
        outcome = compiled.score(answers or {}, language)

        @transaction.atomic
        def write() -> Classification | None:
            # Filed (if it was not yet) and scored in one transaction: one commit.
            filed_lead_id, latest = _submission_file_lead_in_transaction(
                submission_id, note_lead=False
            )
            if filed_lead_id is None:
                return None
            return _submission_record_classification(
                submission_id=submission_id,
                lead_id=filed_lead_id,
                latest=latest,
                ruleset_id=ruleset_id,
                outcome=outcome,
            )

        return _retrying_races(write, f"Classifying submission {submission_id}")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        if lead_id is None:
            _submission_file_lead_quietly(submission_id)
        try:
            if attempts >= cap or not isinstance(exc, TRANSIENT_ERRORS):
                _submission_give_up(submission_id=submission_id, error=error)
            else:
                Submission.objects.filter(pk=submission_id).update(last_error=error[:2000])
        except TRANSIENT_ERRORS:
            logger.warning("Could not record the error of submission %s", submission_id)
        raise


def _submission_record_classification(
    *, submission_id: int, lead_id: int, latest: bool, ruleset_id: int, outcome: scoring.Outcome
) -> Classification:
    try:
        with transaction.atomic():
            classification = Classification.objects.create(
                submission_id=submission_id,
                ruleset_id=ruleset_id,
                **_classification_fields(outcome),
            )
    except IntegrityError:
        # Another run got there first: its result stands (and the filing just done is noted).
        Submission.objects.filter(pk=submission_id, lead__isnull=True).update(lead_id=lead_id)
        return Classification.objects.get(submission_id=submission_id, ruleset_id=ruleset_id)
    now = timezone.now()
    Submission.objects.filter(pk=submission_id).update(
        lead_id=lead_id,
        status=Submission.Status.CLASSIFIED,
        classified_at=now,
        updated_at=now,
        last_error="",
    )
    if latest:
        crm_services.lead_record_qualification(
            lead_id=lead_id, savepoint=False, **_lead_fields(outcome)
        )
    return classification


def _is_latest_for_lead(*, submission_id: int, lead_id: int) -> bool:
    """Whether no later submission's answers were adopted on this lead."""
    return (
        not Submission.objects.filter(lead_id=lead_id, pk__gt=submission_id, answers_adopted=True)
        .exclude(status=Submission.Status.SPAM)
        .exists()
    )


def submission_adopt_answers(*, lead: Lead, public_id: str) -> bool:
    """Staff accepted this submission's answers for the lead (a proposed change): its
    answers are now the lead's, so its result is too. The result is written now when the
    submission is classified, else by its classification when it comes. Returns whether
    the submission was found on this lead."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return False
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .filter(public_id=public_id, lead_id=lead.pk)
            .exclude(status=Submission.Status.SPAM)
            .first()
        )
        if submission is None:
            return False
        Submission.objects.filter(pk=submission.pk).update(
            answers_adopted=True, updated_at=timezone.now()
        )
        classification = (
            Classification.objects.filter(submission=submission)
            .select_related("ruleset")
            .order_by("-ruleset__version", "-pk")
            .first()
        )
        if classification is not None:
            crm_services.lead_record_qualification(
                lead_id=lead.pk,
                **_lead_fields_from(classification),
            )
        return True


def _lead_fields_from(classification: Classification) -> dict:
    version = classification.ruleset.version
    return {
        "recommendation": classification.recommendation,
        "alternative": classification.alternative or None,
        "confidence": classification.confidence,
        "fit_score": classification.fit_score,
        "fit_grade": classification.fit_grade,
        "needs_review": classification.needs_review,
        "ruleset_version": version,
        "classification": _classification_as_dict(classification, version),
    }


def _submission_give_up(*, submission_id: int, error: str) -> None:
    Submission.objects.filter(pk=submission_id).exclude(
        status__in=[Submission.Status.CLASSIFIED, Submission.Status.SPAM]
    ).update(status=Submission.Status.FAILED, last_error=error[:2000])


@transaction.atomic
def submissions_retry_classification(*, submission_ids: Iterable[int]) -> int:
    """Give failed submissions a fresh count of attempts and send them to be classified.

    Sent once the transaction commits; if the broker is down they stay pending, and
    the periodic sweep of pending submissions sends them later. Returns how many.
    """
    ids = list(
        Submission.objects.select_for_update()
        .filter(pk__in=list(submission_ids), status=Submission.Status.FAILED)
        .values_list("pk", flat=True)
    )
    Submission.objects.filter(pk__in=ids).update(
        status=Submission.Status.PENDING, attempts=0, last_error="", enqueued_at=None
    )
    for submission_id in ids:
        transaction.on_commit(
            partial(submission_send_to_classify, submission_id=submission_id), robust=True
        )
    return len(ids)


# Rulesets: drafts are edited, published versions are frozen.


class RulesetLocked(Exception):
    """A published ruleset is never changed: past results must stay explainable."""


@transaction.atomic
def ruleset_create_draft(*, source: Ruleset, by: AbstractBaseUser | None = None) -> Ruleset:
    """A new draft, numbered after the highest version, with ``source``'s weights."""
    latest = Ruleset.objects.select_for_update().order_by("-version").first()
    return Ruleset.objects.create(
        version=(latest.version if latest else 0) + 1,
        status=Ruleset.Status.DRAFT,
        weights=source.weights,
        notes=f"Draft from version {source.version}.\n{source.notes}".strip(),
        created_by=by,
    )


@transaction.atomic
def ruleset_add_draft(*, draft: Ruleset, by: AbstractBaseUser | None = None) -> Ruleset:
    """Store a new draft written by hand (not saved yet), numbered after the highest version.

    Raises scoring.RulesetError when its weights cannot be used.
    """
    errors = scoring.validate_ruleset(draft.weights, questions=questionnaire_answer_keys())
    if errors:
        raise scoring.RulesetError(errors)
    latest = Ruleset.objects.select_for_update().order_by("-version").first()
    draft.version = (latest.version if latest else 0) + 1
    draft.status = Ruleset.Status.DRAFT
    draft.published_at = None
    draft.created_by = by
    draft.save()
    return draft


@transaction.atomic
def ruleset_update_draft(*, ruleset: Ruleset, weights: dict, notes: str = "") -> Ruleset:
    """Change a draft's weights and notes. Raises RulesetLocked or scoring.RulesetError."""
    locked = Ruleset.objects.select_for_update().get(pk=ruleset.pk)
    if locked.status != Ruleset.Status.DRAFT:
        raise RulesetLocked(f"Ruleset v{locked.version} is published and cannot change.")
    errors = scoring.validate_ruleset(weights, questions=questionnaire_answer_keys())
    if errors:
        raise scoring.RulesetError(errors)
    locked.weights = weights
    locked.notes = notes
    locked.save(update_fields=["weights", "notes", "updated_at"])
    return locked


@transaction.atomic
def ruleset_publish(*, ruleset: Ruleset, by: AbstractBaseUser | None = None) -> Ruleset:
    """Publish a draft: it becomes the current ruleset for new classifications.

    Past classifications keep the version that produced them; ``reclassify`` re-scores
    stored leads on purpose. A draft older than the current version cannot be
    published (it would never be current). Raises RulesetLocked or scoring.RulesetError.
    """
    locked = Ruleset.objects.select_for_update().get(pk=ruleset.pk)
    if locked.status != Ruleset.Status.DRAFT:
        raise RulesetLocked(f"Ruleset v{locked.version} is already published.")
    current = ruleset_get_current()
    if current is not None and current.version > locked.version:
        raise RulesetLocked(
            f"Version {current.version} is already current; make a new draft from this one."
        )
    errors = scoring.validate_ruleset(locked.weights, questions=questionnaire_answer_keys())
    if errors:
        raise scoring.RulesetError(errors)
    locked.status = Ruleset.Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.save(update_fields=["status", "published_at", "updated_at"])
    logger.info("Ruleset v%s published by %s", locked.version, by)
    return locked


# Re-scoring stored leads in bulk (the reclassify command and staff requests).


@dataclass
class ReclassifySummary:
    """What a re-scoring run did and changed."""

    ruleset_version: int
    leads: int = 0
    rescored: int = 0
    without_submission: int = 0
    classifications_created: int = 0
    classifications_kept: int = 0
    recommendation: Counter = field(default_factory=Counter)
    needs_review: Counter = field(default_factory=Counter)
    fit_grade: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(n for (before, after), n in self.recommendation.items() if before != after)


def leads_reclassify(
    *,
    ruleset: Ruleset | None = None,
    lead_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ReclassifySummary:
    """Re-score leads (each from its latest submission that is not spam) with ``ruleset``.

    ``ruleset`` defaults to the current one and must be published. ``lead_ids`` and
    ``since`` (leads created at or after) narrow the leads. Works through them by
    ascending id in batches of ``batch_size``, one transaction each, with bounded
    memory: a batch adds the missing Classifications (the (submission, ruleset)
    constraint keeps existing ones), marks those submissions classified, and writes
    the results onto the leads in bulk. ``on_batch(n)`` is called after each batch.
    """
    if ruleset is None:
        ruleset = ruleset_get_current()
        if ruleset is None:
            raise NoPublishedRuleset("No ruleset is published.")
    if ruleset.status != Ruleset.Status.PUBLISHED:
        raise RulesetLocked(f"Ruleset v{ruleset.version} is a draft: publish it first.")
    compiled = ruleset_compiled(ruleset)
    batch_size = batch_size or app_settings.RECLASSIFY_BATCH_SIZE
    leads = Lead.objects.order_by("pk")
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    wanted = None if lead_ids is None else sorted(set(lead_ids))
    summary = ReclassifySummary(ruleset_version=ruleset.version)
    last_id = 0
    while True:
        if wanted is not None:
            batch_ids = wanted[:batch_size]
            wanted = wanted[batch_size:]
            batch_ids = list(leads.filter(pk__in=batch_ids).values_list("pk", flat=True))
            if not batch_ids and not wanted:
                break
        else:
            batch_ids = list(leads.filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size])
            if not batch_ids:
                break
            last_id = batch_ids[-1]
        with transaction.atomic():
            _leads_reclassify_batch(batch_ids, ruleset, compiled, summary)
        if on_batch is not None:
            on_batch(len(batch_ids))
    return summary


def _classifications_insert(
    new: list[tuple[int, scoring.Outcome]], *, ruleset_id: int, now: datetime
) -> None:
    """Insert many Classifications in one statement, skipping any that exist already.

    ``bulk_create`` would build a model instance and prepare every field of every row;
    at 100,000 leads that is most of the run, so the rows go to the driver as they are
    (the JSON adapted by its field, the time once), with the backend's own "ignore
    conflicts" form of INSERT so the (submission, ruleset) constraint is respected.
    """
    if not new:
        return
    meta = Classification._meta
    names = [
        "created_at", "updated_at", "submission", "ruleset", "recommendation", "alternative",
        "confidence", "needs_review", "fit_score", "fit_grade", "explanation",
    ]  # fmt: skip
    fields = [meta.get_field(name) for name in names]
    connection = connections[router.db_for_write(Classification)]
    quote = connection.ops.quote_name
    sql = (
        f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
        f"{quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        + connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    )
    stamp = meta.get_field("created_at").get_db_prep_save(now, connection)
    explanation = meta.get_field("explanation")
    rows = [
        (
            stamp,
            stamp,
            submission_id,
            ruleset_id,
            o.recommendation,
            o.alternative or "",
            o.confidence,
            o.needs_review,
            o.fit_score,
            o.fit_grade,
            crm_services.json_param_from_encoded(connection, explanation, o.explanation_json),
        )  # fmt: skip
        for submission_id, o in new
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _leads_reclassify_batch(
    lead_ids: list[int],
    ruleset: Ruleset,
    compiled: scoring.CompiledRuleset,
    summary: ReclassifySummary,
) -> None:
    summary.leads += len(lead_ids)
    latest = submissions_latest_per_lead(lead_ids=lead_ids)
    summary.without_submission += len(lead_ids) - len(latest)
    if not latest:
        return
    rows = Submission.objects.filter(pk__in=list(latest.values())).values_list(
        "pk", "lead_id", "language", "answers", "status"
    )
    kept = set(
        Classification.objects.filter(
            ruleset=ruleset, submission_id__in=list(latest.values())
        ).values_list("submission_id", flat=True)
    )
    now = timezone.now()
    new, results, to_mark = [], [], []
    for submission_id, lead_id, language, answers, status in rows:
        outcome = compiled.score(answers or {}, language)
        if submission_id not in kept:
            new.append((submission_id, outcome))
        if status != Submission.Status.CLASSIFIED:
            to_mark.append(submission_id)
        results.append(
            crm_services.LeadQualification(
                lead_id=lead_id,
                recommendation=outcome.recommendation,
                alternative=outcome.alternative,
                confidence=outcome.confidence,
                fit_score=outcome.fit_score,
                fit_grade=outcome.fit_grade,
                needs_review=outcome.needs_review,
                ruleset_version=outcome.ruleset_version,
                classification_json=outcome.as_json(),
            )
        )
    _classifications_insert(new, ruleset_id=ruleset.pk, now=now)
    summary.classifications_created += len(new)
    summary.classifications_kept += len(kept)
    if to_mark:
        Submission.objects.filter(pk__in=to_mark).update(
            status=Submission.Status.CLASSIFIED, classified_at=now, last_error=""
        )
    previous = crm_services.leads_bulk_record_qualification(
        results=results, note=f"ruleset v{ruleset.version} (re-scored)"
    )
    for result in results:
        before = previous.get(result.lead_id)
        if before is None:
            continue
        summary.rescored += 1
        summary.recommendation[(before[0] or "-", result.recommendation)] += 1
        summary.needs_review[(before[2], result.needs_review)] += 1
        summary.fit_grade[(before[3] or "-", result.fit_grade)] += 1
