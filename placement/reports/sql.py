"""The few expressions SQLite and PostgreSQL write differently, so that every figure is
computed in the database on both: minutes between two moments, the leading number of a
text, and percentiles by group.

Percentiles are PostgreSQL's `percentile_cont` (linear interpolation between the two
nearest ranks). SQLite has no percentile, so there the same value is computed from window
functions: each value's rank in its group (ROW_NUMBER) and the group's size (COUNT OVER),
then the values at the two ranks around (n - 1) * p, interpolated. Both give the same
number for the same rows (tests/test_reports_figures.py holds them to hand-computed ones).
"""

from collections.abc import Mapping, Sequence

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
    # date_part is a float; EXTRACT is a numeric since PostgreSQL 14, far slower to sort.
    return f"(date_part('epoch', {end} - {start}) / 60)"


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


def percentiles(session: Session, keys: Sequence[ColumnElement],
                values: Mapping[str, ColumnElement], source: Select,
                fractions: Sequence[float] = (0.5, 0.9)) -> dict[str, dict[tuple, tuple]]:
    """For each of `values` (name -> expression), {key tuple: (count, *percentiles)} over
    the rows `source` selects (a select with its FROM and WHERE), grouped by `keys`, in one
    pass. Rows where a value is NULL are left out of that value's figures (count 0 and
    None where a group has none). Each percentile as percentile_cont computes it."""
    names = list(values)
    source = source.add_columns(*keys, *[values[n].label(f"v_{n}") for n in names])
    if session.get_bind().dialect.name == "postgresql":
        rows = source.subquery()
        group = [rows.c[key.name] for key in keys]
        figures = []
        for n in names:
            x = rows.c[f"v_{n}"]
            figures += [func.count(x), *[func.percentile_cont(p).within_group(x)
                                         for p in fractions]]
    else:
        partition = list(keys)
        ranked = source.add_columns(*[column for n in names for column in (
            # NULLs last, so the values of a group are ranked 1..n.
            func.row_number().over(partition_by=partition, order_by=(
                values[n].is_(None), values[n])).label(f"r_{n}"),
            func.count(values[n]).over(partition_by=partition).label(f"n_{n}"))]).subquery()
        group = [ranked.c[key.name] for key in keys]
        figures = []
        for n in names:
            x, rank, count = ranked.c[f"v_{n}"], ranked.c[f"r_{n}"], ranked.c[f"n_{n}"]
            figures.append(func.max(count))
            for p in fractions:
                position = (count - 1) * p  # 0-based: between ranks floor+1 and floor+2
                below = cast(position, Integer)  # CAST truncates: floor, as it is >= 0
                low = func.max(case((rank == below + 1, x)))
                high = func.coalesce(func.max(case((rank == below + 2, x))), low)
                figures.append(low + (high - low) * (func.max(position) - func.max(below)))
    width = 1 + len(fractions)
    result: dict[str, dict[tuple, tuple]] = {n: {} for n in names}
    for row in session.execute(select(*group, *figures).group_by(*group)):
        key, rest = tuple(row[:len(keys)]), row[len(keys):]
        for i, n in enumerate(names):
            result[n][key] = tuple(rest[i * width:(i + 1) * width])
    return result
