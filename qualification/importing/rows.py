"""One row of an import, checked: what it says about the person, their company, where they
came from, their consents (CASL) and their answers. Messages are in the active language.

Consents (Canada's Anti-Spam Legislation, CASL, s. 10): a marketing consent counts only
with its basis. Accepted bases:

- ``express`` (``exprès``): the person said yes; the date it was given is required;
- ``implied_business`` (``implicite_affaires``): an existing business relationship, a
  purchase or contract (s. 10(10)(a)-(c)); the date of that purchase is required and the
  consent is left out when it is more than two years old;
- ``implied_inquiry`` (``implicite_demande``): an inquiry or application (s. 10(10)(d));
  the date is required, and the consent lapses after six months;
- ``implied_published`` (``implicite_publie``): the address is conspicuously published,
  with no statement refusing messages, and the message relates to the role (s. 10(9)(b));
- ``implied_disclosed`` (``implicite_divulgue``): the person gave the address (a business
  card) without refusing messages (s. 10(9)(c)).

A "yes" without a basis is no marketing consent (the row is imported without it, and the
report says so); a "no" is recorded as a refusal. Expiry after the import is not tracked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.services import normalize_email
from crm.text import has_control_characters, without_control_characters

from ..intake import _question_errors, clean_answers
from ..models import Question, Questionnaire
from .mapping import ANSWER_PREFIX, normalize

YES = frozenset({"oui", "yes", "y", "o", "true", "vrai", "1", "x"})
NO = frozenset({"non", "no", "n", "false", "faux", "0"})
LANGUAGE_NAMES = {
    "fr": "fr", "francais": "fr", "french": "fr", "fr ca": "fr", "fr fr": "fr",
    "en": "en", "anglais": "en", "english": "en", "en ca": "en", "en us": "en",
}  # fmt: skip
BASES = {
    "express": "express", "expres": "express", "expresse": "express",
    "implied business": "implied_business", "implicite affaires": "implied_business",
    "implied inquiry": "implied_inquiry", "implicite demande": "implied_inquiry",
    "implied published": "implied_published", "implicite publie": "implied_published",
    "implied disclosed": "implied_disclosed", "implicite divulgue": "implied_disclosed",
}  # fmt: skip
#: How long an implied consent lasts after its date (CASL s. 10(10)); None: no term.
BASIS_TERM = {"implied_business": timedelta(days=730), "implied_inquiry": timedelta(days=183)}
NEEDS_DATE = frozenset({"express", "implied_business", "implied_inquiry"})
MAX_LENGTHS = {
    "email": 254, "first_name": 100, "last_name": 100, "phone": 40, "job_title": 150,
    "company_name": 200, "company_website": 300,
}  # fmt: skip
TRACKING = {"utm_source": 200, "utm_medium": 200, "utm_campaign": 200, "referrer": 500}
_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


@dataclass
class Row:
    """A row that can be imported (some of it may still be left out: see ``notes``)."""

    line: int
    email: str
    contact: dict[str, str]
    company: dict[str, str]
    language: str
    source: dict[str, str]
    answers: dict[str, Any]
    #: The required questions left unanswered (None: the row gives no answer at all).
    missing_answers: list[str] | None
    consents: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def answers_complete(self) -> bool:
        return bool(self.answers) and not self.missing_answers


class RowReader:
    """Checks the rows of one file, with one mapping and questionnaire."""

    def __init__(
        self,
        *,
        mapping: list[str],
        headers: list[str],
        questionnaire: Questionnaire,
        max_cell_chars: int,
        default_language: str = "fr",
        consent_source: str = "",
        now: datetime | None = None,
    ):
        self.mapping = mapping
        self.headers = headers
        self.questionnaire = questionnaire
        self.max_cell_chars = max_cell_chars
        self.default_language = default_language
        self.consent_source = consent_source
        self.now = now or timezone.now()
        self._verdicts: dict[tuple, list[str]] = {}
        self.columns = {target: index for index, target in enumerate(mapping) if target}
        self.questions = {question.key: question for question in questionnaire.questions.all()}
        # A choice by its key or label as written (most files), else as normalized.
        self.exact: dict[str, dict[str, str]] = {}
        self.choices: dict[str, dict[str, str]] = {}
        for question in self.questions.values():
            exact, lookup = {}, {}
            for choice in question.choices.all():
                for name in (choice.key, choice.label_fr, choice.label_en):
                    exact.setdefault(name, choice.key)
                    lookup.setdefault(normalize(name), choice.key)
            self.exact[question.key], self.choices[question.key] = exact, lookup

    def _cell(self, cells: list[str], target: str) -> str:
        index = self.columns.get(target)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    def read(self, line: int, cells: list[str]) -> tuple[Row | None, list[str]]:
        """``(row, [])`` or ``(None, reasons)``: a row with any error is not imported."""
        errors: list[str] = []
        for index, cell in enumerate(cells):
            if len(cell) > self.max_cell_chars:
                header = self.headers[index] if index < len(self.headers) else str(index + 1)
                errors.append(
                    _("Column “%(column)s” holds more than %(max)d characters.")
                    % {"column": header[:40], "max": self.max_cell_chars}
                )
        if errors:
            return None, errors
        values = {name: self._cell(cells, name) for name in MAX_LENGTHS}
        for name, value in values.items():
            problem = _line_problem(value, MAX_LENGTHS[name])
            if problem:
                errors.append(f"{_label(name)}: {problem}")
        email = normalize_email(values["email"])
        if not email:
            errors.append(_("The e-mail address is missing."))
        elif not errors:
            try:
                _email(email)
            except ValidationError:
                errors.append(
                    _("“%(value)s” is not a valid e-mail address.") % {"value": _short(email)}
                )
        website = values["company_website"]
        if website:
            website = website if "://" in website else f"https://{website}"
            try:
                _url(website)
            except ValidationError:
                errors.append(_("The company website is not a valid web address."))
        language = _read_language(self, cells, errors)
        answers, missing = self._answers(cells, errors)
        consents, notes = self._consents(cells, language, errors)
        if errors:
            return None, errors
        source = {
            name: without_control_characters(self._cell(cells, name), allowed=frozenset())[:keep]
            for name, keep in TRACKING.items()
        }
        row = Row(
            line=line,
            email=email,
            contact={n: values[n] for n in ("first_name", "last_name", "phone", "job_title")},
            company={"name": values["company_name"], "website": website[:300]},
            language=language,
            source=source,
            answers=answers,
            missing_answers=missing,
            consents=consents,
            notes=notes,
        )
        return row, []

    # --- the parts of a row ------------------------------------------------------------

    def _answers(
        self, cells: list[str], errors: list[str]
    ) -> tuple[dict[str, Any], list[str] | None]:
        given: dict[str, Any] = {}
        for key, question in self.questions.items():
            raw = self._cell(cells, ANSWER_PREFIX + key)
            if not raw:
                continue
            if question.kind == Question.Kind.TEXT:
                given[key] = raw
                continue
            parts = (
                [part.strip() for part in raw.split(";")]
                if (question.kind == Question.Kind.MULTIPLE)
                else [raw]
            )
            keys = []
            for part in filter(None, parts):
                choice = self.exact[key].get(part) or self.choices[key].get(normalize(part))
                if choice is None:
                    errors.append(
                        _("“%(value)s” is not one of the choices of question “%(question)s”.")
                        % {"value": _short(part), "question": key}
                    )
                else:
                    keys.append(choice)
            given[key] = keys if question.kind == Question.Kind.MULTIPLE else (keys or [""])[0]
        if not given:
            return {}, None
        # The intake's own rules (``intake._question_errors``, what ``validate_answers``
        # asks of each question), remembered per choice answer: a file repeats them.
        missing, invalid = [], False
        for key, question in self.questions.items():
            value = given.get(key)
            if value is None:
                if question.required:
                    missing.append(key)
                continue
            cache_key = (key, tuple(value) if isinstance(value, list) else value)
            messages = self._verdicts.get(cache_key) if question.kind != "text" else None
            if messages is None:
                messages = _question_errors(question, value)
                if question.kind != "text" and len(self._verdicts) < 50_000:
                    self._verdicts[cache_key] = messages
            if messages:
                invalid = True
                errors.extend(f"{key}: {message}" for message in messages)
        if invalid:
            return {}, None
        return clean_answers(given, self.questionnaire), missing

    def _consents(
        self, cells: list[str], language: str, errors: list[str]
    ) -> tuple[dict[str, dict[str, Any]], list[str]]:
        consents: dict[str, dict[str, Any]] = {}
        notes: list[str] = []
        contact = _yes_no(
            self._cell(cells, "contact_consent"), errors, _("consent to be contacted")
        )
        if contact is not None:
            consents["contact"] = self._consent(contact, "import-contact", None, language)
        granted = _yes_no(
            self._cell(cells, "marketing_consent"), errors, gettext_lazy("marketing consent")
        )
        raw_basis = self._cell(cells, "marketing_basis")
        basis = BASES.get(normalize(raw_basis)) if raw_basis else None
        if raw_basis and basis is None:
            errors.append(
                _("“%(value)s” is not a consent basis: use express, implied_business, "
                  "implied_inquiry, implied_published or implied_disclosed.")
                % {"value": _short(raw_basis)}
            )  # fmt: skip
            return consents, notes
        given_on = _date(self._cell(cells, "marketing_date"), errors)
        if given_on is not None and given_on > self.now:
            errors.append(_("The marketing consent date is in the future."))
            return consents, notes
        if granted is None and basis:
            granted = True  # a basis given is a consent given
        if granted is False:
            consents["marketing"] = self._consent(False, "import-refused", given_on, language)
        elif granted:
            if basis is None:
                notes.append(_("Marketing consent left out: no basis given (CASL)."))
            elif basis in NEEDS_DATE and given_on is None:
                errors.append(
                    _("A marketing consent of basis “%(basis)s” needs the date it was given.")
                    % {"basis": basis}
                )
            elif basis in BASIS_TERM and given_on + BASIS_TERM[basis] < self.now:
                notes.append(
                    _("Marketing consent left out: implied consent of %(date)s has lapsed (CASL).")
                    % {"date": given_on.date().isoformat()}
                )
            else:
                consents["marketing"] = self._consent(True, f"import-{basis}", given_on, language)
        return consents, notes

    def _consent(
        self, granted: bool, version: str, given_on: datetime | None, language: str
    ) -> dict[str, Any]:
        at = given_on or self.now
        return {
            "granted": granted,
            "wording_version": version,
            "wording": _("Recorded by staff from an import (%(source)s), basis: %(basis)s.")
            % {"source": self.consent_source, "basis": version.removeprefix("import-")},
            "given_at": at,
        }


def _read_language(reader: RowReader, cells: list[str], errors: list[str]) -> str:
    raw = reader._cell(cells, "language")
    if not raw:
        return reader.default_language
    found = LANGUAGE_NAMES.get(normalize(raw))
    if found is None:
        errors.append(_("“%(value)s” is not a language: use fr or en.") % {"value": _short(raw)})
        return reader.default_language
    return found


def _label(name: str) -> str:
    from .mapping import FIELDS

    return str(FIELDS[name][0])


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:59] + "…"


def _line_problem(value: str, max_length: int) -> str:
    if has_control_characters(value, allowed=frozenset()) or any(
        char in value for char in "\u2028\u2029"
    ):
        return _("keep it on one line, without control characters.")
    if len(value) > max_length:
        return _("at most %(max)d characters.") % {"max": max_length}
    return ""


def _yes_no(raw: str, errors: list[str], what) -> bool | None:
    if not raw:
        return None
    value = normalize(raw)
    if value in YES:
        return True
    if value in NO:
        return False
    errors.append(
        _("“%(value)s” is not yes or no (%(what)s).") % {"value": _short(raw), "what": what}
    )
    return None


_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$")


def _date(raw: str, errors: list[str]) -> datetime | None:
    if not raw:
        return None
    found = _ISO_DATE.match(raw)
    try:
        if found is None:
            raise ValueError(raw)
        day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        errors.append(
            _("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": _short(raw)}
        )
        return None
    return timezone.make_aware(datetime.combine(day, time(0, 0)))
