"""The stays figures of a report (figures.Report has them): the stays of its requests that
took someone in, or were no-shows, read in one grouped query by month, program and length,
each table a sum over those groups."""

from collections.abc import Callable, Iterator
from functools import cached_property

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from partners.places import Hotel
from partners.points import LoyaltyProgram

from ..audit import AuditEvent
from ..bookings.models import Booking
from ..bookings.states import BookingState
from ..requests.models import HousingRequest
from .filters import Filters
from .scope import stays_where
from .sql import leading_int
from .tables import Column, Row, Table, add_into, month_key, month_label

ARRIVED = (BookingState.CHECKED_IN, BookingState.CHECKED_OUT)
LONG_STAY = 15  # stays of this many nights or more share one row
# What StayFigures._stays sums for each month and program (of the stays that arrived).
STAY_SUMS = ("stays", "no_shows", "nights", "points", "room_nights", "extended", "extensions",
             "nights_added")


class StayFigures:
    """The stays figures of a report on `session` under filters `f` (figures.Report)."""

    session: Session
    f: Filters
    _each: Callable[[str], Iterator[tuple]]

    def _count_stays(self, f: Filters) -> list[tuple]:
        """(month, hotel program id or None for shelters, length (LONG_STAY and more as
        LONG_STAY), then STAY_SUMS) over the stays of f that took someone in or were
        no-shows, by month, program and length: a report's "stays" parts."""
        extend = (select(AuditEvent.subject_id.label("booking_id"),
                         func.count().label("times"),
                         func.sum(leading_int(AuditEvent.detail)).label("nights"))
                  .where(AuditEvent.subject == "booking", AuditEvent.action == "extend")
                  .group_by(AuditEvent.subject_id).subquery())
        arrived = Booking.state.in_(ARRIVED)
        length = case((Booking.nights >= LONG_STAY, LONG_STAY), else_=Booking.nights)
        group = (HousingRequest.filed_month, Hotel.program_id, length)
        query = (select(*group, func.count().filter(arrived),
                        func.count().filter(Booking.state == BookingState.NO_SHOW),
                        func.sum(Booking.nights).filter(arrived),
                        func.sum(func.coalesce(Booking.points_charged, Booking.points_planned))
                        .filter(arrived),
                        func.sum(Booking.nights * Booking.rooms).filter(arrived),
                        func.count(extend.c.booking_id).filter(arrived),
                        func.sum(extend.c.times).filter(arrived),
                        func.sum(extend.c.nights).filter(arrived))
                 .select_from(Booking)
                 .join(HousingRequest, HousingRequest.id == Booking.request_id)
                 .outerjoin(Hotel, Hotel.id == Booking.hotel_id)
                 .outerjoin(extend, extend.c.booking_id == Booking.id)
                 .where(Booking.state.in_((*ARRIVED, BookingState.NO_SHOW)), *stays_where(f))
                 .group_by(*group))
        return [(*row[:3], *(int(v or 0) for v in row[3:])) for row in self.session.execute(query)]

    @cached_property
    def _stays(self) -> list[tuple]:
        """(month, program code and name, or None for shelters, length, then STAY_SUMS),
        from the months' parts."""
        programs = {ident: (code, name) for ident, code, name in self.session.execute(
            select(LoyaltyProgram.id, LoyaltyProgram.code, LoyaltyProgram.name))}
        return [(month, *programs.get(program_id, (None, None)), *rest)
                for month, program_id, *rest in self._each("stays")]

    def _sum_stays(self, key_of, values_of) -> dict:
        found: dict = {}
        for month, code, name, _length, *sums in self._stays:
            key = key_of(month, code, name)
            if key is not None:
                add_into(found, key, values_of(code, dict(zip(STAY_SUMS, sums, strict=True))))
        return found

    def stay_lengths(self) -> Table:
        """Stays that took someone in, by length in nights (LONG_STAY and more
        together)."""
        found: dict = {}
        for _month, code, _name, length, stays, *_sums in self._stays:
            add_into(found, length, (0, stays) if code else (stays, 0))
        rows = [Row(str(n), f"{n}+ nights" if n == LONG_STAY else
                    f"{n} night{'s' if n > 1 else ''}", found.get(n, (0, 0)))
                for n in range(1, LONG_STAY + 1)]
        return Table("Stays by length", "Length",
                     (Column("shelter", "Shelter stays"), Column("hotel", "Hotel stays")), rows)

    def nights_by_month(self) -> Table:
        """Nights of the stays that took someone in, shelter and hotel, by month of filing
        (a stay's nights as they ended: extensions added, an early check-out's left out)."""
        found = self._sum_stays(lambda month, _code, _name: month, lambda code, s: (
            (0, s["nights"]) if code else (s["nights"], 0)))
        rows = [Row(month_key(m), month_label(m), found.get(m, (0, 0))) for m in self.f.months]
        return Table("Nights in shelters and hotels, by month of filing", "Month",
                     (Column("shelter_nights", "Shelter nights"),
                      Column("hotel_nights", "Hotel nights")), rows)

    def points_per_night(self) -> Table:
        """Hotel stays that took someone in, by program: stays, room-nights, points
        (charged, else planned) and points per room-night."""
        found = self._sum_stays(lambda _month, code, name: (name, code) if code else None,
                                lambda _code, s: (s["stays"], s["room_nights"], s["points"]))
        rows = [Row(code, name, (stays, nights, points,
                                 round(points / nights) if nights else None))
                for (name, code), (stays, nights, points) in sorted(found.items()) if stays]
        return Table("Points per night, by program", "Program",
                     (Column("stays", "Stays"), Column("room_nights", "Room-nights"),
                      Column("points", "Points", "points"),
                      Column("per_night", "Points per room-night", "ratio")), rows)

    def extensions(self) -> Table:
        """Stays that took someone in, and how many were extended (the audit log's
        "extend" of a stay: each extension and the nights it added), shelter and hotel."""
        found = self._sum_stays(lambda _m, code, _n: "hotel" if code else "shelter",
                                lambda _code, s: (s["stays"], s["extended"], s["extensions"],
                                                  s["nights_added"]))
        rows = [Row(key, label, found.get(key, (0, 0, 0, 0)))
                for key, label in (("shelter", "Shelter stays"), ("hotel", "Hotel stays"))]
        return Table("Extended stays", "Kind of stay",
                     (Column("stays", "Stays"), Column("extended", "Extended"),
                      Column("extensions", "Extensions"),
                      Column("nights_added", "Nights added")), rows)

    def no_shows(self) -> Table:
        """Stays confirmed for an arrival, by month of filing: how many the person arrived
        at or did not (a no-show)."""
        found = self._sum_stays(lambda month, _c, _n: month, lambda _code, s: (
            s["stays"] + s["no_shows"], s["no_shows"]))
        rows = [Row(month_key(m), month_label(m), found.get(m, (0, 0))) for m in self.f.months]
        return Table("Arrivals expected and no-shows, by month of filing", "Month",
                     (Column("expected", "Stays expecting an arrival"),
                      Column("no_shows", "No-shows")), rows)
