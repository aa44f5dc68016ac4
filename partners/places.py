"""Places: shelters and hotels, where they are and what they admit.

Models only; functions that change them take a session and flush. Nothing here imports
the Flask app.
"""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from .points import LoyaltyProgram


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

    program: Mapped["LoyaltyProgram"] = relationship(back_populates="hotels")
