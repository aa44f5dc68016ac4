"""When each program's points run out: the balance of the coming days at the pace of recent
spending, with the lots that lapse on their expiry dates.

Spending draws from the lots that expire soonest (as the ledger's holds do), so a lot lapses
only with what that pace leaves in it on its expiry day; those are the lots at risk, the
ones to use first. Pure projection (`project`) below, fed from the ledger by
`program_outlook`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .ledger import lot_balances
from .points import Account, LedgerEntry, LedgerTransaction, PointsLot, TxnKind

HORIZON_DAYS = 90
PACE_WINDOWS = (30, 90)  # days of spending behind each pace
LONG_LOOK_DAYS = 5 * 365  # how far a run-out date is looked for beyond the chart


@dataclass(frozen=True)
class LotState:
    lot_id: int
    available: int
    received_on: date
    expires_on: date


@dataclass(frozen=True)
class Lapse:
    lot_id: int
    expires_on: date
    points: int  # what the pace leaves in the lot on its expiry day


@dataclass(frozen=True)
class Projection:
    days: list[date]  # today, tomorrow, ...
    balance: list[int]  # available at the end of each day
    run_out: date | None  # the first day the balance is spent, if within the look
    lapses: list[Lapse]  # soonest first


def daily_amounts(pace: float, days: int) -> list[int]:
    """Whole points a day whose running total never drifts from pace × days."""
    return [round(pace * (i + 1)) - round(pace * i) for i in range(days)]


def project(lots: Iterable[LotState], pace: float, today: date,
            days: int = HORIZON_DAYS) -> Projection:
    """Day by day from `today`: a lot counts from the day it is received; each day `pace`
    points go, from the lot that expires soonest; at the end of its expiry day a lot
    lapses with what is left in it."""
    left = {lot.lot_id: lot.available for lot in lots}
    by_expiry = sorted(lots, key=lambda lot: (lot.expires_on, lot.received_on, lot.lot_id))
    dates, balance, lapses, run_out = [], [], [], None
    for offset, amount in enumerate(daily_amounts(pace, days)):
        day = today + timedelta(days=offset)
        usable = [lot for lot in by_expiry
                  if lot.received_on <= day <= lot.expires_on and left[lot.lot_id] > 0]
        for lot in usable:
            taken = min(amount, left[lot.lot_id])
            left[lot.lot_id] -= taken
            amount -= taken
        for lot in (lot for lot in by_expiry if lot.expires_on == day and left[lot.lot_id]):
            lapses.append(Lapse(lot.lot_id, day, left[lot.lot_id]))
            left[lot.lot_id] = 0
        total = sum(left[lot.lot_id] for lot in by_expiry if lot.received_on <= day)
        dates.append(day)
        balance.append(total)
        if run_out is None and pace > 0 and total == 0:
            run_out = day
    return Projection(dates, balance, run_out, lapses)


@dataclass(frozen=True)
class Outlook:
    """A program's coming days at each pace of spending (points a day, by window)."""

    paces: dict[int, float]
    projections: dict[int, Projection]  # the chart's 90 days
    run_outs: dict[int, date | None]  # looked for over years, not only the chart
    at_risk: list[Lapse]  # at the slowest pace: the most that may lapse


def spending_pace(session: Session, program_id: int, today: date, window: int) -> float:
    """Points spent a day over the `window` days up to today (stays that ended)."""
    since = datetime.combine(today - timedelta(days=window - 1), time.min)
    spent = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerEntry.transaction)
        .where(LedgerTransaction.program_id == program_id,
               LedgerTransaction.kind == TxnKind.SPEND,
               LedgerTransaction.created_at >= since,
               LedgerEntry.account == Account.SPENT, LedgerEntry.amount > 0))
    return int(spent) / window


def lot_states(session: Session, program_id: int, today: date) -> list[LotState]:
    """The program's lots with points available, not yet expired (a gift recorded ahead
    of its transfer counts from the day it is received)."""
    lots = session.scalars(select(PointsLot).where(PointsLot.program_id == program_id,
                                                   PointsLot.expires_on >= today)).all()
    balances = lot_balances(session, [lot.id for lot in lots])
    return [LotState(lot.id, balances[lot.id].available, lot.received_on, lot.expires_on)
            for lot in lots if lot.id in balances and balances[lot.id].available > 0]


def program_outlook(session: Session, program_id: int, today: date) -> Outlook:
    lots = lot_states(session, program_id, today)
    paces = {w: spending_pace(session, program_id, today, w) for w in PACE_WINDOWS}
    projections = {w: project(lots, pace, today) for w, pace in paces.items()}
    run_outs = {w: projections[w].run_out or project(lots, pace, today, LONG_LOOK_DAYS).run_out
                for w, pace in paces.items()}
    slowest = min(PACE_WINDOWS, key=lambda w: paces[w])
    return Outlook(paces, projections, run_outs, projections[slowest].lapses)
