"""Points: loyalty programs, donors and the lots they give.

Models only; functions that change them take a session and flush. Nothing here imports
the Flask app.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
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
