"""Hotel rooms night by night: the rooms the organization may book, minus rooms held by
stays approved here; points per room-night from a calendar (standard price, dated
exceptions for peak nights)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..base import utcnow
from ..places import Hotel, HotelNight, RoomHold
from .common import (
    AvailabilityError,
    NightRange,
    NotEnoughRooms,
    as_naive_utc,
    check_booking_ref,
    check_count,
    group_nights,
    lock,
    night_label,
    nights_between,
    plural,
    stay_nights,
)


@dataclass(frozen=True)
class HotelNightAvailability:
    night: date
    rooms: int  # rooms the organization may book that night
    held: int
    points: int  # per room
    peak: bool  # the price or the rooms differ from the standard that night

    @property
    def free(self) -> int:
        return max(self.rooms - self.held, 0)

    @property
    def oversubscribed(self) -> int:
        return max(self.held - self.rooms, 0)


def hotel_nights(
    session: Session, hotel: Hotel, first: date, last: date
) -> list[HotelNightAvailability]:
    """Each night from `first` to `last` (both included) at one hotel."""
    return nights_for_hotels(session, [hotel], first, last)[hotel.id]


def nights_for_hotels(
    session: Session, hotels: Sequence[Hotel], first: date, last: date
) -> dict[int, list[HotelNightAvailability]]:
    nights = nights_between(first, last)
    ids = [h.id for h in hotels]
    rows = {
        (r.hotel_id, r.night): r
        for r in session.scalars(
            select(HotelNight).where(
                HotelNight.hotel_id.in_(ids), HotelNight.night.between(first, last)
            )
        )
    }
    held_query = (
        select(RoomHold.hotel_id, RoomHold.night, func.sum(RoomHold.rooms))
        .where(RoomHold.hotel_id.in_(ids), RoomHold.night.between(first, last),
               RoomHold.released_at.is_(None))
        .group_by(RoomHold.hotel_id, RoomHold.night)
    )
    held = {(hid, night): int(n) for hid, night, n in session.execute(held_query)}
    result: dict[int, list[HotelNightAvailability]] = {}
    for hotel in hotels:
        result[hotel.id] = []
        for night in nights:
            row = rows.get((hotel.id, night))
            points = row.points if row is not None and row.points is not None else None
            rooms = row.rooms if row is not None and row.rooms is not None else None
            result[hotel.id].append(HotelNightAvailability(
                night=night,
                rooms=hotel.rooms_per_night if rooms is None else rooms,
                held=held.get((hotel.id, night), 0),
                points=hotel.standard_points if points is None else points,
                peak=points is not None or rooms is not None,
            ))
    return result


def set_hotel_nights(
    session: Session, hotel: Hotel, first: date, last: date, *,
    points: int | None, rooms: int | None,
) -> list[HotelNightAvailability]:
    """Dated exceptions: the points per room and/or the bookable rooms on each night of the
    range. None means "the standard"; both None clears the nights back to standard."""
    nights = nights_between(first, last)
    if points is not None:
        check_count(points, "Points per night")
    if rooms is not None:
        check_count(rooms, "Rooms")
    hotel = lock(session, Hotel, hotel.id)
    existing = {
        r.night: r
        for r in session.scalars(
            select(HotelNight).where(HotelNight.hotel_id == hotel.id,
                                     HotelNight.night.between(first, last))
        )
    }
    for night in nights:
        row = existing.get(night)
        if points is None and rooms is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = HotelNight(hotel_id=hotel.id, night=night)
            session.add(row)
        row.points, row.rooms = points, rooms
    session.flush()
    return hotel_nights(session, hotel, first, last)


def points_for_stay(
    session: Session, hotel: Hotel, first_night: date, nights: int, rooms: int
) -> int:
    """Points the stay costs at the calendar's prices: each night's price times the rooms.

    Programs' free-night offers (IHG's 4th night for some members, Marriott's 5th night on
    points-only stays) depend on the account that books; they are not applied here.
    """
    check_count(rooms, "Rooms", minimum=1)
    stay = stay_nights(first_night, nights)
    return sum(n.points for n in hotel_nights(session, hotel, stay[0], stay[-1])) * rooms


def hold_rooms(
    session: Session, hotel_id: int, first_night: date, nights: int, rooms: int,
    booking_ref: str,
) -> list[RoomHold]:
    """Hold `rooms` on each of `nights` nights from `first_night` for `booking_ref`, or raise
    NotEnoughRooms naming the first night that cannot take them. Checked under the hotel's
    row lock: two holds racing for the last room never both succeed."""
    check_count(rooms, "Rooms", minimum=1)
    check_booking_ref(booking_ref)
    stay = stay_nights(first_night, nights)
    hotel = lock(session, Hotel, hotel_id)
    if not hotel.active:
        raise NotEnoughRooms(
            f"{hotel.name} is not taking placements (it is marked inactive).",
            hotel_id=hotel.id, night=None, free=0,
        )
    for night in hotel_nights(session, hotel, stay[0], stay[-1]):
        if night.free < rooms:
            if night.free == 0:
                message = f"no room is free at {hotel.name} on the night of "
            else:
                message = (f"only {plural(night.free, 'room')} of the {rooms} needed "
                           f"{'is' if night.free == 1 else 'are'} free at {hotel.name} "
                           "on the night of ")
            raise NotEnoughRooms(message + night_label(night.night), hotel_id=hotel.id,
                                 night=night.night, free=night.free)
    holds = [RoomHold(hotel_id=hotel.id, night=n, rooms=rooms, booking_ref=booking_ref)
             for n in stay]
    session.add_all(holds)
    session.flush()
    return holds


def release_rooms(
    session: Session, booking_ref: str, from_night: date | None = None,
    at: datetime | None = None,
) -> int:
    """Release the booking's held rooms (from `from_night` on); returns room-nights freed."""
    if not booking_ref:
        raise AvailabilityError("Which booking? The reference is empty.")
    condition = [RoomHold.booking_ref == booking_ref, RoomHold.released_at.is_(None)]
    if from_night is not None:
        condition.append(RoomHold.night >= from_night)
    freed = session.scalar(select(func.coalesce(func.sum(RoomHold.rooms), 0)).where(*condition))
    session.execute(
        update(RoomHold).where(*condition).values(released_at=as_naive_utc(at or utcnow()))
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return int(freed)


def room_holds(session: Session, booking_ref: str) -> list[RoomHold]:
    """The booking's rooms still held, night by night."""
    return list(session.scalars(
        select(RoomHold).where(RoomHold.booking_ref == booking_ref, RoomHold.released_at.is_(None))
        .order_by(RoomHold.night, RoomHold.id)
    ))


def hotel_exceptions(session: Session, hotel: Hotel, from_night: date) -> list[NightRange]:
    """Peak or closed nights from `from_night` on, as ranges; values are (points, rooms),
    None meaning the standard."""
    rows = session.scalars(
        select(HotelNight).where(HotelNight.hotel_id == hotel.id, HotelNight.night >= from_night)
        .order_by(HotelNight.night)
    )
    return group_nights([(r.night, (r.points, r.rooms)) for r in rows])
