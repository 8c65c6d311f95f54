"""Rulesets: drafts are edited, published versions are frozen."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import (
    transaction,
)
from django.utils import timezone

from .. import scoring
from ..models import Ruleset
from ..selectors import (
    questionnaire_answer_keys,
    ruleset_get_current,
)

logger = logging.getLogger(__name__)


# Rulesets: drafts are edited, published versions are frozen.


class NoPublishedRuleset(Exception):
    """Nothing can be classified before a ruleset is published."""


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
