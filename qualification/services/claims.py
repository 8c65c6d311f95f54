"""Which run of the classify task works on which pending submissions: claims.

A run claims its own submission and, when that one was never tried, up to
``QUALIFICATION_CLASSIFY_BATCH_SIZE - 1`` other pending submissions never tried yet
(oldest first; ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runs never
wait for each other's rows; on SQLite the write lock serialises the claims). Claiming
counts an attempt on each and sets ``claimed_until`` (``QUALIFICATION_CLAIM_SECONDS``
ahead), in a transaction of its own: a run killed afterwards has still counted them.

A claim decides who works, not what is stored: the batch is written under row locks,
re-reading each status, and the database holds one classification per submission and
ruleset version; a claim that outlives its run (a killed worker) ends with its time.
A submission tried before (attempts above zero: its batch failed or its worker died)
is only ever claimed by its own message, alone, so a submission that breaks its run
cannot take others down with it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, router, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Now
from django.utils import timezone

from ..app_settings import app_settings
from ..models import Classification, Ruleset, Submission


@dataclass(frozen=True)
class State:
    """One submission as its message's run first sees it (one query)."""

    status: str
    attempts: int
    lead_id: int | None
    #: Whether a run's claim on it has not ended yet.
    claimed: bool
    #: Its classification by the current ruleset, if there is one.
    done_id: int | None


#: The state query's SQL per database alias: ``(sql, params, index of the id)``.
_STATE_SQL: dict[str, tuple[str, list, int]] = {}
_SENTINEL = -7_654_321


def submission_state(submission_id: int) -> State | None:
    """The submission's status, attempts and claim, and whether the current ruleset has
    classified it, in one query: what the message of a submission a batch took costs.

    Django builds this query (a subquery in a subquery) in about 1.5 ms, its database
    runs it in 5 µs (SQLite, this machine, ``python -m bench.bench_qualification``'s
    machine): the SQL is built once per process and database and run as it is.
    """
    alias = router.db_for_read(Submission)
    if alias not in _STATE_SQL:
        current = Ruleset.objects.filter(status=Ruleset.Status.PUBLISHED).order_by("-version")
        done = Classification.objects.filter(
            submission=OuterRef("pk"), ruleset=Subquery(current.values("pk")[:1])
        ).order_by()
        query = (
            Submission.objects.using(alias)
            .filter(pk=_SENTINEL)
            .order_by()
            .annotate(
                done_id=Subquery(done.values("pk")[:1]),
                claimed=ExpressionWrapper(
                    Q(claimed_until__isnull=False) & Q(claimed_until__gt=Now()),
                    output_field=BooleanField(),
                ),
            )
            .values_list("status", "attempts", "lead_id", "claimed", "done_id")
            .query
        )
        sql, params = query.get_compiler(alias).as_sql()
        _STATE_SQL[alias] = (sql, list(params), list(params).index(_SENTINEL))
    sql, params, index = _STATE_SQL[alias]
    params = [*params[:index], submission_id, *params[index + 1 :]]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    status, attempts, lead_id, claimed, done_id = row
    return State(status, attempts, lead_id, bool(claimed), done_id)


def _lease() -> datetime:
    return timezone.now() + timedelta(seconds=app_settings.CLAIM_SECONDS)


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


@transaction.atomic
def claim(*, submission_id: int, seen: State, batch_size: int) -> list[int] | None:
    """Claim this submission as ``seen`` (status and attempts unchanged since) and, on
    its first attempt, others never tried (``batch_size`` in all). Commits; returns the
    ids claimed, this one first, or None when another run claimed it since it was seen.
    """
    now = timezone.now()
    lease = _lease()
    won = (
        Submission.objects.filter(pk=submission_id, status=seen.status, attempts=seen.attempts)
        .filter(_unclaimed(now))
        .update(attempts=F("attempts") + 1, claimed_until=lease)
    )
    if not won:
        return None
    if seen.attempts or seen.status != Submission.Status.PENDING or batch_size <= 1:
        return [submission_id]
    return [submission_id, *_claim_fresh(now, lease, batch_size - 1, exclude=submission_id)]


@transaction.atomic
def claim_fresh(*, batch_size: int) -> list[int]:
    """Claim up to ``batch_size`` pending submissions never tried (for a run whose own
    submission another run has in hand: it helps rather than waits). Commits."""
    return _claim_fresh(timezone.now(), _lease(), batch_size, exclude=None)


def _claim_fresh(now: datetime, lease: datetime, limit: int, *, exclude: int | None) -> list[int]:
    fresh = Submission.objects.filter(
        status=Submission.Status.PENDING, attempts=0, claimed_until__isnull=True
    )
    if exclude is not None:
        fresh = fresh.exclude(pk=exclude)
    ids = list(
        fresh.select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Submission.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, claimed_until=lease
        )
    return ids


def release(submission_ids: list[int]) -> None:
    """End the claim on submissions left pending (their batch failed): each one's own
    message then classifies it alone, at once."""
    if submission_ids:
        Submission.objects.filter(pk__in=submission_ids).update(claimed_until=None)
