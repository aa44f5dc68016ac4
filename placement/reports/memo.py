"""Settled months' figures, counted once and kept (issue 18's one second at national scale).

A report counts month by month (figures.Report: each figure a sum over its months' parts),
so a month's parts for one filter scope (state, priority, organization, program) are the
same in every report that covers it. Once a month is settled (SETTLE_MONTHS whole months
after it, as the funders' exports count them) its parts are kept in `report_memo`, one row
per month and scope, and a report reads them instead of counting that month's rows again:
five years is 58 rows read and two months counted.

**A kept month is always what counting afresh would give.** That rule is the database's,
not this module's: triggers on every table the figures read (migration a7d3e9c1f5b2)
delete a month's rows in the statement that changes anything of it (a request filed that
month, its stays, outcome, unmet needs, a stay's extension), whatever code or SQL writes
it; a change to what figures group by (a hotel's program, a program's code, an
organization's kind) deletes them all. What is left is a race: a report counting a month
while a change to it is in flight would keep the count from before the change. So on
PostgreSQL a writer's trigger takes a shared advisory lock on each month it touches (key
REPORT_MEMO_LOCK and the month as yyyymm; a change to every month, the exclusive lock on
0), and a report keeps a month only if it took that month's lock exclusively (and a
shared lock on 0) before counting it, without waiting: a writer in flight makes it count
the month without keeping it, a writer coming later waits for the report's commit and
then deletes what it kept. On SQLite one transaction writes at a time, and the reports
page takes the write lock at its start (`writes`), so the delete alone is enough.

    month_parts(session, f, today, count, empty, keep=True) -> {month: parts}  # every month
"""

from collections.abc import Callable
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from partners.reports import month_of, months_before

from .exports import SETTLE_MONTHS
from .filters import Filters
from .models import ReportMemo

REPORT_MEMO_LOCK = 1818  # the triggers' (migration a7d3e9c1f5b2)
# What a month's parts hold: a change of the counting code that changes them bumps this,
# and the rows of older versions are never read again (their scope no longer matches).
VERSION = 1

Parts = dict[str, list]
Count = Callable[[Filters], dict[date, Parts]]


def scope_of(f: Filters) -> str:
    """The filters but the months, as the key of the rows kept for them."""
    return "|".join((f"v{VERSION}", f.state or "*", f.priority.value if f.priority else "*",
                     f.organization or "*", f.program or "*"))


def settled_before(today: date) -> date:
    """The first month that is not settled yet: the months before it are kept."""
    return months_before(month_of(today), SETTLE_MONTHS)


def month_parts(session: Session, f: Filters, today: date, count: Count,
                empty: Callable[[], Parts], keep: bool = True) -> dict[date, Parts]:
    """Every month of `f` -> its parts: the settled months kept for f's scope read, the
    others counted by `count` (given f narrowed to the months to count; it returns the
    months that have rows, `empty()` stands for the others), and the settled ones among
    them kept when their locks could be taken (never without `keep`: `count` counted
    only some kinds of parts)."""
    scope, limit = scope_of(f), settled_before(today)
    settled = [m for m in f.months if m < limit]
    found: dict[date, Parts] = {}
    if settled:
        found = dict(session.execute(
            select(ReportMemo.month, ReportMemo.parts)
            .where(ReportMemo.scope == scope, ReportMemo.month.in_(settled))).all())
    missing = [m for m in f.months if m not in found]
    if not missing:
        return found
    locked = _locked(session, [m for m in missing if keep and m < limit])  # before counting
    counted = count(f.with_(first=missing[0], last=missing[-1]))
    parts = {m: counted.get(m) or empty() for m in missing}
    if locked:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(ReportMemo).on_conflict_do_nothing(), [
            {"month": m, "scope": scope, "parts": parts[m]} for m in locked])
    return found | parts


def _locked(session: Session, months: list[date]) -> list[date]:
    """The months no writer is changing now, each locked against writers until the
    report's transaction ends (PostgreSQL), never waiting for a lock."""
    if not months or session.get_bind().dialect.name != "postgresql":
        return months
    if not session.scalar(text("SELECT pg_try_advisory_xact_lock_shared(:key, 0)"),
                          {"key": REPORT_MEMO_LOCK}):
        return []
    keys = {m.year * 100 + m.month: m for m in months}
    taken = session.scalars(text(
        "SELECT m FROM unnest(CAST(:months AS integer[])) AS m "
        "WHERE pg_try_advisory_xact_lock(:key, m) ORDER BY m"),
        {"key": REPORT_MEMO_LOCK, "months": list(keys)}).all()
    return [keys[m] for m in taken]
