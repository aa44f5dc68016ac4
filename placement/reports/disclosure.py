"""One month's counts for funders, suppressed once for every export that shows them.

A month's *cube* holds, for every state (and the requests with none) and for the nation,
the requests filed that month broken down several ways (PARTITIONS: what became of them,
priority, type of trafficking), each breakdown adding up to the same total, and the
nights of the stays that took them in. Everything an export may show of that month is a
cell of this cube: a state's export shows the state's row, the national export the
nation's row. The cube is suppressed as a whole (partners.suppression.suppress_linked)
with every equation a reader knows: each breakdown of a row adds up to its total, the
states (and no-state) add up to the nation, in every column. So the exports of all the
states and of the nation, for any months, taken together, never pin down a small count.

The no-state row is never shown (the filter has no such choice) but it is in the cube:
the nation minus every state would otherwise be it.

This module knows no database: `protect` takes plain counts, so it is tested alone.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from partners.suppression import SMALL_LABEL, THRESHOLD, is_small, suppress_linked
from partners.us_states import US_STATES

NATION = "all"
NO_STATE = "--"
AREAS = (*US_STATES, NO_STATE)  # the cube's rows below the nation

UNPLACED_GROUPS = (
    ("no_fit", "Not placed: no place in reach fitted"),
    ("full", "Not placed: places were full"),
    ("fell_through", "Not placed: a proposed stay fell through"),
    ("not_needed", "Not placed: no longer needed"),
    ("other", "Not placed: other reasons"),
)
PARTITIONS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "outcome": ("What became of them", (
        ("on_time", "Placed on time"), ("late", "Placed late"),
        *((f"unplaced.{key}", label) for key, label in UNPLACED_GROUPS),
        ("undecided", "Not decided by then"))),
    "priority": ("Priority", (("critical", "Critical (tonight)"),
                              ("high", "High (within 24 hours)"), ("normal", "Normal"))),
    "type": ("Type of trafficking", (("sex", "Sex"), ("labor", "Labor"),
                                     ("both", "Both sex and labor"), ("unknown", "Not known"),
                                     ("none", "Not recorded"))),
}
NIGHTS = (("shelter", "Shelter nights"), ("hotel", "Hotel nights"))
NIGHTS_HIDDEN = "hidden (fewer than 11 stays)"


@dataclass(frozen=True)
class MonthCounts:
    """`requests[area][partition][category]`: requests filed that month; `stays[area]
    [kind]`: (stays that took someone in, their nights). Areas are US_STATES' codes and
    NO_STATE; missing ones are zero. Every partition of an area must add up alike."""

    requests: Mapping[str, Mapping[str, Mapping[str, int]]]
    stays: Mapping[str, Mapping[str, tuple[int, int]]]

    def key(self) -> tuple:
        """Every count in a fixed order: equal months are suppressed alike (and once)."""
        return tuple(
            tuple(self.count(area, p, c) for p, (_t, cats) in PARTITIONS.items()
                  for c, _l in cats) for area in AREAS) + tuple(
            self.stays.get(area, {}).get(kind, (0, 0)) for area in AREAS for kind, _l in NIGHTS)

    def count(self, area: str, partition: str, category: str) -> int:
        return self.requests.get(area, {}).get(partition, {}).get(category, 0)


@dataclass(frozen=True)
class Figure:
    value: int
    hidden: bool
    text: str  # as an export prints it: the number, "fewer than 11" or "hidden"

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.value


@dataclass(frozen=True)
class ProtectedMonth:
    """`cells[area][category]`, `total[area]`, `nights[area][kind]` for NATION and every
    area (a category key is unique across partitions)."""

    cells: dict[str, dict[str, Figure]]
    total: dict[str, Figure]
    nights: dict[str, dict[str, Figure]]

    def to_json(self) -> dict:
        """As published_month keeps it: each figure as [value, hidden, text]."""
        def flat(figure: Figure) -> list:
            return [figure.value, figure.hidden, figure.text]
        return {"cells": {a: {c: flat(f) for c, f in cells.items()}
                          for a, cells in self.cells.items()},
                "total": {a: flat(f) for a, f in self.total.items()},
                "nights": {a: {k: flat(f) for k, f in kinds.items()}
                           for a, kinds in self.nights.items()}}

    @classmethod
    def from_json(cls, kept: dict) -> "ProtectedMonth":
        return cls(cells={a: {c: Figure(*f) for c, f in cells.items()}
                          for a, cells in kept["cells"].items()},
                   total={a: Figure(*f) for a, f in kept["total"].items()},
                   nights={a: {k: Figure(*f) for k, f in kinds.items()}
                           for a, kinds in kept["nights"].items()})


def _figure(value: int, hidden: bool, small: bool) -> Figure:
    if not hidden:
        return Figure(value, False, f"{value:,}")
    return Figure(value, True, SMALL_LABEL if small else "hidden")


class Cube:
    """The month's cells as one list, and the equations between them."""

    def __init__(self, counts: MonthCounts):
        self.values: list[int] = []
        self.is_total: list[bool] = []
        self.small: list[bool] = []
        self.at: dict[tuple, int] = {}
        self.lines: list[list[tuple[int, int]]] = []
        for area in AREAS:
            self._row(area, lambda p, c, a=area: counts.count(a, p, c),
                      lambda kind, a=area: counts.stays.get(a, {}).get(kind, (0, 0)))
        self._row(NATION, lambda p, c: sum(counts.count(a, p, c) for a in AREAS),
                  lambda kind: tuple(sum(pair) for pair in zip(
                      *(counts.stays.get(a, {}).get(kind, (0, 0)) for a in AREAS),
                      strict=True)))
        columns = [("total",), *(("nights", k) for k, _l in NIGHTS),
                   *(("cell", c) for _t, cats in PARTITIONS.values() for c, _l in cats)]
        for kind, *rest in columns:  # the states and no-state add up to the nation
            self._line([self.at[(kind, area, *rest)] for area in AREAS],
                       self.at[(kind, NATION, *rest)])

    def _add(self, key: tuple, value: int, small: bool) -> int:
        self.at[key] = len(self.values)
        self.values.append(value)
        self.is_total.append(key[0] == "total" or key[1] == NATION)
        self.small.append(small)
        return self.at[key]

    def _line(self, parts: list[int], total: int) -> None:
        self.lines.append([(cell, 1) for cell in parts] + [(total, -1)])

    def _row(self, area: str, count, stays_of) -> None:
        breakdowns = []
        for partition, (_title, categories) in PARTITIONS.items():
            breakdowns.append([self._add(("cell", area, c), value, is_small(value))
                               for c, _l in categories
                               for value in [count(partition, c)]])
        sums = {sum(self.values[cell] for cell in cells) for cells in breakdowns}
        if len(sums) > 1:
            raise ValueError(f"the breakdowns of {area} add up differently: {sorted(sums)}")
        total = sums.pop()
        total_cell = self._add(("total", area), total, is_small(total))
        for cells in breakdowns:  # each breakdown of the row adds up to its total
            self._line(cells, total_cell)
        for kind, _label in NIGHTS:
            stays, nights = stays_of(kind)
            # A sum of nights is about the people of its stays: hidden with few stays.
            self._add(("nights", area, kind), nights, 1 <= stays < THRESHOLD)


_KEPT: dict[tuple, ProtectedMonth] = {}


def _protected(counts: MonthCounts) -> ProtectedMonth:
    cube = Cube(counts)

    def cost(cell: int) -> tuple:
        # Give up a state's cell before a total or the nation's, non-zero before zero,
        # then the smallest.
        return (cube.is_total[cell], cube.values[cell] == 0, cube.values[cell])

    hidden = suppress_linked(cube.values, cube.lines, primary=list(cube.small), cost=cost)

    def figure(key: tuple) -> Figure:
        cell = cube.at[key]
        if key[0] == "nights" and hidden[cell]:
            return Figure(cube.values[cell], True, NIGHTS_HIDDEN if cube.small[cell]
                          else "hidden")
        return _figure(cube.values[cell], hidden[cell], cube.small[cell])

    areas = (*AREAS, NATION)
    categories = [c for _t, cats in PARTITIONS.values() for c, _l in cats]
    return ProtectedMonth(
        cells={a: {c: figure(("cell", a, c)) for c in categories} for a in areas},
        total={a: figure(("total", a)) for a in areas},
        nights={a: {k: figure(("nights", a, k)) for k, _l in NIGHTS} for a in areas})


def protect(counts: MonthCounts) -> ProtectedMonth:
    """The month suppressed: the same counts always give the same cells (kept per process:
    a month that has settled is suppressed once)."""
    key = counts.key()
    if key not in _KEPT:
        if len(_KEPT) >= 512:
            _KEPT.clear()
        _KEPT[key] = _protected(counts)
    return _KEPT[key]
