"""Two coordinators approve conflicting proposals at the same moment: one wins, the other
is told the bed went. Each round pauses both approvals right after they read the shelter's
free beds, so only the shelter lock keeps them apart (without it, both would hold the bed)."""

import contextlib
import threading

import pytest

import partners.availability.shelters as shelters_module
from partners.availability import shelter_nights
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.service import BookingConflict
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from tests.request_factories import TODAY

ROUNDS = 100


def approve_in_thread(app, start: threading.Barrier, booking_id: int, coordinator_id: int,
                      outcome: dict) -> None:
    """One coordinator's approval, in an app context and a session of its own."""
    with app.app_context():
        start.wait()
        try:
            with unit_of_work():
                booking = db.session.get(Booking, booking_id)
                service.approve(db.session, booking, coordinator_id, TODAY)
            outcome[booking_id] = "approved"
        except BookingConflict:
            outcome[booking_id] = "conflict"
        except Exception as error:  # noqa: BLE001 - reported by the callers' assertions
            outcome[booking_id] = type(error).__name__
        finally:
            db.session.remove()


@pytest.fixture
def pause_after_reading_beds(monkeypatch):
    state = {"barrier": None}
    real = shelters_module.shelter_nights

    def read_then_wait(*args, **kwargs):
        nights = real(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            state["barrier"].wait()
        return nights

    monkeypatch.setattr(shelters_module, "shelter_nights", read_then_wait)
    return state


def test_two_approvals_for_the_last_bed_never_both_succeed(
        app, create_shelter, create_booking, make_user, pause_after_reading_beds):
    coordinator = make_user(Role.COORDINATOR)
    shelter = create_shelter(capacity=1)
    db.session.commit()
    shelter_id, coordinator_id = shelter.id, coordinator.id

    def approve(start: threading.Barrier, booking_id: int, outcome: dict) -> None:
        approve_in_thread(app, start, booking_id, coordinator_id, outcome)

    for round_number in range(ROUNDS):
        ids = [create_booking(shelter).id for _ in range(2)]
        db.session.commit()
        start = threading.Barrier(2)
        pause_after_reading_beds["barrier"] = threading.Barrier(2, timeout=0.05)
        outcome: dict[int, str] = {}
        threads = [threading.Thread(target=approve, args=(start, i, outcome)) for i in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcome.values()) == ["approved", "conflict"], (round_number, outcome)
        pause_after_reading_beds["barrier"] = threading.Barrier(1)
        nights = shelter_nights(db.session, db.session.get(type(shelter), shelter_id), TODAY,
                                TODAY)
        assert nights[0].held == 1 and nights[0].free == 0
        winner = db.session.get(Booking, next(i for i, r in outcome.items() if r == "approved"))
        with unit_of_work():
            service.cancel(db.session, winner, coordinator_id, "round over")
        assert winner.state is BookingState.CANCELLED


def test_eight_coordinators_racing_for_three_beds_place_exactly_three(
        app, create_shelter, create_booking, make_user):
    coordinator_id = make_user(Role.COORDINATOR).id
    shelter = create_shelter(capacity=3)
    ids = [create_booking(shelter).id for _ in range(8)]
    db.session.commit()
    start = threading.Barrier(len(ids))
    outcome: dict[int, str] = {}

    threads = [threading.Thread(target=approve_in_thread,
                                args=(app, start, i, coordinator_id, outcome)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcome.values()) == ["approved"] * 3 + ["conflict"] * 5, outcome
    night = shelter_nights(db.session, db.session.get(type(shelter), shelter.id), TODAY, TODAY)
    assert night[0].held == 3 and night[0].free == 0
