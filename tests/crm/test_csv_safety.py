"""Spreadsheet-safe CSV cells (OWASP's CSV injection guidance)."""

import csv
import io

import pytest

from crm.csv_safety import SafeCsvWriter, neutralize_cell

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\uff1d1+1",  # full-width =
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "   =1+1",  # after leading spaces
    "\u00a0@SUM(A1)",  # after a no-break space
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_is_prefixed_with_a_quote(value):
    assert neutralize_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Élise", "514 555-0199", "a=b", "x-ray", "", "mail@x.ca"])
def test_a_plain_value_is_unchanged(value):
    assert neutralize_cell(value) == value


@pytest.mark.parametrize("value", [-5, 0.25, None, True])
def test_numbers_and_none_are_unchanged(value):
    assert neutralize_cell(value) == value


def test_the_writer_neutralizes_every_cell_and_still_quotes_commas_and_line_breaks():
    out = io.StringIO()
    SafeCsvWriter(out).writerow(['=1+1,"x"\nnext', "plain, with comma", -3])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ['\'=1+1,"x"\nnext', "plain, with comma", "-3"]
    ]
