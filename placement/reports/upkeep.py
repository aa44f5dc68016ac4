"""The nightly `report_memo` job: the settled months of the scopes most asked for, counted
before anyone asks (memo.py keeps any scope a report counts; this makes the first look at
the nation's ten years as fast as the next), and the rows of older counting versions
deleted."""

from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from partners.reports import months_before

from ..requests.models import Priority
from .figures import Report, program_choices
from .filters import HOTLINE, MAX_MONTHS, Filters
from .memo import VERSION, settled_before
from .models import ReportMemo


def scopes(session: Session, first: date, last: date) -> list[Filters]:
    """The nation: everything, each priority, each program (shelters too), the hotline's
    own requests."""
    every = Filters(first, last)
    return [every, *(every.with_(priority=p) for p in Priority),
            *(every.with_(program=code) for code, _name in program_choices(session)),
            every.with_(organization=HOTLINE)]


def keep_settled_months(session: Session, today: date) -> dict[str, int]:
    """Count and keep the last MAX_MONTHS settled months of each scope not kept yet."""
    old = session.execute(delete(ReportMemo).where(
        ReportMemo.scope.not_like(f"v{VERSION}|%"))).rowcount
    last = months_before(settled_before(today), 1)
    first = months_before(last, MAX_MONTHS - 1)
    before = session.scalar(select(func.count()).select_from(ReportMemo))
    kept = scopes(session, first, last)
    for f in kept:
        Report(session, f, today)
    after = session.scalar(select(func.count()).select_from(ReportMemo))
    return {"scopes": len(kept), "months_kept": after - before, "old_rows_deleted": old}
