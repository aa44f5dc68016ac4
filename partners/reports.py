"""What donors see: aggregates of how their points were used, with small counts hidden.

Built only from ledger postings (points per lot, and for each spend the nights and persons
of the stay). Nothing here knows a survivor, a hotel or a stay's dates: months are the
finest grain.

Every figure is as of the end of the last complete month in the hotline's time zone (the
report's `as_of`). A figure that moved the moment a stay was approved, or ended, would show
that one stay, its length and its timing; one that moves once a month shows the month's
stays together. A gift counts from the day it was received (or recorded, if earlier); every
other posting from the moment it was recorded.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from .ledger import Balances
from .points import Account, LedgerEntry, LedgerTransaction, LoyaltyProgram, PointsLot, TxnKind
from .suppression import SuppressedTable, suppress

MEASURES = ("stays", "nights", "people")


@dataclass(frozen=True)
class ProgramPoints:
    program: str
    balances: Balances


@dataclass(frozen=True)
class DonorReport:
    as_of: date  # the last day of the last complete month: every figure stands as of then
    programs: list[ProgramPoints]  # only programs the donor had given in by `as_of`
    months: list[date]  # first day of each month, oldest first
    by_month: SuppressedTable  # months x MEASURES, with column totals
    program_names: list[str]
    by_program: SuppressedTable  # programs x MEASURES, with column totals

    @property
    def has_gifts(self) -> bool:
        return bool(self.programs)

    @property
    def has_usage(self) -> bool:
        return any(any(row) for row in self.by_month.cells)


def month_of(day) -> date:
    return date(day.year, day.month, 1)


def months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month`'s (after, if negative)."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months, current = [], month_of(first)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def zone_of(timezone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(timezone) if timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def report_period(today: date, timezone: str | None) -> tuple[date, datetime]:
    """The last day of the month before `today`'s, and the moment it ended (midnight where
    the hotline is), as naive UTC like the ledger's timestamps."""
    start = month_of(today)
    until = datetime.combine(start, time(), zone_of(timezone)).astimezone(UTC)
    return start - timedelta(days=1), until.replace(tzinfo=None)


def local_day(moment: datetime, timezone: str | None) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone_of(timezone)).date()


def _gift_counted(as_of: date, until: datetime):
    return or_(PointsLot.received_on <= as_of, PointsLot.created_at < until)


def points_by_program(session: Session, donor_id: int, as_of: date,
                      until: datetime) -> list[ProgramPoints]:
    """The donor's points per program as they stood at `until`: sums of the entries
    posted before then (the balance rows say where points are now, not then)."""
    counted = or_(
        and_(LedgerTransaction.kind == TxnKind.DONATION, _gift_counted(as_of, until)),
        and_(LedgerTransaction.kind != TxnKind.DONATION, LedgerTransaction.created_at < until),
    )
    rows = session.execute(
        select(LoyaltyProgram.name, LedgerEntry.account, func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(PointsLot, PointsLot.id == LedgerEntry.lot_id)
        .join(LoyaltyProgram, LoyaltyProgram.id == PointsLot.program_id)
        .where(PointsLot.donor_id == donor_id, LedgerEntry.account != Account.DONATED, counted)
        .group_by(LoyaltyProgram.name, LedgerEntry.account)
    ).all()
    totals: dict[str, dict[str, int]] = {}
    for name, account, amount in rows:
        totals.setdefault(name, {})[account.value] = int(amount)
    programs = [ProgramPoints(name, Balances(**values)) for name, values in totals.items()]
    return sorted((p for p in programs if p.balances.given), key=lambda p: p.program)


def first_gift_day(session: Session, donor_id: int, as_of: date, until: datetime,
                   timezone: str | None) -> date | None:
    lots = session.execute(
        select(PointsLot.received_on, PointsLot.created_at)
        .where(PointsLot.donor_id == donor_id, _gift_counted(as_of, until))
    ).all()
    return min((min(received, local_day(created, timezone)) for received, created in lots),
               default=None)


def donor_report(session: Session, donor_id: int, today: date,
                 timezone: str | None) -> DonorReport:
    """Stays, nights and people that the donor's points paid for, by month and by program,
    and the donor's points, all as of the end of the month before `today` (the hotline's
    date; months are the hotline's, in `timezone`).

    A stay counts once for every donor whose lot paid part of it, in the month it ended.
    The two tables share only their column totals, so a total hidden in one is hidden in
    the other: no hidden count can be worked out by reading both.
    """
    as_of, until = report_period(today, timezone)
    spends = session.execute(
        select(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.nights,
               LedgerTransaction.persons, LoyaltyProgram.name)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(PointsLot, PointsLot.id == LedgerEntry.lot_id)
        .join(LoyaltyProgram, LoyaltyProgram.id == LedgerTransaction.program_id)
        .where(LedgerTransaction.kind == TxnKind.SPEND, PointsLot.donor_id == donor_id,
               LedgerEntry.account == Account.SPENT, LedgerTransaction.created_at < until)
        .distinct()
    ).all()
    programs = points_by_program(session, donor_id, as_of, until)
    program_names = sorted({p.program for p in programs} | {s.name for s in spends})
    ended = [month_of(local_day(s.created_at, timezone)) for s in spends]
    gift = first_gift_day(session, donor_id, as_of, until, timezone)
    first = min(([gift] if gift else []) + ended, default=None)
    months = months_between(first, as_of) if first else []
    month_index = {month: i for i, month in enumerate(months)}
    by_month = [[0] * len(MEASURES) for _ in months]
    by_program = [[0] * len(MEASURES) for _ in program_names]
    for spend, month in zip(spends, ended, strict=True):
        facts = (1, spend.nights or 0, spend.persons or 0)
        for row in (by_month[month_index[month]], by_program[program_names.index(spend.name)]):
            for k, value in enumerate(facts):
                row[k] += value
    width = len(MEASURES)
    month_table = suppress(by_month, row_totals=False, col_totals=True, columns=width)
    program_table = suppress(by_program, row_totals=False, col_totals=True, columns=width)
    for k in range(width):
        either = month_table.col_totals_hidden[k] or program_table.col_totals_hidden[k]
        month_table.col_totals_hidden[k] = program_table.col_totals_hidden[k] = either
    return DonorReport(
        as_of=as_of, programs=programs, months=months, by_month=month_table,
        program_names=program_names, by_program=program_table,
    )
