"""Funders' exports cannot be differenced into a small count: every export of a fixture
(each range of months, each state and the nation) is written as equations over the true
counts, and no small count, nor a small total, is fixed by all of them together."""

import random
from datetime import date
from itertools import pairwise

import pytest

from partners.suppression import is_small
from partners.us_states import US_STATES
from placement.reports.disclosure import (
    AREAS,
    NATION,
    NIGHTS,
    NO_STATE,
    PARTITIONS,
    MonthCounts,
    protect,
)
from placement.reports.exports import Times, build_export, csv_rows, range_total, shown
from tests.disclosure_oracle import fixed

MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
CATEGORIES = {p: [c for c, _l in cats] for p, (_t, cats) in PARTITIONS.items()}
# Requests a month in each area of the fixture (the other states have none): a big state,
# a middling one, a small one, DC and requests with no state.
SIZES = {"CA": 160, "TX": 70, "WY": 30, "DC": 9, NO_STATE: 4}


def _records(seed: int) -> dict[date, list[tuple]]:
    """Requests as (area, outcome, priority, type, shelter nights or 0, hotel nights or 0).
    Wyoming's requests left unplaced because places were full: 12, 15, then 3 in March,
    the cell the naive export below gives away."""
    rng = random.Random(seed)
    records = {}
    for month, full_in_wy in zip(MONTHS, (12, 15, 3), strict=True):
        rows = []
        for area, size in SIZES.items():
            for i in range(size):
                outcome = ("unplaced.full" if area == "WY" and i < full_in_wy else
                           rng.choice([c for c in CATEGORIES["outcome"]
                                       if not (area == "WY" and c == "unplaced.full")]))
                placed = outcome in ("on_time", "late")
                rows.append((area, outcome, rng.choice(CATEGORIES["priority"]),
                             rng.choice(CATEGORIES["type"]),
                             rng.randint(1, 9) if placed and i % 2 else 0,
                             rng.randint(1, 9) if placed and not i % 2 else 0))
        records[month] = rows
    return records


def _counts(rows: list[tuple]) -> MonthCounts:
    requests: dict = {}
    stays: dict = {}
    for area, *categories, shelter, hotel in rows:
        cells = requests.setdefault(area, {p: {} for p in PARTITIONS})
        for partition, category in zip(PARTITIONS, categories, strict=True):
            cells[partition][category] = cells[partition].get(category, 0) + 1
        for kind, nights in (("shelter", shelter), ("hotel", hotel)):
            if nights:
                count, total = stays.setdefault(area, {}).get(kind, (0, 0))
                stays[area][kind] = (count + 1, total + nights)
    return MonthCounts(requests, stays)


@pytest.fixture(scope="module")
def months():
    records = _records(7)
    return {month: _counts(rows) for month, rows in records.items()}


def _areas_of(area: str) -> list[str]:
    return list(AREAS) if area == NATION else [area]


def _terms(months: list[date], area: str, column: str) -> dict:
    """A published figure's definition: the unknowns it adds up."""
    if column == "total":  # requests filed: the outcome breakdown's sum
        return {("x", m, a, c): 1 for m in months for a in _areas_of(area)
                for c in CATEGORIES["outcome"]}
    if column in ("shelter", "hotel"):
        return {("n", m, a, column): 1 for m in months for a in _areas_of(area)}
    return {("x", m, a, column): 1 for m in months for a in _areas_of(area)}


def _structure() -> list[dict]:
    """What a reader knows without any export: each breakdown of an area's month adds up
    to the same number."""
    known = []
    for m in MONTHS:
        for a in AREAS:
            first, *others = PARTITIONS
            for other in others:
                known.append({**{("x", m, a, c): 1 for c in CATEGORIES[first]},
                              **{("x", m, a, c): -1 for c in CATEGORIES[other]}})
    return known


def _published(export, first: int) -> list[dict]:
    """Every number an export shows, as the unknowns it adds up (the shares are worked
    out from shown counts, checked apart; the times are not counts)."""
    equations = []
    span = MONTHS[first:first + len(export.months)]
    for table in export.tables:
        if table.key not in ("requests", "priority", "type", "nights"):
            continue
        for i, (column, _label) in enumerate(table.columns):
            for m, row in zip(span, table.rows, strict=True):
                if row.cells[i].value is not None:
                    equations.append(_terms([m], export.area, column))
            if table.total and table.total.cells[i].value is not None:
                equations.append(_terms(span, export.area, column))
    for code, value in (export.by_state or {}).items():
        if value is not None:
            equations.append(_terms(span, code, "total"))
    return equations


def _secrets(months: dict) -> dict[str, dict]:
    """Every small count of the fixture: a cell, an area's month total, the nation's."""
    secrets = {}
    for m, counts in months.items():
        for a in (*AREAS, NATION):
            areas = _areas_of(a)
            for c in [c for cats in CATEGORIES.values() for c in cats]:
                partition = next(p for p, cats in CATEGORIES.items() if c in cats)
                value = sum(counts.count(x, partition, c) for x in areas)
                if is_small(value):
                    secrets[f"{m:%b} {a} {c} = {value}"] = _terms([m], a, c)
            total = sum(counts.count(x, "outcome", c) for x in areas
                        for c in CATEGORIES["outcome"])
            if is_small(total):
                secrets[f"{m:%b} {a} requests = {total}"] = _terms([m], a, "total")
            for kind, _label in NIGHTS:
                stays = sum(counts.stays.get(x, {}).get(kind, (0, 0))[0] for x in areas)
                if is_small(stays):
                    secrets[f"{m:%b} {a} {kind} nights"] = _terms([m], a, kind)
    return secrets


def _every_export(months: dict, build=build_export):
    for first in range(len(MONTHS)):
        for last in range(first, len(MONTHS)):
            span = {m: protect(months[m]) for m in MONTHS[first:last + 1]}
            for area in (*US_STATES, NATION):
                yield first, build(area, span, {})


def test_the_fixture_has_small_counts_to_protect(months):
    secrets = _secrets(months)
    assert "Mar WY unplaced.full = 3" in secrets
    assert any(" DC requests = 9" in name for name in secrets)
    assert any(name.startswith("Jan -- ") for name in secrets)  # the no-state row's


def test_no_export_shows_a_small_count(months):
    for _first, export in _every_export(months):
        for table in export.tables:
            for row in [*table.rows, *([table.total] if table.total else [])]:
                for cell in row.cells:
                    if table.key in ("requests", "priority", "type"):
                        assert cell.value is None or not is_small(cell.value), cell


def test_every_export_together_fixes_no_small_count(months):
    """Adjacent and overlapping ranges (Jan-Mar against Jan-Feb and Feb-Mar), one state
    against the nation and every other state, all at once."""
    published = _structure()
    for first, export in _every_export(months):
        published += _published(export, first)
    assert fixed(published, _secrets(months)) == []


def test_the_attack_works_on_a_naive_export(months):
    """Range totals over hidden cells are what the rule forbids: with them, Jan-Mar minus
    Jan-Feb gives Wyoming's 3 in March (the check above is not vacuous)."""
    published = _structure()
    for first, export in _every_export(months):
        published += _published(export, first)
        span = MONTHS[first:first + len(export.months)]
        if len(span) > 1:  # what a naive export adds: every total, hidden cells or not
            for column in CATEGORIES["outcome"]:
                published.append(_terms(span, export.area, column))
    assert "Mar WY unplaced.full = 3" in fixed(published, _secrets(months))


def test_a_month_is_hidden_alike_in_every_export_and_totals_only_add_shown_cells(months):
    alone = build_export("WY", {MONTHS[2]: protect(months[MONTHS[2]])}, {})
    together = build_export("WY", {m: protect(months[m]) for m in MONTHS}, {})
    march_alone, march_in_range = alone.tables[0].rows[0], together.tables[0].rows[2]
    assert march_alone == march_in_range
    full = [key for key, _l in alone.tables[0].columns].index("unplaced.full")
    assert march_alone.cells[full].text == "fewer than 11"
    assert together.tables[0].total.cells[full].text == "hidden"
    assert [row.cells[full].value for row in together.tables[0].rows[:2]] == [12, 15]


def test_the_nation_is_protected_against_its_states(months):
    """Where a state's cell is hidden, the nation's cell and the other states' shown cells
    never leave it alone: another state's (or the nation's) cell is hidden too."""
    for month in MONTHS:
        protected = protect(months[month])
        for category in protected.cells[NATION]:
            hidden = [a for a in (*AREAS, NATION) if protected.cells[a][category].hidden]
            assert len(hidden) != 1, (month, category, hidden)


def test_range_totals_and_shares_come_from_shown_cells_only():
    assert range_total([shown(12), shown(15)]).value == 27
    assert range_total([shown(12), shown(None)]).text == "hidden"
    export = build_export("CA", {MONTHS[0]: protect(_counts(
        [("CA", "on_time", "high", "sex", 3, 0)] * 30 + [("CA", "late", "high", "sex", 0, 2)] * 12
        + [("CA", "undecided", "normal", "labor", 0, 0)] * 3))}, {})
    shares = next(t for t in export.tables if t.key == "shares")
    requests = export.tables[0]
    # 45 filed; 3 not decided is fewer than 11, so "decided" (45 - 3) cannot be shown,
    # and no share of it either.
    undecided = [k for k, _l in requests.columns].index("undecided")
    assert requests.rows[0].cells[undecided].text == "fewer than 11"
    assert [c.text for c in shares.rows[0].cells] == ["hidden", "hidden"]


def test_shares_of_shown_cells():
    rows = ([("TX", "on_time", "high", "sex", 3, 0)] * 30 + [("TX", "late", "high", "sex", 0, 2)]
            * 12 + [("TX", "unplaced.no_fit", "normal", "labor", 0, 0)] * 18)
    export = build_export("TX", {MONTHS[0]: protect(_counts(rows))}, {})
    shares = next(t for t in export.tables if t.key == "shares")
    # 60 decided, 30 on time (50.0%), 42 placed (70.0%).
    assert [c.text for c in shares.rows[0].cells] == ["50.0%", "70.0%"]
    nights = next(t for t in export.tables if t.key == "nights")
    assert [c.text for c in nights.rows[0].cells] == ["90", "24"]  # 30 x 3, 12 x 2


def test_times_are_shown_only_for_eleven_requests_or_more():
    times = {MONTHS[0]: {"critical": Times(11, 150.0, 600.0), "high": Times(10, 90.0, 95.0)}}
    export = build_export("CA", {MONTHS[0]: protect(_counts([]))},
                          {"checked_in": ("check-in", times)})
    safety = next(t for t in export.tables if t.key == "safety_checked_in")
    assert [c.text for c in safety.rows[0].cells] == [
        "2.5 h", "10.0 h", "not shown", "not shown", "not shown", "not shown"]


def test_the_csv_says_every_hidden_figure_in_words(months):
    export = build_export("WY", {m: protect(months[m]) for m in MONTHS}, {})
    rows = csv_rows(export, date(2026, 5, 2))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["about", "area", "", "Wyoming"] in rows
    assert ["Requests filed, and what became of them", "Mar 2026",
            "Not placed: places were full", "fewer than 11"] in rows
    assert ["Requests filed, and what became of them", "All these months",
            "Not placed: places were full", "hidden"] in rows
    assert all(row[3] != "" for row in rows[1:])


def test_the_no_state_row_is_never_exported(months):
    with pytest.raises(ValueError):
        build_export(NO_STATE, {MONTHS[0]: protect(months[MONTHS[0]])}, {})


def test_a_month_whose_breakdowns_disagree_is_refused():
    with pytest.raises(ValueError, match="add up differently"):
        protect(MonthCounts({"CA": {"outcome": {"on_time": 12}, "priority": {"high": 11},
                                    "type": {"sex": 12}}}, {}))


def test_adjacent_months_stay_independent(months):
    """Each month's cube is suppressed on its own counts: February's cells read the same
    whatever January holds."""
    feb = protect(months[MONTHS[1]])
    assert protect(months[MONTHS[1]]) is feb
    for (a, b) in pairwise(MONTHS):
        assert protect(months[a]) is not protect(months[b])
