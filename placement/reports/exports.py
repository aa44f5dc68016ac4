"""What a funder's export shows (CSV and the page that prints to PDF): the rule, and the
tables built from suppressed months. No database here: export_queries.py reads the counts.

**The rule.** Small counts (1 to 10) are hidden, and so is enough else that they cannot be
worked out, from one export or from any number of them taken together:

- *Whole months, whole states.* An export covers whole months (a day given is read as its
  month) and one state or the nation: program and priority filters do not apply to it
  (priority is one of its breakdowns instead), so two exports differ only by whole months
  or by whole states.
- *Every figure is a cell of its month.* Each month is suppressed once, as one cube of every
  state and the nation (disclosure.py): the state and national exports of a month show the
  same cells hidden, and the nation's cells are protected against the states' (the nation
  minus all the other states would otherwise give a state's hidden cell).
- *Totals only over shown cells.* A range's total ("Jan to Mar") is shown only when every
  month's cell it adds is shown, so it is the sum of figures printed beside it. Without
  this, "Jan to Mar" minus "Jan to Feb" (both totals shown) would give March's hidden
  cell. Shares are computed from shown cells only (hidden when one of them is hidden);
  nights are hidden where fewer than 11 stays make them; a median or 90th percentile is
  shown only where at least 11 requests make it.
- *Settled months, published once.* An export shows a month once the month after it has
  ended, counted as it stood then (outcomes decided later count as "not decided by
  then"), and the first export of a month publishes its counts (export_queries.py,
  `PublishedMonth`): every later export of it, on any worker or host, shows those, so
  exports taken at different times cannot be differenced either, even where a request
  of that month is edited afterwards.

tests/test_report_exports.py takes every export of a fixture (every range of months, every
state and the nation), writes each published number as an equation over the true counts,
and checks by exact elimination that no hidden small count is determined.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from partners.suppression import THRESHOLD
from partners.us_states import US_STATES

from .disclosure import NATION, NIGHTS, NO_STATE, PARTITIONS, ProtectedMonth

SETTLE_MONTHS = 1  # a month is exported once this many whole months have passed after it
NOT_SHOWN = "not shown"  # a time made by fewer than 11 requests, or by none


@dataclass(frozen=True)
class Cell:
    value: int | float | None  # None: hidden or not shown
    text: str


@dataclass(frozen=True)
class ExportRow:
    key: str
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class ExportTable:
    key: str
    title: str
    row_label: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[ExportRow]
    total: ExportRow | None = None
    note: str = ""


@dataclass(frozen=True)
class Export:
    area: str  # a state's code, or NATION
    months: list[date]
    tables: list[ExportTable]
    by_state: dict[str, int | None] | None  # the nation's export: requests over the range


def area_label(area: str) -> str:
    return "All states, DC and Puerto Rico" if area == NATION else US_STATES[area]


def month_key(month: date) -> str:
    return f"{month:%Y-%m}"


def month_label(month: date) -> str:
    return f"{month:%b %Y}"


def range_label(months: list[date]) -> str:
    if len(months) == 1:
        return month_label(months[0])
    return f"{month_label(months[0])} to {month_label(months[-1])}"


def shown(value: int | float | None, text: str | None = None) -> Cell:
    if value is None:
        return Cell(None, text or "hidden")
    return Cell(value, f"{value:,}" if isinstance(value, int) else f"{value:,.1f}")


def range_total(cells: list[Cell]) -> Cell:
    """The sum over months, only where every month's cell is shown: never a total over a
    hidden cell."""
    if any(cell.value is None for cell in cells):
        return Cell(None, "hidden")
    return shown(sum(cell.value for cell in cells))


def share(part: Cell, whole: Cell) -> Cell:
    """A percentage of shown cells only."""
    if part.value is None or whole.value is None:
        return Cell(None, "hidden")
    if not whole.value:
        return Cell(None, "–")
    return Cell(round(100 * part.value / whole.value, 1),
                f"{100 * part.value / whole.value:.1f}%")


def _table(key: str, title: str, columns: list[tuple[str, str]],
           rows: list[ExportRow], note: str = "") -> ExportTable:
    total = ExportRow("total", "All these months", [
        range_total([row.cells[i] for row in rows]) for i in range(len(columns))])
    return ExportTable(key, title, "Month", columns, rows, total if len(rows) > 1 else None,
                       note)


def _counts_table(key: str, title: str, columns: list[tuple[str, str]],
                  months: dict[date, ProtectedMonth], area: str) -> ExportTable:
    rows = []
    for month, protected in months.items():
        figures = [protected.total[area] if c == "total" else protected.cells[area][c]
                   for c, _label in columns]
        rows.append(ExportRow(month_key(month), month_label(month),
                              [Cell(f.shown, f.text) for f in figures]))
    return _table(key, title, columns, rows)


def _shares(requests: ExportTable) -> ExportTable:
    index = {key: i for i, (key, _label) in enumerate(requests.columns)}
    columns = [("on_time", "Placed on time, of the requests decided"),
               ("placed", "Placed (on time or late), of the requests decided")]
    rows = []
    for row in [*requests.rows, *([requests.total] if requests.total else [])]:
        cells = row.cells
        total, undecided = cells[index["total"]], cells[index["undecided"]]
        decided = (Cell(None, "hidden") if None in (total.value, undecided.value)
                   else shown(total.value - undecided.value))
        on_time, late = cells[index["on_time"]], cells[index["late"]]
        placed = (Cell(None, "hidden") if None in (on_time.value, late.value)
                  else shown(on_time.value + late.value))
        rows.append(ExportRow(row.key, row.label, [share(on_time, decided),
                                                   share(placed, decided)]))
    has_total = requests.total is not None
    return ExportTable("shares", "Shares of the requests decided", "Month", columns,
                       rows[:-1] if has_total else rows, rows[-1] if has_total else None,
                       "Worked out from the counts above that are shown; hidden where one "
                       "of them is.")


def _nights(months: dict[date, ProtectedMonth], area: str) -> ExportTable:
    rows = [ExportRow(month_key(m), month_label(m),
                      [Cell(p.nights[area][k].shown, p.nights[area][k].text) for k, _l in NIGHTS])
            for m, p in months.items()]
    return _table("nights", "Nights in shelters and hotels, of the requests filed each month",
                  list(NIGHTS), rows,
                  "Nights of the stays that took someone in; hidden where fewer than 11 "
                  "stays make them.")


@dataclass(frozen=True)
class Times:
    """One month's times from filing to a step, for one priority: how many requests
    reached it (never shown), the median and the 90th percentile in minutes."""

    count: int
    median: float | None
    p90: float | None


def hours(minutes: float | None, count: int) -> Cell:
    if minutes is None or count < THRESHOLD:
        return Cell(None, NOT_SHOWN)  # none at all reads alike: no count shows through
    return Cell(round(minutes / 60, 1), f"{minutes / 60:,.1f} h")


def _safety(step: str, words: str, times: Mapping[date, Mapping[str, Times]],
            months: list[date]) -> ExportTable:
    priorities = PARTITIONS["priority"][1]
    columns = [(f"{p}_{stat}", f"{label.split(' (')[0]}: {name}")
               for p, label in priorities for stat, name in (("median", "median"),
                                                             ("p90", "90th percentile"))]
    rows = []
    for month in months:
        cells = []
        for p, _label in priorities:
            t = times.get(month, {}).get(p, Times(0, None, None))
            cells += [hours(t.median, t.count), hours(t.p90, t.count)]
        rows.append(ExportRow(month_key(month), month_label(month), cells))
    return ExportTable(f"safety_{step}", f"Hours from filing to {words}", "Month", columns, rows,
                       None, "Shown where at least 11 requests of the month and priority "
                       "reached this step; no total over months.")


def build_export(area: str, months: dict[date, ProtectedMonth],
                 safety: Mapping[str, tuple[str, Mapping[date, Mapping[str, Times]]]]
                 ) -> Export:
    """The export of `area` (a state's code or NATION) over `months` (each suppressed
    already, oldest first); `safety`: step -> (its words, times by month and priority)."""
    if area == NO_STATE:
        raise ValueError("requests with no state are never exported on their own")
    outcome = [("total", "Requests filed"), *PARTITIONS["outcome"][1]]
    requests = _counts_table("requests", "Requests filed, and what became of them", outcome,
                             months, area)
    tables = [requests, _shares(requests)]
    for key in ("priority", "type"):
        title, categories = PARTITIONS[key]
        tables.append(_counts_table(key, f"Requests filed, by {title.lower()}",
                                    list(categories), months, area))
    tables.append(_nights(months, area))
    tables += [_safety(step, words, times, list(months))
               for step, (words, times) in safety.items()]
    by_state = None
    if area == NATION:
        by_state = {code: range_total([shown(p.total[code].shown) for p in months.values()]).value
                    for code in US_STATES}
    return Export(area, list(months), tables, by_state)


def csv_rows(export: Export, as_of: date) -> list[list]:
    """The export as rows of (table, row, column, value): one figure a line, each hidden
    one in words, so a spreadsheet can pivot it and no one reads a blank as zero."""
    rows: list[list] = [
        ["table", "row", "column", "value"],
        ["about", "area", "", area_label(export.area)],
        ["about", "months", "", range_label(export.months)],
        ["about", "as of", "", f"each month as it stood when the month after it ended; "
                               f"made {as_of:%Y-%m-%d}"],
        ["about", "suppression", "",
         "counts of 1 to 10 read 'fewer than 11'; 'hidden' cells are hidden so that they "
         "cannot be worked out; totals and shares only from shown cells"],
    ]
    for table in export.tables:
        for row in [*table.rows, *([table.total] if table.total else [])]:
            for (_key, label), cell in zip(table.columns, row.cells, strict=True):
                value = cell.value if cell.value is not None else cell.text
                rows.append([table.title, row.label, label, value])
    if export.by_state is not None:
        for code, value in sorted(export.by_state.items(), key=lambda item: US_STATES[item[0]]):
            rows.append(["Requests filed, by state", US_STATES[code], "Requests filed",
                         value if value is not None else "hidden"])
    return rows
