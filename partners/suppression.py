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
