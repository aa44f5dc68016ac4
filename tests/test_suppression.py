"""Small counts never show, and hidden counts cannot be recomputed from totals."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from partners.suppression import exposed, is_small, suppress, suppress_linked

tables = st.integers(1, 8).flatmap(
    lambda cols: st.lists(
        st.lists(st.integers(0, 60), min_size=cols, max_size=cols), min_size=1, max_size=14
    )
)


def equations(result, row_totals, col_totals):
    """Every published line as (cells' hidden flags, total's hidden flag)."""
    n_rows, n_cols = len(result.cells), len(result.cells[0])
    if row_totals:
        for r in range(n_rows):
            yield result.hidden[r] + [result.row_totals_hidden[r]]
    if col_totals:
        for c in range(n_cols):
            yield [result.hidden[r][c] for r in range(n_rows)] + [result.col_totals_hidden[c]]
    if row_totals and col_totals:
        yield result.col_totals_hidden + [result.grand_total_hidden]
        yield result.row_totals_hidden + [result.grand_total_hidden]


@settings(max_examples=300, deadline=None)
@given(tables, st.booleans(), st.booleans())
def test_no_small_count_is_shown_and_none_can_be_recomputed(cells, row_totals, col_totals):
    result = suppress(cells, row_totals=row_totals, col_totals=col_totals)
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if is_small(value):
                assert result.hidden[r][c]
    for line in equations(result, row_totals, col_totals):
        assert sum(line) != 1, "one hidden entry in a line with a total could be recomputed"
    for totals, flags in ((result.row_totals, result.row_totals_hidden),
                          (result.col_totals, result.col_totals_hidden)):
        for value, hidden in zip(totals or [], flags or [], strict=True):
            assert hidden or not is_small(value)


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column():
    result = suppress([[50, 40], [30, 5]])
    assert result.hidden == [[True, True], [True, True]] or sum(map(sum, result.hidden)) >= 3
    assert result.hidden[1][1]


def test_zero_and_large_counts_are_shown_when_nothing_is_small():
    result = suppress([[0, 12], [40, 0]])
    assert not any(map(any, result.hidden))


def test_suppression_is_not_blanket_on_a_busy_table():
    rng = random.Random(7)
    cells = [[rng.randint(11, 80) for _ in range(4)] for _ in range(12)]
    cells[3][2] = 4
    result = suppress(cells)
    assert result.visible_share >= 0.9


def test_a_cell_hidden_only_to_protect_another_says_hidden_not_fewer_than_11():
    result = suppress([[20], [5]], row_totals=False, col_totals=True)
    assert result.hidden == [[True], [True]]
    assert [result.text(0, 0), result.text(1, 0)] == ["hidden", "fewer than 11"]
    assert result.col_total_text(0) == "25"


def test_every_hidden_total_says_why():
    result = suppress([[4, 30], [3, 40]])
    assert result.hidden == [[True, True], [True, True]]
    assert result.col_total_text(0) == "fewer than 11"  # 7
    assert result.col_total_text(1) == "hidden"  # 70, hidden with the 7 beside it
    assert [result.text(0, 1), result.text(1, 1)] == ["hidden", "hidden"]
    assert [result.row_total_text(0), result.grand_total_text()] == ["34", "77"]


def test_an_empty_table_keeps_its_columns():
    result = suppress([], row_totals=False, col_totals=True, columns=3)
    assert result.col_totals == [0, 0, 0]
    assert result.col_totals_hidden == [False, False, False]


# -- cells tied by any equations (the reports' exports) ----------------------------------

def _grid_lines(n_rows: int, n_cols: int) -> tuple:
    """A table with its totals as one list of cells (row-major, a total column and row)
    and its lines (each row and column adds up to its total)."""
    at = lambda r, c: r * (n_cols + 1) + c  # noqa: E731
    lines = [[(at(r, c), 1) for c in range(n_cols)] + [(at(r, n_cols), -1)]
             for r in range(n_rows + 1)]
    lines += [[(at(r, c), 1) for r in range(n_rows)] + [(at(n_rows, c), -1)]
              for c in range(n_cols + 1)]
    return at, lines


def _with_totals(cells: list[list[int]]) -> list[int]:
    grid = [row + [sum(row)] for row in cells]
    grid.append([sum(col) for col in zip(*grid, strict=True)])
    return [v for row in grid for v in row]


def test_a_single_hidden_cell_between_two_hidden_rectangles_is_found():
    """Every line has two or more hidden cells, yet the cell joining two hidden rectangles
    is the difference of two sums of lines: the old rule ("no line with exactly one") lets
    it through, the exact check does not."""
    at, lines = _grid_lines(4, 4)
    values = _with_totals([[50] * 4 for _ in range(4)])
    hidden = [False] * len(values)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        hidden[at(r, c)] = True
    assert exposed(values, lines, hidden, [at(0, 0), at(1, 2)]) == [at(1, 2)]


def test_hidden_zeros_can_pin_a_cell_through_non_negative_counts():
    # a + z = 3 (shown), z + y = 0 (shown): z = y = 0 since no count is negative, so a = 3.
    values = [3, 0, 0, 3, 0]  # a, z, y, and the two totals
    lines = [[(0, 1), (1, 1), (3, -1)], [(1, 1), (2, 1), (4, -1)]]
    assert exposed(values, lines, [True, True, True, False, False], [0]) == [0]
    assert exposed(values, lines, [True, True, True, False, True], [0]) == []


def _solutions(values, lines, hidden, limit=20_000):
    """Every way to fill the hidden cells with counts of 0 or more that fits the shown
    ones (a brute force, for small tables): the attacker's knowledge, or more (no count
    above the grand total is tried, hidden or not, and a shown total bounds its cells)."""
    unknown = [cell for cell, flag in enumerate(hidden) if flag]
    bound = {cell: values[-1] for cell in unknown}
    for line in lines:
        total = next(c for c, a in line if a < 0)
        if not hidden[total]:
            for c, _a in line:
                if c in bound:
                    bound[c] = min(bound[c], values[total])
    position = {cell: i for i, cell in enumerate(unknown)}
    # Each line is checked once its last hidden cell has a value.
    closing: dict[int, list] = {}
    for line in lines:
        last = max((position[c] for c, _a in line if hidden[c]), default=None)
        if last is not None:
            closing.setdefault(last, []).append(line)
    through = {cell: [line for line in lines if any(c == cell for c, _a in line)]
               for cell in unknown}
    found, count = [], [0]

    def over(line, assigned):
        """A line whose total is shown, already passed by the cells that have values."""
        total = next(c for c, a in line if a < 0)
        return not hidden[total] and sum(
            assigned.get(c, 0) if hidden[c] else values[c]
            for c, a in line if a > 0) > values[total]

    def walk(i, assigned):
        count[0] += 1
        if count[0] > limit:
            raise OverflowError
        if i == len(unknown):
            found.append(dict(assigned))
            return
        for v in range(bound[unknown[i]] + 1):
            assigned[unknown[i]] = v
            if any(over(line, assigned) for line in through[unknown[i]]):
                break
            if all(sum(a * (assigned[c] if hidden[c] else values[c]) for c, a in line) == 0
                   for line in closing.get(i, [])):
                walk(i + 1, assigned)
        del assigned[unknown[i]]

    walk(0, {})
    return found


small_tables = st.integers(2, 3).flatmap(lambda cols: st.lists(
    st.lists(st.sampled_from([0, 0, 1, 2, 4, 7, 11, 12, 15]), min_size=cols, max_size=cols),
    min_size=2, max_size=3))


@settings(max_examples=40, deadline=None)
@given(small_tables)
def test_no_small_count_can_be_worked_out_even_with_non_negative_counts(cells):
    values = _with_totals(cells)
    _at, lines = _grid_lines(len(cells), len(cells[0]))
    hidden = suppress_linked(values, lines)
    for cell, value in enumerate(values):
        assert hidden[cell] or not is_small(value)
    try:
        solutions = _solutions(values, lines, hidden)
    except OverflowError:
        return  # too many to list: far from pinned
    for cell, value in enumerate(values):
        if is_small(value):
            assert len({s[cell] for s in solutions}) > 1, (cell, value, hidden)
