"""Small counts never show, and hidden counts cannot be recomputed from totals."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from partners.suppression import is_small, suppress

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
