"""The few expressions SQLite and PostgreSQL write differently, so that every figure is
computed in the database on both: minutes between two moments, the leading number of a
text, and percentiles by group.

Percentiles are PostgreSQL's `percentile_cont` (linear interpolation between the two
nearest ranks). SQLite has no percentile, so there the same value is computed from window
functions: each value's rank in its group (ROW_NUMBER) and the group's size (COUNT OVER),
then the values at the two ranks around (n - 1) * p, interpolated. Both give the same
number for the same rows (tests/test_reports_figures.py holds them to hand-computed ones).
"""

from collections.abc import Sequence

from sqlalchemy import Float, Integer, Select, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class minutes_between(FunctionElement):  # noqa: N801 (an SQL function, named as one)
    """Minutes from the first moment to the second, as a float."""

    type = Float()
    inherit_cache = True


@compiles(minutes_between, "sqlite")
def _minutes_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 1440.0)"


@compiles(minutes_between, "postgresql")
def _minutes_postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 60.0)"


class leading_int(FunctionElement):  # noqa: N801
    """The first run of digits in a text as an integer ("+3 nights" -> 3), or NULL."""

    type = Integer()
    inherit_cache = True


@compiles(leading_int, "sqlite")
def _leading_int_sqlite(element, compiler, **kw):
    (text,) = (compiler.process(arg, **kw) for arg in element.clauses)
    # SQLite's CAST reads the longest number at the start of a text: "3 nights" is 3.
    return f"CAST(ltrim({text}, '+') AS INTEGER)"


@compiles(leading_int, "postgresql")
def _leading_int_postgresql(element, compiler, **kw):
    (text,) = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(substring({text} from '[0-9]+') AS INTEGER)"


def percentiles(session: Session, keys: Sequence[ColumnElement], value: ColumnElement,
                source: Select, fractions: Sequence[float] = (0.5, 0.9)) -> list[tuple]:
    """Rows of (*keys, count, *percentiles) of `value` by `keys`, over the rows `source`
    selects (`source` is a select with its FROM and WHERE; rows with a NULL value are left
    out). Each percentile as percentile_cont computes it."""
    source = source.add_columns(*keys, value.label("value")).where(value.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        rows = source.subquery()
        group = [rows.c[key.name] for key in keys]
        query = select(*group, func.count(), *[
            func.percentile_cont(p).within_group(rows.c.value) for p in fractions
        ]).group_by(*group)
        return [tuple(row) for row in session.execute(query)]
    partition = list(keys)
    ranked = source.add_columns(
        func.row_number().over(partition_by=partition, order_by=value).label("rank"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()
    group = [ranked.c[key.name] for key in keys]
    n, rank, x = ranked.c.n, ranked.c.rank, ranked.c.value
    values = []
    for p in fractions:
        position = (n - 1) * p  # 0-based: between ranks floor+1 and floor+2
        below = cast(position, Integer)  # non-negative, so CAST is floor
        low = func.max(case((rank == below + 1, x)))
        high = func.coalesce(func.max(case((rank == below + 2, x))), low)
        values.append(low + (high - low) * (func.max(position) - func.max(below)))
    query = select(*group, func.max(n), *values).group_by(*group)
    return [tuple(row) for row in session.execute(query)]
