"""What other apps hold about a person, made known to the crm's privacy operations.

The crm never imports the apps built on it; an app that keeps personal information
linked to the crm's contacts and leads registers a :class:`PersonalDataProvider` in its
``AppConfig.ready`` (``qualification`` does, for its submissions), and the crm's export,
erasure and retention call it:

- ``export(contact, language)`` returns ``{"provided": {...}, "inferred": {...}}``
  sections to merge into the person's export;
- ``erase(scope)`` replaces everything it keeps about the person with tombstones, inside
  the erasure's transaction, and returns counts by kind of record;
- ``free_text_answer_keys()`` names the questionnaire answers that are free text, which
  the erasure replaces in the lead's copy of the answers (choices are kept: they are
  the pipeline's facts, not the person's words);
- ``retention_plan(now)`` says what the app's part of the retention policy would do
  now, ``{kind: [ids]}``, and ``retention_apply(kind, ids)`` does it for those rows
  (returning how many), so that a dry run and the real run are the same plan.

Also the two writers of an export (JSON, and CSV for people) shared by both apps.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .csv_safety import SafeCsvWriter

#: What replaces a personal value that is erased.
TOMBSTONE = "[erased]"


@dataclass(frozen=True)
class ErasureScope:
    """Whom an erasure is about: the contact, the address it had and its leads."""

    contact_id: int
    email: str
    lead_ids: tuple[int, ...]
    tombstone: str = TOMBSTONE


@dataclass(frozen=True)
class PersonalDataProvider:
    name: str
    export: Callable[[Any, str], dict[str, dict[str, Any]]] | None = None
    erase: Callable[[ErasureScope], dict[str, int]] | None = None
    free_text_answer_keys: Callable[[], set[str]] | None = None
    retention_plan: Callable[[datetime], dict[str, list[int]]] | None = None
    retention_apply: Callable[[str, list[int]], int] | None = None


_providers: dict[str, PersonalDataProvider] = {}


def register(provider: PersonalDataProvider) -> None:
    """Add (or replace, by name) a provider; call it from ``AppConfig.ready``."""
    _providers[provider.name] = provider


def providers() -> list[PersonalDataProvider]:
    return list(_providers.values())


# --- writers ---------------------------------------------------------------------------


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _rows(value: Any, path: str):
    if isinstance(value, dict):
        if not value:
            yield path, ""
        for key, item in value.items():
            yield from _rows(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        if not value:
            yield path, ""
        for index, item in enumerate(value, start=1):
            yield from _rows(item, f"{path}[{index}]")
    else:
        yield path, "" if value is None else value


#: The parts of an export, in order: what the person gave, what was computed from it,
#: what the practice's staff wrote about them.
PARTS = ("provided", "inferred", "recorded")


def as_csv(data: dict[str, Any]) -> str:
    """One value a row: ``part`` (provided, inferred or recorded), ``section``,
    ``field`` (its path, e.g. ``questionnaires[1].answers[3].answer``), ``value``;
    spreadsheet formulas are neutralized (OWASP CSV injection, ``crm.csv_safety``)."""
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["part", "section", "field", "value"])
    for part in PARTS:
        for section, content in (data.get(part) or {}).items():
            for field, value in _rows(content, ""):
                writer.writerow([part, section, field, value])
    return out.getvalue()
