"""What donors see: aggregates of how their points were used, with small counts hidden.

Built only from ledger postings (points per lot, and for each spend the nights and persons
of the stay). Nothing here knows a survivor, a hotel or a stay's dates: months are the
finest grain.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .ledger import Balances, lot_balances
from .points import Account, LedgerEntry, LedgerTransaction, LoyaltyProgram, PointsLot, TxnKind
from .suppression import SuppressedTable, suppress

MEASURES = ("stays", "nights", "people")


@dataclass(frozen=True)
class ProgramPoints:
    program: str
    balances: Balances


@dataclass(frozen=True)
class DonorReport:
    programs: list[ProgramPoints]
    months: list[date]  # first day of each month, oldest first
    by_month: SuppressedTable  # months x MEASURES, with column totals
    program_names: list[str]
    by_program: SuppressedTable  # programs x MEASURES, with column totals

    @property
    def has_usage(self) -> bool:
        return any(any(row) for row in self.by_month.cells)


def month_of(day) -> date:
    return date(day.year, day.month, 1)


def months_between(first: date, last: date) -> list[date]:
    months, current = [], month_of(first)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def points_by_program(session: Session, donor_id: int) -> list[ProgramPoints]:
    lots = session.scalars(select(PointsLot).where(PointsLot.donor_id == donor_id)).all()
    balances = lot_balances(session, [lot.id for lot in lots])
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names = {p.id: p.name for p in session.scalars(select(LoyaltyProgram))}
    for lot in lots:
        values = balances.get(lot.id, Balances())
        for account in ("available", "held", "spent", "expired"):
            totals[names[lot.program_id]][account] += getattr(values, account)
    return [
        ProgramPoints(name, Balances(**dict(values))) for name, values in sorted(totals.items())
    ]


def donor_report(session: Session, donor_id: int, today: date) -> DonorReport:
    """Stays, nights and people that the donor's points paid for, by month and by program.

    A stay counts once for every donor whose lot paid part of it, in the month it ended.
    The two tables share only their column totals, so a total hidden in one is hidden in
    the other: no hidden count can be worked out by reading both.
    """
    spends = session.execute(
        select(LedgerTransaction.id, LedgerTransaction.created_at, LedgerTransaction.nights,
               LedgerTransaction.persons, LoyaltyProgram.name)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(PointsLot, PointsLot.id == LedgerEntry.lot_id)
        .join(LoyaltyProgram, LoyaltyProgram.id == LedgerTransaction.program_id)
        .where(LedgerTransaction.kind == TxnKind.SPEND, PointsLot.donor_id == donor_id,
               LedgerEntry.account == Account.SPENT)
        .distinct()
    ).all()
    first_gift = session.scalar(
        select(PointsLot.received_on).where(PointsLot.donor_id == donor_id)
        .order_by(PointsLot.received_on).limit(1)
    )
    programs = points_by_program(session, donor_id)
    program_names = [p.program for p in programs]
    start = min([first_gift or today] + [s.created_at.date() for s in spends])
    months = months_between(start, today)
    month_index = {month: i for i, month in enumerate(months)}
    by_month = [[0, 0, 0] for _ in months]
    by_program = [[0, 0, 0] for _ in program_names]
    for spend in spends:
        facts = (1, spend.nights or 0, spend.persons or 0)
        for row in (by_month[month_index[month_of(spend.created_at)]],
                    by_program[program_names.index(spend.name)]):
            for k, value in enumerate(facts):
                row[k] += value
    month_table = suppress(by_month, row_totals=False, col_totals=True)
    program_table = suppress(by_program, row_totals=False, col_totals=True)
    for k in range(len(MEASURES)):
        either = month_table.col_totals_hidden[k] or program_table.col_totals_hidden[k]
        month_table.col_totals_hidden[k] = program_table.col_totals_hidden[k] = either
    return DonorReport(
        programs=programs, months=months, by_month=month_table,
        program_names=program_names, by_program=program_table,
    )
