"""The nightly `report_memo` job: the settled months of the scopes most asked for, counted
before anyone asks (memo.py keeps any scope a report counts; this makes the first look at
the nation's ten years as fast as the next), the rows of older counting versions deleted,
and the months the funders' exports may show published (export_queries: a month's first
export would otherwise count, suppress and publish it while a person waits)."""

from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from partners.reports import months_before, months_between

from ..requests.models import HousingRequest, Priority
from .export_queries import last_settled, protected_months
from .figures import Report, program_choices
from .filters import HOTLINE, MAX_MONTHS, Filters
from .memo import VERSION
from .models import PublishedMonth, ReportMemo


def scopes(session: Session, first: date, last: date) -> list[Filters]:
    """The nation: everything, each priority, each program (shelters too), the hotline's
    own requests."""
    every = Filters(first, last)
    return [every, *(every.with_(priority=p) for p in Priority),
            *(every.with_(program=code) for code, _name in program_choices(session)),
            every.with_(organization=HOTLINE)]


def keep_settled_months(session: Session, today: date, zone: str) -> dict[str, int]:
    """Count and keep the last MAX_MONTHS settled months of each scope not kept yet, and
    publish the exports' months not published yet (from the first month with requests)."""
    old = session.execute(delete(ReportMemo).where(
        ReportMemo.scope.not_like(f"v{VERSION}|%"))).rowcount
    last = last_settled(today)
    first = months_before(last, MAX_MONTHS - 1)
    before = session.scalar(select(func.count()).select_from(ReportMemo))
    kept = scopes(session, first, last)
    for f in kept:
        Report(session, f, today)
    after = session.scalar(select(func.count()).select_from(ReportMemo))
    return {"scopes": len(kept), "months_kept": after - before, "old_rows_deleted": old,
            "months_published": publish_settled_months(session, today, zone)}


def publish_settled_months(session: Session, today: date, zone: str) -> int:
    """Publish the last MAX_MONTHS months an export may show, from the first month with
    requests (an empty month published before its requests were loaded would stay empty)."""
    first = session.scalar(select(func.min(HousingRequest.filed_month)))
    last = last_settled(today)
    if first is None or first > last:
        return 0
    count = select(func.count()).select_from(PublishedMonth)
    before = session.scalar(count)
    protected_months(session, months_between(max(first, months_before(last, MAX_MONTHS - 1)),
                                             last), zone)
    return session.scalar(count) - before
