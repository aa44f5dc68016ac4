"""Two coordinators approve conflicting proposals at the same moment: one wins, the other
is told the bed went. Each round pauses both approvals right after they read the shelter's
free beds, so only the shelter lock keeps them apart (without it, both would hold the bed)."""

import contextlib
import threading
from datetime import timedelta

import pytest

import partners.availability.shelters as shelters_module
from partners.availability import shelter_nights
from partners.places import Shelter
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.service import BookingConflict
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from placement.requests.models import HousingRequest
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


# -- one request, one live stay ------------------------------------------------------------

def test_the_database_refuses_a_second_live_stay_for_one_request(
        app, create_shelter, create_request, create_booking):
    from sqlalchemy.exc import IntegrityError

    request = create_request()
    first = create_booking(create_shelter(name="Harbor House"), request=request)
    second = create_booking(create_shelter(name="Bay Haven"), request=request)
    first.state = BookingState.APPROVED
    db.session.flush()
    second.state = BookingState.CONFIRMED
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def race(app, actions: list) -> list[str]:
    """Run each action (a callable taking the session) in its own thread, app context and
    transaction, all released at once; returns each one's outcome."""
    start = threading.Barrier(len(actions))
    outcome: list[str] = [""] * len(actions)

    def run(index: int) -> None:
        with app.app_context():
            start.wait()
            try:
                with unit_of_work():
                    actions[index](db.session)
                outcome[index] = "placed"
            except BookingConflict:
                outcome[index] = "conflict"
            except Exception as error:  # noqa: BLE001 - reported by the assertions
                outcome[index] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def live_stays(request_id: int) -> int:
    from sqlalchemy import func, select

    from placement.bookings.states import PLACING

    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.request_id == request_id, Booking.state.in_(PLACING)))


def test_two_approvals_of_one_request_at_two_places_place_it_once(
        app, create_shelter, create_request, create_booking, make_user):
    coordinator_id = make_user(Role.COORDINATOR).id
    shelters = [create_shelter(name="Harbor House"), create_shelter(name="Bay Haven")]
    for _round in range(5):
        request = create_request()
        ids = [create_booking(s, request=request).id for s in shelters]
        db.session.commit()

        def approve(booking_id):
            return lambda session: service.approve(
                session, session.get(Booking, booking_id), coordinator_id, TODAY)

        outcome = race(app, [approve(i) for i in ids])
        assert sorted(outcome) == ["conflict", "placed"], outcome
        assert live_stays(request.id) == 1


def test_an_approval_raced_against_a_placement_by_hand_places_the_request_once(
        app, create_shelter, create_request, create_booking, make_user):
    coordinator_id = make_user(Role.COORDINATOR).id
    proposed_at, by_hand_at = create_shelter(name="Harbor House"), create_shelter(name="Bay Haven")
    db.session.flush()
    for _round in range(5):
        request = create_request()
        booking_id = create_booking(proposed_at, request=request).id
        # Ids are read before the commit: reading them after would begin a transaction in
        # this thread (on SQLite, the write lock) while the racers run.
        request_id, place_id = request.id, by_hand_at.id
        db.session.commit()

        def approve(session, booking_id=booking_id):
            service.approve(session, session.get(Booking, booking_id), coordinator_id, TODAY)

        def by_hand(session, request_id=request_id, place_id=place_id):
            service.place_by_hand(session, session.get(HousingRequest, request_id),
                                  session.get(Shelter, place_id), TODAY, 3, coordinator_id, TODAY)

        outcome = race(app, [approve, by_hand])
        assert sorted(outcome) == ["conflict", "placed"], outcome
        assert live_stays(request_id) == 1


@pytest.mark.parametrize("kind", ["shelter", "hotel"])
def test_many_placements_by_hand_into_the_last_bed_or_room_never_error(
        app, kind, create_shelter, create_hotel, create_request, make_lot, make_user):
    """Ten coordinators place ten requests by hand into one place with room for one: one
    wins and nine are told why, with no deadlock (an error page) on the way."""
    coordinator_id = make_user(Role.COORDINATOR).id
    place = (create_shelter(capacity=1) if kind == "shelter"
             else create_hotel(rooms_per_night=1, standard_points=10_000))
    if kind == "hotel":
        make_lot(points=1_000_000, program=place.program.code)
    request_ids = [create_request(nights=2).id for _ in range(10)]
    model, place_id = type(place), place.id
    db.session.commit()

    def place_one(request_id):
        return lambda session: service.place_by_hand(
            session, session.get(HousingRequest, request_id), session.get(model, place_id),
            TODAY, 2, coordinator_id, TODAY)

    outcome = race(app, [place_one(i) for i in request_ids])
    assert sorted(outcome) == ["conflict"] * 9 + ["placed"], outcome


def test_a_job_withdrawing_proposals_never_writes_over_an_approval(
        app, create_shelter, create_booking, make_user):
    """The re-plan job withdraws a proposal whose check-in has passed at the moment a
    coordinator (in another time zone's "today") approves it: the job waits for the
    approval and leaves it alone instead of failing on the stale row."""
    import time

    from placement.jobs.jobs import withdraw_infeasible_proposals

    coordinator_id = make_user(Role.COORDINATOR).id
    booking_id = create_booking(create_shelter()).id
    db.session.commit()
    approved = threading.Barrier(2, timeout=30)
    outcome: dict[str, object] = {}

    def coordinator():
        with app.app_context():
            try:
                with unit_of_work():
                    service.approve(db.session, db.session.get(Booking, booking_id),
                                    coordinator_id, TODAY)
                    approved.wait()
                    time.sleep(0.5)  # the job is now reading (and, with the lock, waiting)
                outcome["coordinator"] = "approved"
            finally:
                db.session.remove()

    def job():
        with app.app_context():
            approved.wait()
            try:
                with unit_of_work():
                    outcome["withdrawn"] = withdraw_infeasible_proposals(
                        TODAY + timedelta(days=1))
            except Exception as error:  # noqa: BLE001 - reported by the assertion
                outcome["withdrawn"] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=coordinator), threading.Thread(target=job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"coordinator": "approved", "withdrawn": 0}
    db.session.expire_all()
    assert db.session.get(Booking, booking_id).state is BookingState.APPROVED
