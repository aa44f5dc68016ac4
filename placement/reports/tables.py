"""A report's figures as plain tables (placement/reports/figures.py makes them): rows of
labels and numbers, each column saying what its numbers are."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # "count", "minutes", "points" or "ratio"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    values: tuple


@dataclass(frozen=True)
class Table:
    title: str
    label: str  # what the rows are ("Month", "State"...)
    columns: tuple[Column, ...]
    rows: list[Row]

    def column(self, key: str) -> list:
        i = [c.key for c in self.columns].index(key)
        return [row.values[i] for row in self.rows]

    def total(self, key: str) -> int:
        return sum(v or 0 for v in self.column(key))


def month_key(month: date) -> str:
    return f"{month:%Y-%m}"


def month_label(month: date) -> str:
    return f"{month:%b %Y}"


def add_into(totals: dict, key, values) -> None:
    """Add `values` into totals[key], element by element (sums over grouped rows)."""
    now = totals.get(key)
    totals[key] = tuple(values) if now is None else tuple(
        a + b for a, b in zip(now, values, strict=True))
