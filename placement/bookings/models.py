"""Bookings: a request's stay at one shelter or hotel, from proposal to check-out."""

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partners.base import Base, enum_column, utcnow
from partners.places import Hotel, Shelter

from ..requests.models import CODE_ALPHABET, HousingRequest
from .states import HOLDING, PLACING, BookingState

LIVE_STAY_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(PLACING)))


def new_confirmation_code() -> str:
    """What a shelter's "yes" gives the stay: short, read aloud over the phone without
    mishearing (Crockford's alphabet, as case codes)."""
    return "C-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def new_booking_ref() -> str:
    """The opaque reference under which partners/ records holds and points."""
    return "bk-" + secrets.token_hex(10)


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("(shelter_id IS NULL) <> (hotel_id IS NULL)", name="exactly_one_place"),
        CheckConstraint("nights >= 1", name="nights_positive"),
        CheckConstraint("persons >= 1", name="persons_positive"),
        CheckConstraint("rooms >= 0 AND points_planned >= 0", name="counts_not_negative"),
        Index("ix_booking_state_check_in", "state", "check_in"),
        # A bridge stay (issue 21) is one placement of several stays, its segments 1, 2...
        # each a row of its own; the later ones name the first.
        CheckConstraint("segment >= 1", name="segment_positive"),
        CheckConstraint("(segment = 1) = (chain_id IS NULL)", name="chain_named_by_later"),
        # A request has at most one live stay per segment: no race between two
        # coordinators, two paths or two processes can place one person twice. That the
        # live segments make one chain without gap or overlap is checked at every commit
        # (placement/bookings/chains.py).
        Index("uq_booking_live_segment", "request_id", "segment", unique=True,
              sqlite_where=text(LIVE_STAY_SQL), postgresql_where=text(LIVE_STAY_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_booking_ref)
    request_id: Mapped[int] = mapped_column(ForeignKey("housing_request.id"), index=True)
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"), index=True)
    shelter_id: Mapped[int | None] = mapped_column(ForeignKey("shelter.id"), index=True)
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id"), index=True)
    check_in: Mapped[date]
    nights: Mapped[int]
    persons: Mapped[int]
    rooms: Mapped[int] = mapped_column(default=0)
    points_planned: Mapped[int] = mapped_column(default=0)
    points_charged: Mapped[int | None]
    state: Mapped[BookingState] = mapped_column(
        enum_column(BookingState, "booking_state"), default=BookingState.PROPOSED, index=True
    )
    confirmation: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))  # rejection or cancellation
    # The same as a structured code for the reports (a place's decline: "no_bed"...).
    reason_code: Mapped[str | None] = mapped_column(String(30))
    # Bridge stays: the stay's place in its chain (1: the first or only stay), and for a
    # later stay the first stay's id.
    segment: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    # The move to a later stay: when a coordinator said the person's transport is arranged.
    transport_arranged_at: Mapped[datetime | None]
    # Needs of the request this place lacks that a coordinator placing by hand chose to
    # override (need codes, ";"-separated), and why: the approval's rule check honours it.
    need_override: Mapped[str | None] = mapped_column(String(300))
    override_reason: Mapped[str | None] = mapped_column(String(300))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic concurrency: a stale copy of the row can never be written over a newer one.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    request: Mapped[HousingRequest] = relationship()
    shelter: Mapped[Shelter | None] = relationship()
    hotel: Mapped[Hotel | None] = relationship()

    @property
    def place(self) -> Shelter | Hotel:
        return self.shelter or self.hotel

    @property
    def is_hotel(self) -> bool:
        return self.hotel_id is not None

    @property
    def last_night(self) -> date:
        return self.check_in + timedelta(days=self.nights - 1)

    @property
    def check_out(self) -> date:
        return self.check_in + timedelta(days=self.nights)

    @property
    def holds(self) -> bool:
        return self.state in HOLDING

    @property
    def overridden_needs(self) -> frozenset[str]:
        """The need codes a coordinator chose to override at this place (see need_override)."""
        return frozenset(code for code in (self.need_override or "").split(";") if code)

    @property
    def lead_id(self) -> int:
        """The id that names the stay's chain: its first stay's."""
        return self.chain_id if self.chain_id is not None else self.id

    @property
    def is_move(self) -> bool:
        """A later stay of a chain: the person moves to it from the stay before."""
        return (self.segment or 1) > 1  # unset until the row is inserted: a first stay

    @property
    def points(self) -> int:
        return self.points_charged if self.points_charged is not None else self.points_planned
