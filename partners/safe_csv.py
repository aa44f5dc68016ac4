"""The one way this project writes CSV: every cell safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with "=", "+", "-" or "@" (and, in some, a tab, a
carriage return or a line feed before one, or their full-width forms) as a formula: a
shelter or a program named `=HYPERLINK("https://evil.example", "Click")` would become a live
link in a coordinator's or a donor's spreadsheet. Such a text cell gets a leading apostrophe,
the spreadsheet's own "this is text" mark, which `unquote` removes again on import. Numbers
are written as they are ("-5" is a number, not a formula).
"""

import csv
import io
from collections.abc import Iterable
from numbers import Number
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: Any) -> str:
    """The text of one cell: empty for None, yes/no for a flag, text marked when risky."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Number):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def unquote(raw: str) -> str:
    """A cell read back from one of our files (or a spreadsheet that kept the mark)."""
    return raw[1:] if raw.startswith("'") and raw[1:].startswith(FORMULA_START) else raw


class SafeCsvWriter:
    """`csv.writer` with every cell passed through `cell`; `text()` is the file."""

    def __init__(self) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)

    def text(self) -> str:
        return self._out.getvalue()


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    writer = SafeCsvWriter()
    writer.writerow(header)
    writer.writerows(rows)
    return writer.text()
