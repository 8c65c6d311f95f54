"""An import's report: one line per row of the file, ``line, outcome, email, reason``.

Kept as plain CSV text on the job; every download goes through ``crm.csv_safety`` (OWASP
CSV injection), since the e-mail and the reasons quote what the file held.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from crm.csv_safety import SafeCsvWriter

NEW, UPDATE, SKIP, ERROR = "new", "update", "skip", "error"
OUTCOMES = (NEW, UPDATE, SKIP, ERROR)
HEADER = ["line", "outcome", "email", "reason"]


class ReportWriter:
    def __init__(self):
        self.buffer = io.StringIO()
        self._writer = csv.writer(self.buffer)
        self._writer.writerow(HEADER)

    def add(self, line: int, outcome: str, email: str, reasons: list[str]) -> None:
        self._writer.writerow([line, outcome, email[:300], " ".join(reasons)])

    def text(self) -> str:
        return self.buffer.getvalue()


def report_rows(report: str, *, outcome: str | None = None) -> Iterator[dict[str, str]]:
    """The report's rows as dicts (only those of ``outcome`` when given)."""
    for row in csv.DictReader(io.StringIO(report, newline="")):
        if outcome is None or row["outcome"] == outcome:
            yield row


def safe_csv_lines(report: str, *, outcome: str | None = None) -> Iterator[str]:
    """The report (or its rows of ``outcome``) as CSV lines safe to open in a spreadsheet:
    a UTF-8 byte-order mark, then each cell neutralized (``crm.csv_safety``)."""

    class Echo:
        def write(self, value):
            return value

    writer = SafeCsvWriter(Echo())
    yield "\ufeff"
    yield writer.writerow(HEADER)
    for row in report_rows(report, outcome=outcome):
        yield writer.writerow([row[name] for name in HEADER])
