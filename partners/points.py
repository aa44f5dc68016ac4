"""Points: loyalty programs, donors and the lots they give.

Models only; functions that change them take a session and flush. Nothing here imports
the Flask app.
"""

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .places import Hotel


class LoyaltyProgram(Base):
    __tablename__ = "loyalty_program"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # Points lapse after this many months without account activity...
    inactivity_months: Mapped[int]
    # ...and, for some programs, this many months after they were earned regardless.
    max_age_months: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)

    hotels: Mapped[list["Hotel"]] = relationship(back_populates="program")


@dataclass(frozen=True)
class ProgramFacts:
    """What the hotline knows of a program before anyone types it in: its expiry rules and
    the usual price of a night on points (published ranges)."""

    code: str
    name: str
    inactivity_months: int
    max_age_months: int | None
    nightly_points: tuple[int, int]
    notes: str

    def record(self) -> "LoyaltyProgram":
        return LoyaltyProgram(code=self.code, name=self.name,
                              inactivity_months=self.inactivity_months,
                              max_age_months=self.max_age_months, notes=self.notes)


# The four programs donors give points in: one table for the demo, the benchmark data and
# the tests (the app's own records live in loyalty_program and can be edited there).
KNOWN_PROGRAMS = {p.code: p for p in (
    ProgramFacts("choice", "Choice Privileges", 18, None, (6_000, 35_000),
                 "6,000-35,000 points a night."),
    ProgramFacts("ihg", "IHG One Rewards", 12, None, (10_000, 60_000),
                 "Dynamic pricing; 4th night free for some members."),
    ProgramFacts("marriott", "Marriott Bonvoy", 24, None, (7_500, 40_000),
                 "Dynamic pricing; 5th night free on points."),
    ProgramFacts("wyndham", "Wyndham Rewards", 18, 48, (7_500, 30_000),
                 "Fixed tiers 7,500 / 15,000 / 30,000; one room."),
)}


class DonorKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


class Donor(Base):
    __tablename__ = "donor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DonorKind] = mapped_column(enum_column(DonorKind, "donor_kind"))
    # The donor-role account that may see this donor's aggregates (by table name, so that
    # partners/ does not import the app's account model).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lots: Mapped[list["PointsLot"]] = relationship(back_populates="donor")


class PointsLot(Base):
    """A donation of points in one program. Its balance is never stored here: it is the sum
    of its ledger entries."""

    __tablename__ = "points_lot"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("expires_on >= received_on", name="expires_after_received"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id"), index=True)
    points: Mapped[int]
    received_on: Mapped[date]
    expires_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    donor: Mapped[Donor] = relationship(back_populates="lots")
    program: Mapped[LoyaltyProgram] = relationship()


class Account(enum.StrEnum):
    """Where a lot's points are. Every transaction moves points between these, per lot."""

    DONATED = "donated"  # the outside world: goes negative as points come in
    AVAILABLE = "available"
    HELD = "held"  # reserved by an approved stay
    SPENT = "spent"
    EXPIRED = "expired"


class TxnKind(enum.StrEnum):
    DONATION = "donation"
    HOLD = "hold"
    RELEASE = "release"
    SPEND = "spend"
    EXPIRY = "expiry"


class LedgerTransaction(Base):
    """One balanced posting: its entries sum to zero. Never updated or deleted."""

    __tablename__ = "ledger_transaction"
    __table_args__ = (
        CheckConstraint("nights IS NULL OR nights >= 1", name="nights_positive"),
        CheckConstraint("persons IS NULL OR persons >= 1", name="persons_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TxnKind] = mapped_column(enum_column(TxnKind, "ledger_txn_kind"))
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id"), index=True)
    # A retried request carries the same key and posts nothing new.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # The booking this posting is for, as an opaque reference (partners/ knows no bookings).
    booking_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    # For a spend: what the points paid for, the only stay facts donors' reports use.
    nights: Mapped[int | None]
    persons: Mapped[int | None]
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    entries: Mapped[list["LedgerEntry"]] = relationship(back_populates="transaction")


class LedgerEntry(Base):
    """A signed amount on one lot's account.

    `seq` numbers the entries of each (lot, account) and `balance_after` is the running sum;
    the unique (lot, account, seq) and the CHECK on `balance_after` are the database's
    backstop: two writers that both read the same balance cannot both append after it, and no
    account but DONATED can go below zero. The balance itself is always the sum of amounts.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("lot_id", "account", "seq"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint(
            "account = 'donated' OR balance_after >= 0", name="balance_not_negative"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transaction.id"), index=True
    )
    lot_id: Mapped[int] = mapped_column(ForeignKey("points_lot.id"), index=True)
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"))
    amount: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int]
    balance_after: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    lot: Mapped[PointsLot] = relationship()


class LotBalance(Base):
    """One lot's account as it stands: the `seq` and `balance_after` of its latest entry,
    written in the same transaction as that entry.

    Reading balances is then one row per lot and account, not a sum over years of entries
    (the points page at national scale). The entries stay the record: a posting appends the
    entry and moves this row in one savepoint, and the property tests check after every
    step that each row equals the sum of its entries.
    """

    __tablename__ = "lot_balance"

    lot_id: Mapped[int] = mapped_column(ForeignKey("points_lot.id"), primary_key=True)
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"),
                                             primary_key=True)
    seq: Mapped[int]
    balance: Mapped[int] = mapped_column(BigInteger)
