"""Places: shelters and hotels, where they are, what they admit, and their nights.

Models only; functions that change them take a session and flush (see `availability/`).
Nothing here imports the Flask app.
"""

import enum
from collections import Counter
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zipcodes
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .geo import Location
from .needs import Need, hotel_offer, shelter_offer

if TYPE_CHECKING:
    from .points import LoyaltyProgram

FALLBACK_TIMEZONE = "America/New_York"


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


@lru_cache(maxsize=1)
def _state_timezones() -> dict[str, str]:
    counts: dict[str, Counter] = {}
    for row in zipcodes.list_all():
        if row.get("timezone", "").count("/") >= 1:
            counts.setdefault(row["state"], Counter())[row["timezone"]] += 1
    return {state: c.most_common(1)[0][0] for state, c in counts.items()}


def timezone_for(location: Location) -> str:
    """The place's IANA timezone; a few ZIP rows lack one (or carry junk), and then the
    state's most common zone is the best guess we have offline."""
    name = location.timezone
    try:
        if name and "/" in name:
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    return _state_timezones().get(location.state, FALLBACK_TIMEZONE)


def _timezone_of_state(context) -> str:
    """For a place saved without `move_to` (older code, fixtures): its state's usual zone."""
    state = context.get_current_parameters().get("state")
    return _state_timezones().get(state, FALLBACK_TIMEZONE)


class Located:
    """Where a place is: entered as a ZIP code or city, stored with its coordinates and
    timezone (so that "tonight" is the place's own local night)."""

    zip_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(2))
    lat: Mapped[float]
    lon: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64), default=_timezone_of_state)

    def move_to(self, location: Location) -> None:
        self.zip_code = location.zip_code
        self.city = location.city
        self.state = location.state
        self.lat = location.lat
        self.lon = location.lon
        self.timezone = timezone_for(location)

    @property
    def location_text(self) -> str:
        """What a coordinator typed, or would: the ZIP code, else "City, ST"."""
        return self.zip_code or f"{self.city}, {self.state}"

    @property
    def place_label(self) -> str:
        return f"{self.city}, {self.state}" + (f" {self.zip_code}" if self.zip_code else "")


class Shelter(Located, Base):
    __tablename__ = "shelter"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("max_stay IS NULL OR max_stay >= 1", name="max_stay_positive"),
        CheckConstraint("staff_link_version >= 0", name="staff_link_version_not_negative"),
        CheckConstraint("hold_hours IS NULL OR hold_hours > 0", name="hold_hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    policy: Mapped[Policy] = mapped_column(enum_column(Policy, "shelter_policy"))
    accepts_nonbinary: Mapped[bool] = mapped_column(default=False)
    same_gender: Mapped[bool] = mapped_column(default=False)
    pets: Mapped[bool] = mapped_column(default=False)
    accessible: Mapped[bool] = mapped_column(default=False)
    max_stay: Mapped[int | None]
    # Beds on a normal night; a night's own row may override it (see ShelterNight).
    capacity: Mapped[int] = mapped_column(default=0)
    confidential: Mapped[bool] = mapped_column(default=True)
    address: Mapped[str | None] = mapped_column(String(300))  # shown to coordinators only
    intake_contact: Mapped[str | None] = mapped_column(String(300))  # the intake phone
    # What the advocate tells the caller: where and how the person is met, what to bring.
    intake_instructions: Mapped[str | None] = mapped_column(String(500))
    # How long an approved stay waits for the shelter's yes or no (None: HOLD_HOURS).
    hold_hours: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When shelter staff (or a coordinator on their behalf) last confirmed the numbers.
    confirmed_at: Mapped[datetime | None]
    # The staff report link carries this number: bumping it kills every older link at once.
    staff_link_version: Mapped[int] = mapped_column(default=0)
    staff_link_issued_at: Mapped[datetime | None]  # None: no link is live

    nights: Mapped[list["ShelterNight"]] = relationship(
        back_populates="shelter", cascade="all, delete-orphan"
    )
    # The needs it meets (see partners/needs.py).
    offers: Mapped[set[Need]] = relationship(secondary=shelter_offer)


class ShelterNight(Base):
    """What is known about one night at one shelter beyond its standard capacity.

    None of these numbers is "free beds": free is derived (see availability.shelters).
    """

    __tablename__ = "shelter_night"
    __table_args__ = (
        UniqueConstraint("shelter_id", "night"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("out_of_service >= 0", name="out_of_service_not_negative"),
        CheckConstraint(
            "taken_outside IS NULL OR taken_outside >= 0", name="taken_outside_not_negative"
        ),
        CheckConstraint("reported_free IS NULL OR reported_free >= 0", name="reported_free_ok"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelter.id", ondelete="CASCADE"))
    night: Mapped[date]
    capacity: Mapped[int | None]  # None: the shelter's standard capacity
    out_of_service: Mapped[int] = mapped_column(default=0)
    # Beds occupied by people placed outside this app, derived from a staff report for this
    # night; None: no report for this night (the latest earlier report carries forward).
    taken_outside: Mapped[int | None]
    reported_free: Mapped[int | None]  # what staff said, kept for the record
    reported_at: Mapped[datetime | None]

    shelter: Mapped[Shelter] = relationship(back_populates="nights")


class ShelterReport(Base):
    """Every report of free beds, as given (append-only): who said what, when, for which
    night. The night's `taken_outside` is derived from the latest one."""

    __tablename__ = "shelter_report"
    __table_args__ = (
        CheckConstraint("free_beds >= 0", name="free_beds_not_negative"),
        CheckConstraint("taken_outside >= 0", name="taken_outside_not_negative"),
        Index("ix_shelter_report_shelter_id_reported_at", "shelter_id", "reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelter.id", ondelete="CASCADE"))
    night: Mapped[date]
    free_beds: Mapped[int]
    taken_outside: Mapped[int]
    source: Mapped[str] = mapped_column(String(300))  # "staff link", "phone, <coordinator>"
    reported_at: Mapped[datetime]


class BedHold(Base):
    """Beds held on one night for a stay approved here, named by the booking's opaque
    reference (partners/ knows nothing of bookings)."""

    __tablename__ = "bed_hold"
    __table_args__ = (
        CheckConstraint("beds >= 1", name="beds_positive"),
        Index("ix_bed_hold_shelter_id_night", "shelter_id", "night"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelter.id"))
    night: Mapped[date]
    beds: Mapped[int]
    booking_ref: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]


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
    room_capacity: Mapped[int] = mapped_column(default=2)  # persons per room
    pets: Mapped[bool] = mapped_column(default=False)
    accessible: Mapped[bool] = mapped_column(default=False)
    # Rooms a night the organization may book here (an agreement with the hotel).
    rooms_per_night: Mapped[int] = mapped_column(default=1)
    standard_points: Mapped[int]  # points per room-night, unless a night says otherwise
    address: Mapped[str | None] = mapped_column(String(300))  # a hotel's is public
    intake_contact: Mapped[str | None] = mapped_column(String(300))  # the front desk
    intake_instructions: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    program: Mapped["LoyaltyProgram"] = relationship(back_populates="hotels")
    nights: Mapped[list["HotelNight"]] = relationship(
        back_populates="hotel", cascade="all, delete-orphan"
    )
    # The needs it meets (see partners/needs.py).
    offers: Mapped[set[Need]] = relationship(secondary=hotel_offer)


class HotelNight(Base):
    """A dated exception to a hotel's standard price or bookable rooms (peak nights)."""

    __tablename__ = "hotel_night"
    __table_args__ = (
        UniqueConstraint("hotel_id", "night"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
        CheckConstraint("rooms IS NULL OR rooms >= 0", name="rooms_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"))
    night: Mapped[date]
    points: Mapped[int | None]  # None: the standard price
    rooms: Mapped[int | None]  # None: the standard rooms per night

    hotel: Mapped[Hotel] = relationship(back_populates="nights")


class RoomHold(Base):
    """Rooms held on one night for a stay approved here, by the booking's opaque reference."""

    __tablename__ = "room_hold"
    __table_args__ = (
        CheckConstraint("rooms >= 1", name="rooms_positive"),
        Index("ix_room_hold_hotel_id_night", "hotel_id", "night"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotel.id"))
    night: Mapped[date]
    rooms: Mapped[int]
    booking_ref: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
