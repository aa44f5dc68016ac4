"""Shelter beds night by night: derived, never typed over.

free = capacity - out of service - taken outside (staff reports) - held (stays placed here).
Every writer locks the shelter row first, so two of them never act on the same stale read.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..base import utcnow
from ..places import BedHold, Shelter, ShelterNight, ShelterReport
from .common import (
    AvailabilityError,
    ImpossibleReport,
    NightRange,
    NotEnoughBeds,
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
class NightAvailability:
    night: date
    capacity: int
    out_of_service: int
    taken_outside: int
    held: int
    reported: bool  # True: staff reported this very night; False: carried forward or none
    reported_at: datetime | None = None

    @property
    def usable(self) -> int:
        """Beds in service that night."""
        return max(self.capacity - self.out_of_service, 0)

    @property
    def free(self) -> int:
        return max(self.capacity - self.out_of_service - self.taken_outside - self.held, 0)

    @property
    def oversubscribed(self) -> int:
        """Beds promised beyond what the shelter has (0 on a sound night): a capacity cut or
        beds out of service after stays were approved. Someone must call the shelter."""
        return max(self.out_of_service + self.taken_outside + self.held - self.capacity, 0)


def shelter_nights(
    session: Session, shelter: Shelter, first: date, last: date
) -> list[NightAvailability]:
    """Each night from `first` to `last` (both included) at one shelter."""
    return nights_for_shelters(session, [shelter], first, last)[shelter.id]


def nights_for_shelters(
    session: Session, shelters: Sequence[Shelter], first: date, last: date
) -> dict[int, list[NightAvailability]]:
    """The same for many shelters in three queries (lists, the planner)."""
    nights = nights_between(first, last)
    ids = [s.id for s in shelters]
    rows = {
        (r.shelter_id, r.night): r
        for r in session.scalars(
            select(ShelterNight).where(
                ShelterNight.shelter_id.in_(ids), ShelterNight.night.between(first, last)
            )
        )
    }
    held = _held(session, ids, first, last)
    carried = _last_reports_before(session, ids, first)
    result: dict[int, list[NightAvailability]] = {}
    for shelter in shelters:
        outside = carried.get(shelter.id, 0)
        out = result[shelter.id] = []
        for night in nights:
            row = rows.get((shelter.id, night))
            capacity = shelter.capacity if row is None or row.capacity is None else row.capacity
            oos = row.out_of_service if row is not None else 0
            beds_held = held.get((shelter.id, night), 0)
            if row is not None and row.taken_outside is not None:
                outside = taken = row.taken_outside
                reported = True
            else:
                # No report for this night: people placed elsewhere are assumed to stay (a
                # free bed counted that is not there sends someone to a full shelter), but
                # never more of them than there is room for.
                taken = min(outside, max(capacity - oos - beds_held, 0))
                reported = False
            out.append(NightAvailability(
                night=night, capacity=capacity, out_of_service=oos, taken_outside=taken,
                held=beds_held, reported=reported,
                reported_at=row.reported_at if row is not None else None,
            ))
    return result


def _held(session: Session, ids: list[int], first: date, last: date) -> dict:
    query = (
        select(BedHold.shelter_id, BedHold.night, func.sum(BedHold.beds))
        .where(BedHold.shelter_id.in_(ids), BedHold.night.between(first, last),
               BedHold.released_at.is_(None))
        .group_by(BedHold.shelter_id, BedHold.night)
    )
    return {(sid, night): int(beds) for sid, night, beds in session.execute(query)}


def _last_reports_before(session: Session, ids: list[int], first: date) -> dict[int, int]:
    latest = (
        select(ShelterNight.shelter_id, func.max(ShelterNight.night).label("night"))
        .where(ShelterNight.shelter_id.in_(ids), ShelterNight.night < first,
               ShelterNight.taken_outside.is_not(None))
        .group_by(ShelterNight.shelter_id)
        .subquery()
    )
    query = select(ShelterNight.shelter_id, ShelterNight.taken_outside).join(
        latest,
        (ShelterNight.shelter_id == latest.c.shelter_id) & (ShelterNight.night == latest.c.night),
    )
    return {sid: taken for sid, taken in session.execute(query)}


def _night_rows(session: Session, shelter: Shelter, nights: list[date]) -> list[ShelterNight]:
    existing = {
        r.night: r
        for r in session.scalars(
            select(ShelterNight).where(
                ShelterNight.shelter_id == shelter.id,
                ShelterNight.night.between(nights[0], nights[-1]),
            )
        )
    }
    rows = []
    for night in nights:
        row = existing.get(night)
        if row is None:
            row = ShelterNight(shelter_id=shelter.id, night=night, out_of_service=0)
            session.add(row)
        rows.append(row)
    return rows


def set_capacity(
    session: Session, shelter: Shelter, first: date, last: date, beds: int | None
) -> list[NightAvailability]:
    """Beds the shelter has on each night of the range (None: back to its standard).

    A cut below what is already held is recorded (the beds are gone either way); the
    returned nights show it as `oversubscribed` so that the caller can warn.
    """
    nights = nights_between(first, last)
    if beds is not None:
        check_count(beds, "Capacity")
    shelter = lock(session, Shelter, shelter.id)
    for row in _night_rows(session, shelter, nights):
        row.capacity = beds
    session.flush()
    return shelter_nights(session, shelter, first, last)


def set_out_of_service(
    session: Session, shelter: Shelter, first: date, last: date, beds: int
) -> list[NightAvailability]:
    """Beds that cannot be used on each night of the range (repairs, an outbreak)."""
    nights = nights_between(first, last)
    check_count(beds, "Beds out of service")
    shelter = lock(session, Shelter, shelter.id)
    for row in _night_rows(session, shelter, nights):
        row.out_of_service = beds
    session.flush()
    return shelter_nights(session, shelter, first, last)


def record_staff_report(
    session: Session, shelter: Shelter, night: date, free_beds: int, at: datetime,
    source: str = "staff",
) -> NightAvailability:
    """Staff say `free_beds` are free on `night`; the rest of the in-service beds not held
    by stays placed here are taken by people placed outside this app.

    Refuses a report that cannot be true (more free beds than capacity minus out of service
    minus held here). Stamps the shelter's confirmation time and keeps the report in the
    shelter's log (`source` says who gave it: "staff link", "by phone, <coordinator>").
    """
    check_count(free_beds, "Free beds")
    shelter = lock(session, Shelter, shelter.id)
    now = shelter_nights(session, shelter, night, night)[0]
    at_most = max(now.capacity - now.out_of_service - now.held, 0)
    if free_beds > at_most:
        parts = []
        if now.out_of_service:
            parts.append(f"{now.out_of_service} out of service")
        if now.held:
            parts.append(f"{plural(now.held, 'bed')} held for guests placed by the hotline")
        detail = f" ({' and '.join(parts)})" if parts else ""
        raise ImpossibleReport(
            f"{shelter.name} has {plural(now.capacity, 'bed')} on the night of "
            f"{night_label(night)}{detail}, so at most {at_most} can be free, not {free_beds}. "
            "If you have more beds tonight, call the hotline so a coordinator can raise "
            "your capacity."
        )
    row = _night_rows(session, shelter, [night])[0]
    row.taken_outside = at_most - free_beds
    row.reported_free = free_beds
    row.reported_at = as_naive_utc(at)
    session.add(ShelterReport(
        shelter_id=shelter.id, night=night, free_beds=free_beds,
        taken_outside=row.taken_outside, source=source[:300], reported_at=row.reported_at,
    ))
    if shelter.confirmed_at is None or shelter.confirmed_at < row.reported_at:
        shelter.confirmed_at = row.reported_at
    session.flush()
    return shelter_nights(session, shelter, night, night)[0]


def hold_beds(
    session: Session, shelter_id: int, first_night: date, nights: int, beds: int,
    booking_ref: str,
) -> list[BedHold]:
    """Hold `beds` on each of `nights` nights from `first_night` for the booking
    `booking_ref`, or raise NotEnoughBeds naming the first night that cannot take them.

    Re-checks availability under the shelter's row lock: two holds racing for the last bed
    never both succeed.
    """
    check_count(beds, "Beds", minimum=1)
    check_booking_ref(booking_ref)
    stay = stay_nights(first_night, nights)
    shelter = lock(session, Shelter, shelter_id)
    if not shelter.active:
        raise NotEnoughBeds(
            f"{shelter.name} is not taking placements (it is marked inactive).",
            shelter_id=shelter.id, night=None, free=0,
        )
    for night in shelter_nights(session, shelter, stay[0], stay[-1]):
        if night.free < beds:
            if night.free == 0:
                message = f"no bed is free at {shelter.name} on the night of "
            else:
                message = (f"only {plural(night.free, 'bed')} of the {beds} needed "
                           f"{'is' if night.free == 1 else 'are'} free at {shelter.name} "
                           "on the night of ")
            raise NotEnoughBeds(
                message + night_label(night.night), shelter_id=shelter.id, night=night.night,
                free=night.free,
            )
    holds = [BedHold(shelter_id=shelter.id, night=n, beds=beds, booking_ref=booking_ref)
             for n in stay]
    session.add_all(holds)
    session.flush()
    return holds


def release_beds(
    session: Session, booking_ref: str, from_night: date | None = None,
    at: datetime | None = None,
) -> int:
    """Release the booking's held beds (from `from_night` on, for an early check-out or a
    shortened stay); returns how many bed-nights came free. Releasing twice is harmless."""
    if not booking_ref:
        raise AvailabilityError("Which booking? The reference is empty.")
    condition = [BedHold.booking_ref == booking_ref, BedHold.released_at.is_(None)]
    if from_night is not None:
        condition.append(BedHold.night >= from_night)
    freed = session.scalar(select(func.coalesce(func.sum(BedHold.beds), 0)).where(*condition))
    session.execute(
        update(BedHold).where(*condition).values(released_at=as_naive_utc(at or utcnow()))
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return int(freed)


def recent_reports(session: Session, shelter: Shelter, limit: int = 10) -> list[ShelterReport]:
    """The shelter's latest reports, newest first (for the coordinator's page)."""
    return list(session.scalars(
        select(ShelterReport).where(ShelterReport.shelter_id == shelter.id)
        .order_by(ShelterReport.reported_at.desc(), ShelterReport.id.desc()).limit(limit)
    ))


def bed_holds(session: Session, booking_ref: str) -> list[BedHold]:
    """The booking's beds still held, night by night (for its page, an extension, a move)."""
    return list(session.scalars(
        select(BedHold).where(BedHold.booking_ref == booking_ref, BedHold.released_at.is_(None))
        .order_by(BedHold.night, BedHold.id)
    ))


def capacity_changes(session: Session, shelter: Shelter, from_night: date) -> list[NightRange]:
    """Nights from `from_night` on whose capacity or beds out of service differ from the
    standard, as ranges; each range's values are (capacity or None, out of service)."""
    rows = session.scalars(
        select(ShelterNight).where(
            ShelterNight.shelter_id == shelter.id, ShelterNight.night >= from_night,
            (ShelterNight.capacity.is_not(None)) | (ShelterNight.out_of_service > 0),
        ).order_by(ShelterNight.night)
    )
    return group_nights([(r.night, (r.capacity, r.out_of_service)) for r in rows])
