"""Small-count suppression for tables that donors and reports see.

A count from 1 to 10 is never shown ("fewer than 11"): that is primary suppression. Where a
table also shows totals, a single hidden cell in a row or column could be recomputed from
the total and the cells shown, so another cell of that line is hidden too (secondary
suppression), the smallest one, until no line has exactly one unknown. Zero is shown:
it says nobody was housed, which identifies no one.

A cell hidden by secondary suppression reads "hidden", never "fewer than 11": it may be
any size, and a label that says otherwise misleads the reader about every number around it.
"""

from dataclasses import dataclass

THRESHOLD = 11
SMALL_LABEL = "fewer than 11"
HIDDEN_LABEL = "hidden"


@dataclass(frozen=True)
class SuppressedTable:
    """Values with a hidden-flag for every cell, row total, column total and the grand total."""

    cells: list[list[int]]
    hidden: list[list[bool]]
    row_totals: list[int] | None
    row_totals_hidden: list[bool] | None
    col_totals: list[int] | None
    col_totals_hidden: list[bool] | None
    grand_total: int | None
    grand_total_hidden: bool

    def shown(self, row: int, col: int) -> int | None:
        return None if self.hidden[row][col] else self.cells[row][col]

    def text(self, row: int, col: int) -> str:
        return label(self.cells[row][col], self.hidden[row][col])

    def row_total_text(self, row: int) -> str:
        return label(self.row_totals[row], self.row_totals_hidden[row])

    def col_total_text(self, col: int) -> str:
        return label(self.col_totals[col], self.col_totals_hidden[col])

    def grand_total_text(self) -> str:
        return label(self.grand_total, self.grand_total_hidden)

    @property
    def visible_share(self) -> float:
        flat = [h for row in self.hidden for h in row]
        return 1 - sum(flat) / len(flat) if flat else 1.0


def is_small(value: int) -> bool:
    return 1 <= value < THRESHOLD


def suppress(cells: list[list[int]], row_totals: bool = True, col_totals: bool = True,
             columns: int | None = None) -> SuppressedTable:
    """`columns` is the table's width when it may have no rows (its totals are then 0)."""
    n_rows = len(cells)
    n_cols = len(cells[0]) if cells else columns or 0
    # Work on one grid that includes the totals: row n_rows holds column totals, column
    # n_cols holds row totals, their corner the grand total.
    grid = [list(row) + [sum(row)] for row in cells]
    grid.append([sum(cells[r][c] for r in range(n_rows)) for c in range(n_cols)]
                + [sum(map(sum, cells))])
    hidden = [[is_small(v) for v in row] for row in grid]

    lines: list[list[tuple[int, int]]] = []
    if row_totals:  # each row with its total: the row's cells sum to it
        lines += [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows)]
        if col_totals:
            lines.append([(n_rows, c) for c in range(n_cols + 1)])
    if col_totals:
        lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols)]
        if row_totals:
            lines.append([(r, n_cols) for r in range(n_rows + 1)])

    def unknowns(index: int) -> int:
        return sum(hidden[r][c] for r, c in lines[index])

    def cost(point: tuple[int, int]) -> tuple:
        # Interior cells over totals, non-zero over zero, then the smallest value.
        is_total = point[0] == n_rows or point[1] == n_cols
        value = grid[point[0]][point[1]]
        return (is_total, value == 0, value)

    def open_cell(point: tuple[int, int]) -> bool:
        return not hidden[point[0]][point[1]]

    def rectangle(lone: tuple[int, int]) -> list[tuple[int, int]] | None:
        """A lone hidden cell whose row and column both need a partner is best paired in a
        rectangle: three more cells close both lines and each other, with no cascade."""
        r, c = lone
        if not (row_totals and col_totals) or r == n_rows or c == n_cols:
            return None
        if sum(hidden[r][k] for k in range(n_cols + 1)) != 1:
            return None
        if sum(hidden[k][c] for k in range(n_rows + 1)) != 1:
            return None
        best = None
        for r2 in range(n_rows):
            for c2 in range(n_cols):
                corners = [(r, c2), (r2, c), (r2, c2)]
                if r2 == r or c2 == c or not all(map(open_cell, corners)):
                    continue
                key = sorted(cost(p) for p in corners)
                if best is None or key < best[0]:
                    best = (key, corners)
        return best[1] if best else None

    changed = True
    while changed:
        changed = False
        for index, line in enumerate(lines):
            if unknowns(index) != 1:
                continue
            lone = next(p for p in line if not open_cell(p))
            candidates = [p for p in line if open_cell(p)]
            if not candidates:
                continue
            for r, c in rectangle(lone) or [min(candidates, key=cost)]:
                hidden[r][c] = True
            changed = True

    return SuppressedTable(
        cells=[row[:n_cols] for row in grid[:n_rows]],
        hidden=[row[:n_cols] for row in hidden[:n_rows]],
        row_totals=[grid[r][n_cols] for r in range(n_rows)] if row_totals else None,
        row_totals_hidden=[hidden[r][n_cols] for r in range(n_rows)] if row_totals else None,
        col_totals=grid[n_rows][:n_cols] if col_totals else None,
        col_totals_hidden=hidden[n_rows][:n_cols] if col_totals else None,
        grand_total=grid[n_rows][n_cols] if row_totals and col_totals else None,
        grand_total_hidden=hidden[n_rows][n_cols],
    )


def label(value: int, hidden: bool) -> str:
    """How a count reads: the number, "fewer than 11" (primary suppression), or "hidden"
    (secondary suppression: hidden only so that a small count cannot be worked out)."""
    if not hidden:
        return f"{value:,}"
    return SMALL_LABEL if is_small(value) else HIDDEN_LABEL


# -- cells tied by any linear equations: the reports' exports ----------------------------
#
# `suppress` above knows one table with its totals. A funder's export shows several
# tables of the same requests (by outcome, by priority, by type...) for every state and
# the nation, so one hidden cell may be tied to the cells around it by more equations than
# a row and a column: each breakdown of a state's requests adds up to the same total, the
# states add up to the nation. `suppress_linked` takes the cells and every equation a
# reader knows, and hides until no small count can be worked out exactly from what is
# shown, by any combination of the equations: "no line with exactly one hidden cell" is
# not enough there (two hidden cycles joined by a single hidden cell, or two breakdowns
# of one total, can pin a cell down), so every round ends with an exact check.

INF = float("inf")
Line = list[tuple[int, int]]  # (cell, coefficient): the coefficients times the values sum to 0


def suppress_linked(values: list[int], lines: list[Line],
                    primary: list[bool] | None = None,
                    cost=None) -> list[bool]:
    """Which of `values` to hide. `primary`: the cells hidden for themselves (by default
    the small counts, `is_small`); `cost(cell)`: the order in which other cells are given
    up to protect them (by default non-zero before zero, then the smallest value).

    Secondary suppression as `suppress` does it (a line with one hidden cell hides its
    cheapest shown cell), then a check (`exposed`): where a primary cell can still be
    worked out exactly, the cheapest shown cell on a line through it is hidden, and the
    rounds go on until none can."""
    hidden = list(primary) if primary is not None else [is_small(v) for v in values]
    protect = [cell for cell, flag in enumerate(hidden) if flag]
    key = cost or (lambda cell: (values[cell] == 0, values[cell]))
    through: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        for cell, _coefficient in line:
            through.setdefault(cell, []).append(index)
    while True:
        _close_lone_unknowns(lines, hidden, key)
        leaks = exposed(values, lines, hidden, protect)
        if not leaks:
            return hidden
        near = [c for i in through.get(leaks[0], []) for c, _a in lines[i] if not hidden[c]]
        near = near or [c for c, flag in enumerate(hidden) if not flag]
        if not near:
            return hidden
        hidden[min(near, key=key)] = True


def _close_lone_unknowns(lines: list[Line], hidden: list[bool], key) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [cell for cell, _a in line if hidden[cell]]
            if len(unknown) == 1:
                shown = [cell for cell, _a in line if not hidden[cell]]
                if shown:
                    hidden[min(shown, key=key)] = True
                    changed = True


def exposed(values: list[int], lines: list[Line], hidden: list[bool],
            protect: list[int]) -> list[int]:
    """The cells of `protect` (hidden ones) whose value a reader can work out exactly from
    the shown cells and `lines`: by linear algebra, and by counts never being negative
    (two hidden cells that must add up to 0 are both 0, which may pin a third). Each way
    feeds the other until neither finds more."""
    unknown = list(hidden)
    while True:
        found = _fixed_by_bounds(values, lines, unknown) | _fixed_linearly(lines, unknown)
        if not found:
            return [cell for cell in protect if not unknown[cell]]
        for cell in found:
            unknown[cell] = False


def _fixed_by_bounds(values: list[int], lines: list[Line], unknown: list[bool]) -> set[int]:
    """Hidden cells whose bounds meet: every count is at least 0, and a line's hidden cells
    add up to what its shown cells leave; bounds tighten line by line until they settle."""
    low = {cell: 0.0 for cell, flag in enumerate(unknown) if flag}
    high = {cell: INF for cell in low}
    rows = []
    for line in lines:
        rest = -sum(a * values[cell] for cell, a in line if not unknown[cell])
        terms = [(cell, a) for cell, a in line if unknown[cell] and a]
        if terms:
            rows.append((terms, rest))
    changed, rounds = True, 0
    while changed and rounds < 50:
        changed, rounds = False, rounds + 1
        for terms, rest in rows:
            # a * cell = rest - (the others' sum): the others' bounds are the line's bounds
            # less the cell's own (an infinite bound is counted, not added).
            least = [min(b * low[o], b * high[o]) for o, b in terms]
            most = [max(b * low[o], b * high[o]) for o, b in terms]
            least_sum = sum(v for v in least if v != -INF)
            most_sum = sum(v for v in most if v != INF)
            least_inf, most_inf = least.count(-INF), most.count(INF)
            for (cell, a), own_least, own_most in zip(terms, least, most, strict=True):
                others_low = (-INF if least_inf - (own_least == -INF) else
                              least_sum - (own_least if own_least != -INF else 0))
                others_high = (INF if most_inf - (own_most == INF) else
                               most_sum - (own_most if own_most != INF else 0))
                bounds = sorted(((rest - others_high) / a, (rest - others_low) / a))
                if bounds[0] > low[cell] + 1e-9:
                    low[cell], changed = bounds[0], True
                if bounds[1] < high[cell] - 1e-9:
                    high[cell], changed = bounds[1], True
    return {cell for cell in low if high[cell] - low[cell] < 1e-9}


def _fixed_linearly(lines: list[Line], unknown: list[bool]) -> set[int]:
    """Hidden cells the lines fix: the lines restricted to the hidden cells are a linear
    system, and a cell is fixed exactly when its unit vector lies in the system's row
    space (some sum of the lines is that cell alone). Each group of hidden cells tied
    together through lines is solved on its own (a thin SVD each)."""
    import numpy as np  # only the exports need it: a donor's page does not load numpy

    parent = {cell: cell for cell, flag in enumerate(unknown) if flag}

    def root(cell: int) -> int:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    rows = []
    for line in lines:
        row = [(cell, a) for cell, a in line if unknown[cell] and a]
        if row:
            rows.append(row)
            for cell, _a in row[1:]:
                parent[root(cell)] = root(row[0][0])
    groups: dict[int, list[int]] = {}
    for cell in parent:
        groups.setdefault(root(cell), []).append(cell)
    by_group: dict[int, list[list[tuple[int, int]]]] = {}
    for row in rows:
        by_group.setdefault(root(row[0][0]), []).append(row)
    fixed: set[int] = set()
    for group, cells in groups.items():
        equations = by_group.get(group, [])
        if not equations:
            continue
        column = {cell: k for k, cell in enumerate(cells)}
        matrix = np.zeros((len(equations), len(cells)))
        for r, row in enumerate(equations):
            for cell, a in row:
                matrix[r, column[cell]] += a
        # The rows of vt with a non-zero singular value are an orthonormal basis of the
        # row space: a cell's unit vector lies in it when its projection keeps length 1.
        _u, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        tolerance = max(matrix.shape) * np.finfo(float).eps * (singular.max(initial=0) or 1)
        basis = vt[:int((singular > tolerance).sum())]
        free = 1 - (basis ** 2).sum(axis=0)
        fixed.update(cell for cell in cells if free[column[cell]] < 1e-7)
    return fixed
