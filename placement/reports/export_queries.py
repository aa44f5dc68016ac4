"""The counts a funder's export is made of, read in SQL: for each settled month, every
state's requests by what became of them, priority and type of trafficking, and the
nights of the stays that took them in, each as it stood when the month after it ended
(exports.py says why). Two grouped queries for any number of months.

A settled month is counted once: the first export of it publishes its counts
(`PublishedMonth`), and every later export reads them, so a month's figures never move,
whatever is edited afterwards, and a month is suppressed alike on every worker and host.
Publishing is part of the export's transaction (INSERT ... ON CONFLICT DO NOTHING, then
read back), so two first exports at once publish one set of counts and both show it."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Date, DateTime, and_, case, func, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from partners.base import utcnow
from partners.reports import month_of, months_before, months_between

from ..bookings.models import Booking
from ..clock import hotline_today
from ..requests.models import HousingRequest, Priority, TraffickingType
from ..requests.outcomes import REASONS, OutcomeKind, RequestOutcome
from . import figures
from .disclosure import NO_STATE, PARTITIONS, UNPLACED_GROUPS, MonthCounts, ProtectedMonth, protect
from .exports import SETTLE_MONTHS, Times
from .filters import BadFilter, Filters
from .models import PublishedMonth

# Why a request was not placed, in the exports' few groups (the reports show every code).
_NO_FIT = {"distance", "excluded", "danger", "policy", "pets", "accessible", "needs",
           "max_stay", "rules"}


def reason_group(code: str | None) -> str:
    """The exports' group (UNPLACED_GROUPS) of an unplaced request's reason code."""
    code = code or ""
    if code.startswith("planner."):
        kind = code.removeprefix("planner.")
        if kind in _NO_FIT:
            return "no_fit"
        if kind in ("full_alone", "taken"):
            return "full"
        if kind in ("costly", "fits"):
            return "fell_through"
        return "other"
    if code == "declined.no_bed":
        return "full"
    if code.startswith("declined.") or code in ("proposed", "rejected", "hold_expired",
                                                "no_show", "cancelled"):
        return "fell_through"
    if code.startswith("ended.") and code != "ended.uncoded":
        return "not_needed"
    return "other"


GROUP_OF = {code: reason_group(code) for code in REASONS}
assert set(GROUP_OF.values()) <= {key for key, _label in UNPLACED_GROUPS}


def last_settled(today: date) -> date:
    """The latest month an export shows: the month after it has ended."""
    return months_before(month_of(today), SETTLE_MONTHS + 1)


def settled_until(month: date, zone: str) -> datetime:
    """The moment a month's figures are taken at (naive UTC, as the database keeps it):
    midnight at the hotline when SETTLE_MONTHS months after it have ended."""
    local = datetime.combine(months_before(month, -(SETTLE_MONTHS + 1)), time(),
                             ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def export_months(f: Filters, today: date) -> list[date]:
    """The filters' months an export may show, or BadFilter saying which it can."""
    last = min(f.last, last_settled(today))
    if f.first > last:
        raise BadFilter(f"An export shows a month once the month after it has ended: the "
                        f"latest it can show now is {last_settled(today):%B %Y}. Choose an "
                        "earlier first month.")
    return months_between(f.first, last)


def _at_freeze(months: list[date], zone: str):
    return case({m: literal(settled_until(m, zone), DateTime()) for m in months},
                value=HousingRequest.filed_month)


def month_counts(session: Session, months: list[date], zone: str) -> dict[date, MonthCounts]:
    """Every state's counts for each of `months` (whatever the export's state: a month is
    suppressed as a whole): published ones as published, settled ones published now,
    others (never exported) counted afresh."""
    return {m: _from_json(kept) for m, kept in _months(session, months, zone).items()}


def protected_months(session: Session, months: list[date], zone: str
                     ) -> dict[date, ProtectedMonth]:
    """Each of `months` suppressed, as it was published: the cells hidden are kept with the
    counts, so a month reads alike even if a later version suppresses otherwise."""
    read = _READ.get(str(session.get_bind().url), {})
    return {m: read[m][1] if m in read and read[m][0] is kept else
            ProtectedMonth.from_json(kept["figures"])
            for m, kept in _months(session, months, zone).items()}


# What this process has read of each database's published_month: month -> (published_at,
# the row's JSON, the month as suppressed). A published row never changes (deleting it
# and exporting again publishes anew, at another moment), so it is read once.
_READ: dict[str, dict[date, tuple[dict, ProtectedMonth, datetime]]] = {}


def _months(session: Session, months: list[date], zone: str) -> dict[date, dict]:
    read = _READ.setdefault(str(session.get_bind().url), {})
    published = dict(session.execute(select(PublishedMonth.month, PublishedMonth.published_at)
                                     .where(PublishedMonth.month.in_(months))).all())
    unread = [m for m, at in published.items() if m not in read or read[m][2] != at]
    if unread:
        for month, at, kept in session.execute(
                select(PublishedMonth.month, PublishedMonth.published_at, PublishedMonth.counts)
                .where(PublishedMonth.month.in_(unread))):
            read[month] = (kept, ProtectedMonth.from_json(kept["figures"]), at)
    kept = {m: read[m][0] for m in published}
    missing = [m for m in months if m not in kept]
    if missing:
        counted = {m: {**_to_json(c), "figures": protect(c).to_json()}
                   for m, c in _counted(session, missing, zone).items()}
        settled = {m: c for m, c in counted.items() if m <= last_settled(hotline_today())}
        kept |= counted | (_publish(session, settled) if settled else {})
    return {m: kept[m] for m in months}


def _to_json(counts: MonthCounts) -> dict:
    return {"requests": counts.requests,
            "stays": {area: {kind: list(pair) for kind, pair in kinds.items()}
                      for area, kinds in counts.stays.items()}}


def _from_json(counts: dict) -> MonthCounts:
    return MonthCounts(counts["requests"], {
        area: {kind: tuple(pair) for kind, pair in kinds.items()}
        for area, kinds in counts["stays"].items()})


def _publish(session: Session, counted: dict[date, dict]) -> dict[date, dict]:
    """Publish the months no one has yet, and read back what is published (another
    worker's counts, where it was first: PostgreSQL's INSERT waits for its commit). Part
    of the request's transaction, in a savepoint: if SQLite's write lock is taken
    (another writer), nothing is published and the months are counted again next time."""
    table = PublishedMonth.__table__
    insert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
              else sqlite_insert)(table)
    try:
        with session.begin_nested():
            session.execute(insert.on_conflict_do_nothing(index_elements=["month"]), [
                {"month": m, "counts": kept, "published_at": utcnow()}
                for m, kept in counted.items()])
    except OperationalError:
        return counted
    return dict(session.execute(
        select(table.c.month, table.c.counts).where(table.c.month.in_(counted))).all())


def _counted(session: Session, months: list[date], zone: str) -> dict[date, MonthCounts]:
    freeze = _at_freeze(months, zone)
    decided = and_(RequestOutcome.id.is_not(None), RequestOutcome.decided_at < freeze)
    groups = {}
    for code, group in GROUP_OF.items():
        groups.setdefault(group, []).append(code)
    outcome = case(
        (~decided, "undecided"),
        (RequestOutcome.kind == OutcomeKind.PLACED_ON_TIME, "on_time"),
        (RequestOutcome.kind == OutcomeKind.PLACED_LATE, "late"),
        *[(RequestOutcome.reason.in_(codes), f"unplaced.{group}")
          for group, codes in groups.items() if group != "other"],
        else_="unplaced.other")
    in_months = and_(HousingRequest.filed_month >= literal(months[0], Date()),
                     HousingRequest.filed_month <= literal(months[-1], Date()))
    # One row a month and state, a count for each category of each breakdown.
    columns = [(partition, key) for partition, (_title, categories) in PARTITIONS.items()
               for key, _label in categories]
    condition = {
        "outcome": lambda key: outcome == key,
        "priority": lambda key: HousingRequest.priority == Priority(key),
        "type": lambda key: (HousingRequest.trafficking_type.is_(None) if key == "none"
                             else HousingRequest.trafficking_type == TraffickingType(key)),
    }
    found: dict[date, dict] = {m: {} for m in months}
    for month, state, *counts in session.execute(
            select(HousingRequest.filed_month, HousingRequest.us_state,
                   *[func.count().filter(condition[p](key)) for p, key in columns])
            .outerjoin(RequestOutcome, RequestOutcome.request_id == HousingRequest.id)
            .where(in_months).group_by(HousingRequest.filed_month, HousingRequest.us_state)):
        area = found[month][state or NO_STATE] = {p: {} for p in PARTITIONS}
        for (partition, key), n in zip(columns, counts, strict=True):
            if n:
                area[partition][key] = n
    stays: dict[date, dict] = {m: {} for m in months}
    shelter = Booking.shelter_id.is_not(None)
    for month, state, is_shelter, n, nights in session.execute(
            select(HousingRequest.filed_month, HousingRequest.us_state, shelter,
                   func.count(), func.sum(Booking.nights))
            .select_from(Booking).join(HousingRequest, HousingRequest.id == Booking.request_id)
            .where(in_months, Booking.state.in_(figures.ARRIVED),
                   HousingRequest.checked_in_at < freeze)
            .group_by(HousingRequest.filed_month, HousingRequest.us_state, shelter)):
        stays[month].setdefault(state or NO_STATE, {})[
            "shelter" if is_shelter else "hotel"] = (n, int(nights or 0))
    return {m: MonthCounts(found[m], stays[m]) for m in months}


def safety_times(session: Session, months: list[date], state: str | None
                 ) -> dict[str, tuple[str, Mapping[date, Mapping[str, Times]]]]:
    """Times from filing to approval and to check-in, by month and priority, from the
    reports' own figures (figures.time_to_safety) over every program and priority."""
    tables = figures.time_to_safety(session, Filters(months[0], months[-1], state))
    result = {}
    for step in ("approved", "checked_in"):
        table = tables[step]
        by_month = {}
        for month, row in zip(months, table.rows, strict=True):
            values = dict(zip((c.key for c in table.columns), row.values, strict=True))
            by_month[month] = {p.value: Times(values[f"{p.value}_count"],
                                              values[f"{p.value}_median"],
                                              values[f"{p.value}_p90"]) for p in Priority}
        result[step] = (figures.STEPS[step].lower(), by_month)
    return result
