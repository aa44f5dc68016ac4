"""Places and points: shelters, hotels, loyalty programs, donors and their lots.

Models only; functions that change them take a session and flush. Nothing here imports
the Flask app.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


def enum_column(enum_type: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value (readable in SQL and stable across renames of members)."""
    return Enum(enum_type, name=name, values_callable=lambda e: [m.value for m in e])


class Policy(enum.StrEnum):
    WOMEN = "women"
    MEN = "men"
    FAMILY = "family"
    YOUTH = "youth"
    ANY = "any"

    @property
    def label(self) -> str:
        return {
            "women": "Women only",
            "men": "Men only",
            "family": "Families with children",
            "youth": "Youth (unaccompanied minors)",
            "any": "Any adult",
        }[self.value]


class Located:
    """Where a place is: entered as a ZIP code or city, stored with its coordinates."""

    zip_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    lat: Mapped[float]
    lon: Mapped[float]


class Shelter(Located, Base):
    __tablename__ = "shelter"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("max_stay IS NULL OR max_stay >= 1", name="max_stay_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    policy: Mapped[Policy] = mapped_column(enum_column(Policy, "shelter_policy"))
    accepts_nonbinary: Mapped[bool] = mapped_column(default=False)
    same_gender: Mapped[bool] = mapped_column(default=False)
    pets: Mapped[bool] = mapped_column(default=False)
    accessible: Mapped[bool] = mapped_column(default=False)
    max_stay: Mapped[int | None]
    capacity: Mapped[int] = mapped_column(default=0)
    confidential: Mapped[bool] = mapped_column(default=True)
    address: Mapped[str | None] = mapped_column(String(300))  # shown to coordinators only
    intake_contact: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class Hotel(Located, Base):
    __tablename__ = "hotel"
    __table_args__ = (
        CheckConstraint("room_capacity >= 1", name="room_capacity_positive"),
        CheckConstraint("rooms_per_night >= 0", name="rooms_not_negative"),
        CheckConstraint("standard_points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id"), index=True)
    room_capacity: Mapped[int] = mapped_column(default=2)
    pets: Mapped[bool] = mapped_column(default=False)
    accessible: Mapped[bool] = mapped_column(default=False)
    rooms_per_night: Mapped[int] = mapped_column(default=1)
    standard_points: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    program: Mapped[LoyaltyProgram] = relationship(back_populates="hotels")


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
