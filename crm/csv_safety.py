"""CSV files that a spreadsheet program opens without running anything.

Follows OWASP's "CSV Injection" guidance
(https://owasp.org/www-community/attacks/CSV_Injection): a cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula, so every text cell that does (line feeds, the
full-width ``＝ ＋ － ＠`` and the same characters after leading spaces included) is
prefixed with a single quote. The ``csv`` module's quoting then takes care of embedded
quotes, commas and line breaks. Use ``SafeCsvWriter`` for every CSV the apps write or
give back (exports now, imports' error reports later).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def neutralize_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula.

    Only text is changed: numbers, booleans and ``None`` cannot carry a formula.
    """
    if not isinstance(value, str):
        return value
    # The first character that is a formula start or not a space: "  =1+1" is a formula.
    first = next((char for char in value if char in FORMULA_STARTS or not char.isspace()), "")
    return f"'{value}" if first in FORMULA_STARTS else value


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralized cell by cell."""

    def __init__(self, file, **options: Any):
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralize_cell(value) for value in row])
