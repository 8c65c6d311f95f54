"""This app's part of the crm's privacy operations (``crm.personal_data``): what it keeps
about a person (their submissions), given to the export, replaced by the erasure, and
dropped by the retention policy. Registered in ``qualification.apps``."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from crm import selectors as crm_selectors
from crm.personal_data import ErasureScope, PersonalDataProvider

from ..app_settings import app_settings
from ..models import Question, Submission


def free_text_answer_keys() -> set[str]:
    """The keys of the questions answered in the person's own words."""
    return set(Question.objects.filter(kind=Question.Kind.TEXT).values_list("key", flat=True))


def _scrubbed_answers(answers, free_text: set[str], tombstone: str):
    if not isinstance(answers, dict):
        return {}
    return {
        key: tombstone if key in free_text and value not in ("", None) else value
        for key, value in answers.items()
    }


def submissions_erase(scope: ErasureScope) -> dict[str, int]:
    """Replace everything a submission keeps about the person: the payload as received
    and the validated details (names, address, phone, company), the free-text answers,
    the evidence (IP address, user agent), the error text and the idempotency data
    (the body's fingerprint, the replayed answer). The choices answered and the
    classification (computed, no personal data) stay, for the statistics. Covers the
    person's filed submissions and those not filed yet under their address."""
    free_text = free_text_answer_keys()
    rows = Submission.objects.filter(
        Q(lead_id__in=scope.lead_ids) | Q(lead__isnull=True, details__contact__email=scope.email)
    )
    count = 0
    for submission in rows.only("pk", "answers"):
        Submission.objects.filter(pk=submission.pk).update(
            answers=_scrubbed_answers(submission.answers, free_text, scope.tombstone),
            payload={"erased": True},
            details={"erased": True},
            ip_address=None,
            user_agent="",
            last_error="",
            idempotency_key=None,
            idempotency_scope="",
            idempotency_fingerprint="",
            first_response=None,
            updated_at=timezone.now(),
        )
        count += 1
    return {"submissions": count, "import_files": _import_files_erase(scope)}


def _import_files_erase(scope: ErasureScope) -> int:
    """An import's file and report hold every row's address: those that name the person
    are emptied (their counts stay), the file's name replaced by the tombstone (a name
    like "contacts-josee.csv" may name them)."""
    from ..models_imports import ImportJob

    needle = scope.email.encode()
    emptied = 0
    for job in ImportJob.objects.exclude(content=b"", report="").only("pk", "content", "report"):
        if scope.email in job.report or needle in bytes(job.content or b"").lower():
            ImportJob.objects.filter(pk=job.pk).update(
                content=b"", report="", error="", file_name=scope.tombstone
            )
            emptied += 1
    return emptied


def _retention_plan(now: datetime) -> dict[str, list[int]]:
    spam_before = now - timedelta(days=app_settings.SPAM_RETENTION_DAYS)
    failed_before = now - timedelta(days=app_settings.FAILED_RETENTION_DAYS)
    spam = Submission.objects.filter(status=Submission.Status.SPAM, created_at__lt=spam_before)
    failed = []
    for pk, lead_id in (
        Submission.objects.filter(status=Submission.Status.FAILED, created_at__lt=failed_before)
        .order_by("pk")
        .values_list("pk", "lead_id")
    ):
        if lead_id is None or not crm_selectors.lead_has_open_follow_ups(lead_ids=[lead_id]):
            failed.append(pk)
    from ..models_imports import ImportJob

    files_before = now - timedelta(days=app_settings.IMPORT_FILE_RETENTION_DAYS)
    return {
        "spam_submissions": list(spam.order_by("pk").values_list("pk", flat=True)),
        "failed_submissions": failed,
        "import_files": list(
            ImportJob.objects.filter(created_at__lt=files_before)
            .exclude(content=b"", report="")
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    }


def _retention_apply(kind: str, ids: list[int]) -> int:
    if kind == "import_files":
        from ..models_imports import ImportJob

        return ImportJob.objects.filter(pk__in=ids).update(content=b"", report="", error="")
    status = {
        "spam_submissions": Submission.Status.SPAM,
        "failed_submissions": Submission.Status.FAILED,
    }[kind]
    rows = Submission.objects.filter(pk__in=ids, status=status)
    count = rows.count()
    rows.delete()  # their classifications (if any) go with them
    return count


def provider() -> PersonalDataProvider:
    from ..prospect.export import submissions_data

    return PersonalDataProvider(
        name="qualification",
        export=submissions_data,
        erase=submissions_erase,
        free_text_answer_keys=free_text_answer_keys,
        retention_plan=_retention_plan,
        retention_apply=_retention_apply,
    )
