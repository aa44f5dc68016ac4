"""A crash between two writes leaves nothing half done: the unit of work rolls back all."""

import pytest
from sqlalchemy import func, select

from partners import ledger
from partners.places import BedHold, RoomHold
from partners.points import LedgerEntry, PointsLot
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from tests.request_factories import TODAY


class Crash(Exception):
    pass


def crash(*_args, **_kwargs):
    raise Crash("the process died here")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_crash_after_the_rooms_are_held_holds_no_room_and_no_point(
        monkeypatch, create_hotel, create_booking, make_lot, make_user):
    hotel = create_hotel(program="marriott", standard_points=10_000)
    make_lot(100_000, program="marriott")
    booking = create_booking(hotel, nights=2)
    coordinator = make_user(Role.COORDINATOR)
    db.session.commit()
    entries = count(LedgerEntry)
    monkeypatch.setattr(service.ledger, "hold_points", crash)  # after hold_rooms wrote
    with pytest.raises(Crash), unit_of_work():
        service.approve(db.session, db.session.get(Booking, booking.id), coordinator.id, TODAY)
    assert count(RoomHold) == 0 and count(LedgerEntry) == entries
    assert db.session.get(Booking, booking.id).state is BookingState.PROPOSED


def test_a_crash_while_cancelling_keeps_the_stay_whole(monkeypatch, create_shelter,
                                                        create_booking, make_user):
    shelter = create_shelter(capacity=2)
    booking = create_booking(shelter)
    coordinator = make_user(Role.COORDINATOR)
    with unit_of_work():
        service.approve(db.session, booking, coordinator.id, TODAY)
    monkeypatch.setattr(service, "_unplace", crash)  # after the beds were released
    with pytest.raises(Crash), unit_of_work():
        service.cancel(db.session, db.session.get(Booking, booking.id), coordinator.id, "x")
    holds = db.session.scalars(select(BedHold)).all()
    assert holds and all(h.released_at is None for h in holds)
    assert db.session.get(Booking, booking.id).state is BookingState.APPROVED


def test_a_crash_while_posting_a_donation_records_no_lot(monkeypatch, make_program, make_donor):
    program, donor = make_program(), make_donor()
    monkeypatch.setattr(ledger, "_post", crash)  # after the lot row was flushed
    with pytest.raises(Crash), unit_of_work():
        ledger.donate(db.session, donor.id, program, 5_000, TODAY)
    assert count(PointsLot) == 0
