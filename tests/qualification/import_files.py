"""CSV files for the import tests, written as spreadsheet programs write them."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from tests.factories import FRACTIONAL_CMO_ANSWERS

HEADERS_FR = [
    "Courriel", "Prénom", "Nom", "Entreprise", "Site web", "Langue", "Téléphone",
    "Consentement marketing", "Fondement", "Date du consentement", "utm_source",
]  # fmt: skip
HEADERS_EN = [
    "E-mail", "First name", "Last name", "Company", "Website", "Language", "Phone",
    "Marketing consent", "Consent basis", "Consent date", "UTM source",
]  # fmt: skip


def answer_cells(answers: Mapping = FRACTIONAL_CMO_ANSWERS) -> dict[str, str]:
    """Answers as an import's columns: a multiple choice joined with ``;``."""
    return {
        key: "; ".join(value) if isinstance(value, list) else value
        for key, value in answers.items()
    }


def person(n: int, **overrides) -> dict[str, str]:
    row = {
        "Courriel": f"Personne{n}@Example.com",
        "Prénom": f"Prénom{n}",
        "Nom": f"Nom{n}",
        "Entreprise": f"Entreprise {n}",
        "Site web": "",
        "Langue": "fr",
        "Téléphone": "",
        "Consentement marketing": "",
        "Fondement": "",
        "Date du consentement": "",
        "utm_source": "",
    }
    row.update(overrides)
    return row


def csv_bytes(
    rows: Sequence[Mapping[str, str]],
    headers: Sequence[str] | None = None,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    with_answers: bool = False,
) -> bytes:
    headers = list(headers or HEADERS_FR)
    if with_answers:
        headers += list(answer_cells())
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        values = {**(answer_cells() if with_answers else {}), **row}
        writer.writerow([values.get(header, "") for header in headers])
    return out.getvalue().encode(encoding)
