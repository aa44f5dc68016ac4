"""The points ledger: every point's movement, per lot, in balanced append-only postings.

Balances are sums of entries, never numbers someone edits; each lot account's current
balance is also kept as one row (`LotBalance`), moved with every entry, for fast reading.
Holds draw from the lots that expire soonest, so every point spent is traced to its lot
and so to its donor. Every function takes a session and flushes; the caller's unit of work
commits.

Concurrency: a posting that takes points locks the program's row first (PostgreSQL
`SELECT ... FOR UPDATE`; on SQLite, `BEGIN IMMEDIATE` already serializes writers), then
reads balances, then appends. The unique (lot, account, seq) of the entries is the backstop
should a writer ever skip the lock.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .points import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    LotBalance,
    LoyaltyProgram,
    PointsLot,
    TxnKind,
)


class LedgerError(Exception):
    """A posting that cannot be made; the message is meant for a coordinator."""


class InsufficientPoints(LedgerError):
    pass


class ConcurrentPosting(LedgerError):
    """Another posting changed the same balances at the same moment; try again."""


class IdempotencyConflict(LedgerError):
    """The key was already used for a different posting."""


@dataclass(frozen=True)
class Move:
    lot_id: int
    source: Account
    target: Account
    amount: int


@dataclass(frozen=True)
class Balances:
    available: int = 0
    held: int = 0
    spent: int = 0
    expired: int = 0

    @property
    def given(self) -> int:
        return self.available + self.held + self.spent + self.expired


# Tests set this to pause between reading balances and writing entries, to prove that
# the lock (and not luck) keeps two writers apart.
_after_read: Callable[[], None] = lambda: None  # noqa: E731


def lock_program(session: Session, program_id: int) -> LoyaltyProgram:
    program = session.scalar(
        select(LoyaltyProgram).where(LoyaltyProgram.id == program_id)
        .with_for_update(key_share=True)  # see partners.availability.common.lock
    )
    if program is None:
        raise LedgerError(f"unknown loyalty program {program_id}")
    return program


def _existing(session: Session, key: str | None) -> LedgerTransaction | None:
    if key is None:
        return None
    return session.scalar(select(LedgerTransaction).where(LedgerTransaction.idempotency_key == key))


def _post(
    session: Session, kind: TxnKind, program_id: int, moves: Iterable[Move], *,
    idempotency_key: str | None = None, booking_ref: str | None = None,
    nights: int | None = None, persons: int | None = None, memo: str | None = None,
) -> LedgerTransaction:
    moves = [m for m in moves if m.amount]
    if any(m.amount < 0 for m in moves):
        raise LedgerError("a move carries a positive amount; its direction is source to target")
    txn = LedgerTransaction(
        kind=kind, program_id=program_id, idempotency_key=idempotency_key,
        booking_ref=booking_ref, nights=nights, persons=persons, memo=memo,
    )
    deltas: dict[tuple[int, Account], int] = defaultdict(int)
    for move in moves:
        deltas[(move.lot_id, move.source)] -= move.amount
        deltas[(move.lot_id, move.target)] += move.amount
    try:
        with session.begin_nested():
            session.add(txn)
            for (lot_id, account), amount in sorted(deltas.items()):
                if amount == 0:
                    continue
                last = session.execute(
                    select(LedgerEntry.seq, LedgerEntry.balance_after)
                    .where(LedgerEntry.lot_id == lot_id, LedgerEntry.account == account)
                    .order_by(LedgerEntry.seq.desc())
                    .limit(1)
                ).first()
                seq, balance = (last.seq, last.balance_after) if last else (0, 0)
                if account is not Account.DONATED and balance + amount < 0:
                    raise InsufficientPoints(
                        f"lot {lot_id} has {balance:,} points {account.value}; "
                        f"{-amount:,} were asked for"
                    )
                session.add(LedgerEntry(
                    transaction=txn, lot_id=lot_id, account=account, amount=amount,
                    seq=seq + 1, balance_after=balance + amount,
                ))
                _move_balance(session, lot_id, account, seq, balance + amount)
            session.flush()
    except IntegrityError as error:
        if idempotency_key is not None and (existing := _existing(session, idempotency_key)):
            return existing
        raise ConcurrentPosting(
            "the points changed while this was being saved; please try again"
        ) from error
    return txn


def _move_balance(session: Session, lot_id: int, account: Account, seq: int,
                  balance: int) -> None:
    """Point the lot's balance row at the entry just appended (seq + 1). Only from the
    entry it pointed at before: a writer that read an older balance changes nothing and
    fails, like the unique (lot, account, seq) of the entries."""
    if seq == 0:
        session.add(LotBalance(lot_id=lot_id, account=account, seq=1, balance=balance))
        return
    moved = session.execute(
        update(LotBalance)
        .where(LotBalance.lot_id == lot_id, LotBalance.account == account,
               LotBalance.seq == seq)
        .values(seq=seq + 1, balance=balance)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise ConcurrentPosting("the points changed while this was being saved; please try again")


def _replay(session: Session, key: str | None, kind: TxnKind) -> LedgerTransaction | None:
    existing = _existing(session, key)
    if existing is not None and existing.kind is not kind:
        raise IdempotencyConflict(f"key {key!r} was used for a {existing.kind.value} posting")
    return existing


# -- donations ---------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last_day = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def default_expiry(program: LoyaltyProgram, received_on: date) -> date:
    """The day points received on `received_on` lapse if nothing else happens: the
    program's inactivity rule, capped by its maximum point age where it has one."""
    months = program.inactivity_months
    if program.max_age_months is not None:
        months = min(months, program.max_age_months)
    return add_months(received_on, months)


def donate(
    session: Session, donor_id: int, program: LoyaltyProgram, points: int, received_on: date,
    expires_on: date | None = None, idempotency_key: str | None = None,
) -> PointsLot:
    """Record a lot of donated points and make them available."""
    if existing := _replay(session, idempotency_key, TxnKind.DONATION):
        return existing.entries[0].lot
    if points <= 0:
        raise LedgerError("a donation is a positive number of points")
    expires_on = expires_on or default_expiry(program, received_on)
    if expires_on < received_on:
        raise LedgerError("the expiry date comes before the date the points were received")
    lot = PointsLot(
        donor_id=donor_id, program_id=program.id, points=points,
        received_on=received_on, expires_on=expires_on,
    )
    session.add(lot)
    session.flush()
    _post(session, TxnKind.DONATION, program.id,
          [Move(lot.id, Account.DONATED, Account.AVAILABLE, points)],
          idempotency_key=idempotency_key)
    return lot


# -- balances ----------------------------------------------------------------------------

def lot_balances(session: Session, lot_ids: Iterable[int] | None = None) -> dict[int, Balances]:
    query = select(LotBalance.lot_id, LotBalance.account, LotBalance.balance).where(
        LotBalance.account != Account.DONATED)
    if lot_ids is not None:
        query = query.where(LotBalance.lot_id.in_(list(lot_ids)))
    rows: dict[int, dict[str, int]] = defaultdict(dict)
    for lot_id, account, balance in session.execute(query):
        rows[lot_id][account.value] = int(balance)
    return {lot_id: Balances(**values) for lot_id, values in rows.items()}


def all_program_balances(session: Session,
                         program_ids: list[int] | None = None) -> dict[int, Balances]:
    """Every program's balances (or these programs'), in one aggregate of the balance rows."""
    query = (select(PointsLot.program_id, LotBalance.account, func.sum(LotBalance.balance))
             .join(PointsLot, PointsLot.id == LotBalance.lot_id)
             .where(LotBalance.account != Account.DONATED)
             .group_by(PointsLot.program_id, LotBalance.account))
    if program_ids is not None:
        query = query.where(PointsLot.program_id.in_(program_ids))
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for program_id, account, total in session.execute(query):
        totals[program_id][account.value] = int(total)
    return defaultdict(Balances, {pid: Balances(**values) for pid, values in totals.items()})


def program_balances(session: Session, program_id: int) -> Balances:
    return all_program_balances(session, [program_id])[program_id]


def summed_lot_balances(session: Session) -> dict[tuple[int, Account], int]:
    """Every lot account's balance as the sum of its entries: the record the balance rows
    must always agree with (the property tests and `rebuild_lot_balances` use it)."""
    return {(lot_id, account): int(total) for lot_id, account, total in session.execute(
        select(LedgerEntry.lot_id, LedgerEntry.account, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.lot_id, LedgerEntry.account))}


_LATEST_ENTRIES = """INSERT INTO lot_balance (lot_id, account, seq, balance)
SELECT e.lot_id, e.account, e.seq, e.balance_after
FROM ledger_entry e
JOIN (SELECT lot_id, account, max(seq) AS seq FROM ledger_entry GROUP BY lot_id, account) m
  ON m.lot_id = e.lot_id AND m.account = e.account AND m.seq = e.seq"""


def rebuild_lot_balances(session: Session) -> None:
    """Set every balance row from the latest entry of its lot account (after entries were
    written in bulk, outside `_post`, as the benchmark generator does)."""
    session.execute(delete(LotBalance))
    session.execute(text(_LATEST_ENTRIES))


def stored_lot_balances(session: Session) -> dict[tuple[int, Account], int]:
    return {(row.lot_id, row.account): int(row.balance)
            for row in session.execute(select(LotBalance.lot_id, LotBalance.account,
                                              LotBalance.balance))}


def spendable_lots(session: Session, program_id: int, today: date) -> list[tuple[PointsLot, int]]:
    """Lots with available points, received and not expired, soonest-expiring first (a
    gift recorded ahead of its transfer is not there to spend yet)."""
    lots = session.scalars(
        select(PointsLot)
        .where(PointsLot.program_id == program_id, PointsLot.received_on <= today,
               PointsLot.expires_on >= today)
        .order_by(PointsLot.expires_on, PointsLot.received_on, PointsLot.id)
    ).all()
    balances = lot_balances(session, [lot.id for lot in lots])
    return [(lot, balances[lot.id].available) for lot in lots if balances.get(lot.id)
            and balances[lot.id].available > 0]


def available_points(session: Session, program_id: int, today: date) -> int:
    return sum(points for _lot, points in spendable_lots(session, program_id, today))


def held_for(session: Session, booking_ref: str) -> dict[int, int]:
    """Points currently held for a booking, per lot."""
    rows = session.execute(
        select(LedgerEntry.lot_id, func.sum(LedgerEntry.amount))
        .join(LedgerEntry.transaction)
        .where(LedgerTransaction.booking_ref == booking_ref, LedgerEntry.account == Account.HELD)
        .group_by(LedgerEntry.lot_id)
    )
    return {lot_id: int(total) for lot_id, total in rows if total}


# -- holds, releases, spends -------------------------------------------------------------

def hold_points(
    session: Session, program_id: int, points: int, booking_ref: str, today: date,
    idempotency_key: str | None = None,
) -> LedgerTransaction | None:
    """Hold `points` of a program for a booking, soonest-expiring lots first.

    Raises InsufficientPoints with a coordinator's sentence when the program cannot pay.
    """
    if existing := _replay(session, idempotency_key, TxnKind.HOLD):
        return existing
    if points < 0:
        raise LedgerError("a hold is a positive number of points")
    if points == 0:
        return None  # a free award night: nothing to hold
    program = lock_program(session, program_id)
    lots = spendable_lots(session, program_id, today)
    _after_read()
    available = sum(amount for _lot, amount in lots)
    if available < points:
        raise InsufficientPoints(
            f"{program.name} has {available:,} points available; this stay needs {points:,}"
        )
    moves = _draw(lots, points, Account.AVAILABLE, Account.HELD)
    return _post(session, TxnKind.HOLD, program_id, moves,
                 idempotency_key=idempotency_key, booking_ref=booking_ref)


def _draw(lots: list[tuple[PointsLot, int]], amount: int, source: Account,
          target: Account) -> list[Move]:
    """Moves that take `amount` from the lots in the order given, each up to its points."""
    moves = []
    for lot, points in lots:
        if amount == 0:
            break
        take = min(points, amount)
        moves.append(Move(lot.id, source, target, take))
        amount -= take
    return moves


def _locked_hold(session: Session, booking_ref: str) -> list[tuple[PointsLot, int]]:
    """The booking's held lots, read again under its program's lock."""
    held = _held_lots(session, booking_ref)
    if held:
        lock_program(session, held[0][0].program_id)
        held = _held_lots(session, booking_ref)
    return held


def release_hold(
    session: Session, booking_ref: str, points: int | None = None,
    idempotency_key: str | None = None,
) -> LedgerTransaction | None:
    """Give back held points (all, or `points` of them), latest-expiring lots first so the
    hold keeps the lots that must be used soonest."""
    if existing := _replay(session, idempotency_key, TxnKind.RELEASE):
        return existing
    held = _locked_hold(session, booking_ref)
    if not held:
        return None
    total = sum(amount for _lot, amount in held)
    amount_to_release = total if points is None else points
    if not 0 <= amount_to_release <= total:
        raise LedgerError(f"{total:,} points are held for this booking; cannot release "
                          f"{amount_to_release:,}")
    moves = _draw(list(reversed(held)), amount_to_release, Account.HELD, Account.AVAILABLE)
    return _post(session, TxnKind.RELEASE, held[0][0].program_id, moves,
                 idempotency_key=idempotency_key, booking_ref=booking_ref)


def set_hold(
    session: Session, program_id: int, booking_ref: str, points: int, today: date,
    idempotency_key: str | None = None,
) -> None:
    """Make the hold for a booking exactly `points` (the points actually charged at
    confirmation, or a longer stay's price): release the excess or hold more."""
    current = sum(held_for(session, booking_ref).values())
    if points < current:
        release_hold(session, booking_ref, current - points, idempotency_key=idempotency_key)
    elif points > current:
        hold_points(session, program_id, points - current, booking_ref, today,
                    idempotency_key=idempotency_key)


def spend_hold(
    session: Session, booking_ref: str, nights: int, persons: int,
    idempotency_key: str | None = None,
) -> LedgerTransaction | None:
    """The stay has ended: its held points are spent, with the facts donors see."""
    if existing := _replay(session, idempotency_key, TxnKind.SPEND):
        return existing
    held = _locked_hold(session, booking_ref)
    if not held:
        return None
    moves = [Move(lot.id, Account.HELD, Account.SPENT, amount) for lot, amount in held]
    return _post(session, TxnKind.SPEND, held[0][0].program_id, moves,
                 idempotency_key=idempotency_key, booking_ref=booking_ref, nights=nights,
                 persons=persons)


def _held_lots(session: Session, booking_ref: str) -> list[tuple[PointsLot, int]]:
    held = held_for(session, booking_ref)
    lots = session.scalars(
        select(PointsLot).where(PointsLot.id.in_(list(held)))
        .order_by(PointsLot.expires_on, PointsLot.received_on, PointsLot.id)
    ).all()
    return [(lot, held[lot.id]) for lot in lots if held[lot.id] > 0]


# -- expiry ------------------------------------------------------------------------------

def expire_lots(session: Session, today: date) -> list[LedgerTransaction]:
    """Write off the available points of every lot past its expiry date. Idempotent: a
    lot is written off once, whatever its later history."""
    postings = []
    lots = session.scalars(select(PointsLot).where(PointsLot.expires_on < today)).all()
    balances = lot_balances(session, [lot.id for lot in lots])
    for lot in lots:
        balance = balances.get(lot.id)
        if balance is None or balance.available <= 0:
            continue
        key = f"expiry:lot:{lot.id}"
        if _existing(session, key) is not None:
            continue
        lock_program(session, lot.program_id)
        left = lot_balances(session, [lot.id])[lot.id].available
        if left > 0:
            postings.append(_post(
                session, TxnKind.EXPIRY, lot.program_id,
                [Move(lot.id, Account.AVAILABLE, Account.EXPIRED, left)],
                idempotency_key=key, memo=f"expired on {lot.expires_on.isoformat()}",
            ))
    return postings


def lots_expiring_soon(
    session: Session, today: date, days: int = 60
) -> list[tuple[PointsLot, int]]:
    """Lots with points left that lapse within `days`: use these first."""
    rows = session.execute(
        select(PointsLot, LotBalance.balance)
        .join(LotBalance, (LotBalance.lot_id == PointsLot.id)
              & (LotBalance.account == Account.AVAILABLE))
        .where(PointsLot.expires_on >= today, PointsLot.expires_on <= today + timedelta(days),
               LotBalance.balance > 0)
        .order_by(PointsLot.expires_on, PointsLot.id)
    ).all()
    return [(lot, int(available)) for lot, available in rows]
