"""A CSV file as uploaded, made text and rows, whatever the spreadsheet program wrote.

- Encoding: a UTF-8 or UTF-16 byte-order mark says which; otherwise UTF-8 when the bytes
  are valid UTF-8, else Windows-1252 (Excel's "CSV" on a French or English Windows).
  NUL characters (which the csv module cannot read) are dropped.
- Delimiter: ``csv.Sniffer`` among ``,`` ``;`` tab and ``|`` (Excel writes ``;`` where
  the decimal separator is a comma, as in French Canada), else the one the header line
  holds most of, else ``,``.
- Rows: blank lines are skipped; each row knows the physical line it starts on (a quoted
  cell may hold line breaks), for the report. A row the csv module cannot read (a cell
  over its limit) is given back as a problem on its line, and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from crm.text import without_control_characters

DELIMITERS = ",;\t|"


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (the message says why, to staff)."""


@dataclass(frozen=True)
class CsvText:
    text: str
    encoding: str
    delimiter: str
    headers: list[str]


def decode(content: bytes) -> tuple[str, str]:
    """``(text, encoding name)`` of the file's bytes (see the module's docstring)."""
    if content.startswith(codecs.BOM_UTF8):
        text, encoding = content[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = content.decode("utf-16", errors="replace"), "utf-16"
    else:
        try:
            text, encoding = content.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = content.decode("cp1252", errors="replace"), "windows-1252"
    return text.replace("\x00", ""), encoding


def sniff_delimiter(text: str) -> str:
    sample = text[: 64 * 1024]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if found in DELIMITERS and found:
        return found
    first_line = sample.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def open_csv(content: bytes) -> CsvText:
    """Decode the file and read its header row. Raises ImportFileError when it has none."""
    text, encoding = decode(content)
    delimiter = sniff_delimiter(text)
    for _line, cells, _problem in records(text, delimiter):
        if cells is None:
            continue
        headers = [
            without_control_characters(cell.replace("\ufeff", ""), allowed=frozenset()).strip()[
                :200
            ]
            for cell in cells
        ]
        return CsvText(text=text, encoding=encoding, delimiter=delimiter, headers=headers)
    raise ImportFileError(_("The file is empty: it has no header row."))


def records(text: str, delimiter: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """Every non-blank record: ``(first physical line, cells, "")``, or
    ``(line, None, problem)`` for a record the csv module could not read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line, previous = previous + 1, reader.line_num
            yield line, None, str(error)
            continue
        line, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield line, cells, ""


def data_records(csv_text: CsvText) -> Iterator[tuple[int, list[str] | None, str]]:
    """The records after the header row."""
    found = records(csv_text.text, csv_text.delimiter)
    for line, cells, problem in found:
        if cells is not None:
            break
        # A problem before the header: it is the header, unreadable (open_csv said so).
        yield line, cells, problem
    yield from found


def count_rows(csv_text: CsvText) -> int:
    return sum(1 for _record in data_records(csv_text))
