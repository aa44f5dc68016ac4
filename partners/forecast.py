"""When each program's points run out: the balance of the coming days at the pace of recent
spending, with the lots that lapse on their expiry dates.

Spending draws from the lots that expire soonest (as the ledger's holds do), so a lot lapses
only with what that pace leaves in it on its expiry day; those are the lots at risk, the
ones to use first. Pure projection (`project`) below, fed from the ledger by
`program_outlook`.
"""

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select
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
    lapses with what is left in it.

    Days × log(lots), not days × lots: a national program has hundreds of lots and the
    run-out date is looked for over five years (the page took 1.7 s the plain way). The
    lots received so far wait in a heap by expiry; each lot's `left` is the truth, and
    a heap entry whose lot is empty is dropped when it comes up."""
    lots = sorted(lots, key=lambda lot: (lot.expires_on, lot.received_on, lot.lot_id))
    left = {lot.lot_id: lot.available for lot in lots}
    arriving = sorted(lots, key=lambda lot: lot.received_on)
    arrived = 0  # lots of `arriving` received so far
    expiring = 0  # lots of `lots` (by expiry) whose expiry day has passed
    usable: list[tuple[date, date, int]] = []  # heap: (expires_on, received_on, lot_id)
    total = 0  # points left in the lots received so far
    dates, balance, lapses, run_out = [], [], [], None
    for offset, amount in enumerate(daily_amounts(pace, days)):
        day = today + timedelta(days=offset)
        while arrived < len(arriving) and arriving[arrived].received_on <= day:
            lot = arriving[arrived]
            arrived += 1
            total += left[lot.lot_id]
            if lot.expires_on >= day and left[lot.lot_id] > 0:
                heapq.heappush(usable, (lot.expires_on, lot.received_on, lot.lot_id))
        while amount > 0 and usable:
            expires_on, _, lot_id = usable[0]
            if expires_on < day or left[lot_id] == 0:
                heapq.heappop(usable)
                continue
            taken = min(amount, left[lot_id])
            left[lot_id] -= taken
            amount -= taken
            total -= taken
        while expiring < len(lots) and lots[expiring].expires_on <= day:
            lot = lots[expiring]
            expiring += 1
            if lot.expires_on == day and left[lot.lot_id]:
                lapses.append(Lapse(lot.lot_id, day, left[lot.lot_id]))
                if lot.received_on <= day:
                    total -= left[lot.lot_id]
                left[lot.lot_id] = 0
        dates.append(day)
        balance.append(total)
        if run_out is None and pace > 0 and total == 0:
            run_out = day
        if total == 0 and pace > 0 and arrived == len(arriving):  # nothing more: all 0
            rest = days - offset - 1
            dates.extend(day + timedelta(days=i) for i in range(1, rest + 1))
            balance.extend([0] * rest)
            break
    return Projection(dates, balance, run_out, lapses)


@dataclass(frozen=True)
class Outlook:
    """A program's coming days at each pace of spending (points a day, by window)."""

    paces: dict[int, float]
    projections: dict[int, Projection]  # the chart's 90 days
    run_outs: dict[int, date | None]  # looked for over years, not only the chart
    at_risk: list[Lapse]  # at the slowest pace: the most that may lapse


def spending_paces(session: Session, program_id: int, today: date,
                   windows: Iterable[int] = PACE_WINDOWS) -> dict[int, float]:
    """Points spent a day over each window of days up to today (stays that ended), read in
    one pass over the longest window."""
    windows = sorted(windows)
    since = {w: datetime.combine(today - timedelta(days=w - 1), time.min) for w in windows}
    spent = session.execute(
        select(*(func.coalesce(func.sum(case(
            (LedgerTransaction.created_at >= since[w], LedgerEntry.amount), else_=0)), 0)
            for w in windows))
        .join(LedgerEntry.transaction)
        .where(LedgerTransaction.program_id == program_id,
               LedgerTransaction.kind == TxnKind.SPEND,
               LedgerTransaction.created_at >= since[windows[-1]],
               LedgerEntry.account == Account.SPENT, LedgerEntry.amount > 0)).one()
    return {w: int(total) / w for w, total in zip(windows, spent, strict=True)}


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
    paces = spending_paces(session, program_id, today)
    projections = {w: project(lots, pace, today) for w, pace in paces.items()}
    run_outs = {w: projections[w].run_out or (
        project(lots, pace, today, LONG_LOOK_DAYS).run_out if pace > 0 else None)
        for w, pace in paces.items()}
    slowest = min(PACE_WINDOWS, key=lambda w: paces[w])
    return Outlook(paces, projections, run_outs, projections[slowest].lapses)
