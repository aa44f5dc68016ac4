from datetime import timedelta

import pytest
from sqlalchemy import select

from partners.availability import shelter_nights
from partners.ledger import program_balances
from placement.audit import AuditEvent
from placement.bookings import service
from placement.bookings.service import BookingConflict
from placement.bookings.states import BookingState, TransitionNotAllowed
from placement.extensions import db
from placement.requests.models import RequestStatus
from tests.request_factories import TODAY, later


@pytest.fixture
def coordinator(make_user):
    from placement.auth.models import Role

    return make_user(Role.COORDINATOR)


def free_beds(shelter, first=TODAY, nights=3):
    return [n.free for n in shelter_nights(db.session, shelter, first,
                                           first + timedelta(days=nights - 1))]


def test_approving_a_shelter_stay_holds_beds_and_places_the_request(
        create_shelter, create_booking, coordinator):
    shelter = create_shelter(capacity=5)
    booking = create_booking(shelter)
    service.approve(db.session, booking, coordinator.id, TODAY)
    assert booking.state is BookingState.APPROVED
    assert booking.request.status is RequestStatus.PLACED
    assert free_beds(shelter) == [4, 4, 4]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject == "booking")).one()
    assert (event.action, event.from_state, event.to_state, event.actor_id) == (
        "approve", "proposed", "approved", coordinator.id)


def test_approving_a_hotel_stay_holds_rooms_and_points(create_hotel, create_booking, make_lot,
                                                       coordinator):
    hotel = create_hotel(program="marriott", standard_points=20_000, rooms_per_night=2)
    make_lot(100_000, program="marriott")
    booking = create_booking(hotel, nights=3)
    service.approve(db.session, booking, coordinator.id, TODAY)
    assert program_balances(db.session, hotel.program_id).held == 60_000


def test_approval_tells_what_changed_when_the_last_bed_went(
        create_shelter, create_booking, create_request, coordinator):
    shelter = create_shelter(name="Harbor House", capacity=1)
    first = create_booking(shelter)
    second = create_booking(shelter)
    service.approve(db.session, first, coordinator.id, TODAY)
    with pytest.raises(BookingConflict, match=r"The last bed at Harbor House for the night of "
                                              r"Tue Dec 1 was taken (moments|\d+ minutes?) ago"):
        service.approve(db.session, second, coordinator.id, TODAY)
    assert second.state is BookingState.PROPOSED


def test_approval_refuses_when_the_points_ran_out(create_hotel, create_booking, make_lot,
                                                  coordinator):
    hotel = create_hotel(program="ihg", standard_points=30_000)
    make_lot(50_000, program="ihg")
    booking = create_booking(hotel, nights=2)
    with pytest.raises(BookingConflict, match="IHG One Rewards has 50,000 points available"):
        service.approve(db.session, booking, coordinator.id, TODAY)


def test_a_request_is_placed_once(create_shelter, create_booking, create_request, coordinator):
    shelter = create_shelter(capacity=5)
    request = create_request()
    first, second = create_booking(shelter, request), create_booking(shelter, request)
    service.approve(db.session, first, coordinator.id, TODAY)
    with pytest.raises(BookingConflict, match="already placed"):
        service.approve(db.session, second, coordinator.id, TODAY)


def test_a_broken_rule_refuses_approval(create_shelter, create_booking, coordinator):
    booking = create_booking(create_shelter())
    with pytest.raises(BookingConflict, match="no longer fits: the shelter admits no pets"):
        service.approve(db.session, booking, coordinator.id, TODAY,
                        rule_check=lambda b: ["the shelter admits no pets"])


def test_rejecting_needs_a_reason(create_shelter, create_booking, coordinator):
    booking = create_booking(create_shelter())
    with pytest.raises(BookingConflict, match="Say why"):
        service.reject(db.session, booking, coordinator.id, "  ")
    service.reject(db.session, booking, coordinator.id, "The shelter called: closed tonight")
    assert booking.state is BookingState.REJECTED


def test_confirmation_records_the_points_actually_charged(create_hotel, create_booking,
                                                          make_lot, coordinator):
    hotel = create_hotel(program="marriott", standard_points=20_000)
    make_lot(200_000, program="marriott")
    booking = create_booking(hotel, nights=5)
    service.approve(db.session, booking, coordinator.id, TODAY)
    service.confirm(db.session, booking, coordinator.id, "MB-12345", 80_000, TODAY)
    assert booking.state is BookingState.CONFIRMED and booking.confirmation == "MB-12345"
    assert program_balances(db.session, hotel.program_id).held == 80_000


def test_check_out_spends_the_points(create_hotel, create_booking, make_lot, coordinator):
    hotel = create_hotel(program="marriott", standard_points=10_000)
    make_lot(100_000, program="marriott")
    booking = create_booking(hotel, nights=3)
    for step in (lambda: service.approve(db.session, booking, coordinator.id, TODAY),
                 lambda: service.confirm(db.session, booking, coordinator.id, "C1", None, TODAY),
                 lambda: service.check_in(db.session, booking, coordinator.id),
                 lambda: service.check_out(db.session, booking, coordinator.id, later(3))):
        step()
    assert booking.state is BookingState.CHECKED_OUT
    assert program_balances(db.session, hotel.program_id).spent == 30_000


def test_an_early_check_out_frees_the_nights_left(create_shelter, create_booking, coordinator):
    shelter = create_shelter(capacity=2)
    booking = create_booking(shelter, nights=5)
    service.approve(db.session, booking, coordinator.id, TODAY)
    service.confirm(db.session, booking, coordinator.id, "Intake: Ms. K", None, TODAY)
    service.check_in(db.session, booking, coordinator.id)
    service.check_out(db.session, booking, coordinator.id, later(2))
    assert booking.nights == 2
    assert free_beds(shelter, TODAY, 5) == [1, 1, 2, 2, 2]


@pytest.mark.parametrize("how", ["cancel", "no_show", "expire_hold"])
def test_cancel_no_show_and_expiry_give_everything_back(how, create_hotel, create_booking,
                                                        make_lot, coordinator):
    hotel = create_hotel(program="marriott", standard_points=10_000)
    make_lot(100_000, program="marriott")
    booking = create_booking(hotel, nights=2)
    service.approve(db.session, booking, coordinator.id, TODAY)
    if how == "no_show":
        service.confirm(db.session, booking, coordinator.id, "C9", None, TODAY)
        service.no_show(db.session, booking, None)
    elif how == "cancel":
        service.cancel(db.session, booking, coordinator.id, "found family to stay with")
    else:
        service.expire_hold(db.session, booking, None)
    assert program_balances(db.session, hotel.program_id).held == 0
    assert program_balances(db.session, hotel.program_id).available == 100_000
    assert booking.request.status is RequestStatus.PENDING


def test_extending_re_checks_beds_and_the_maximum_stay(create_shelter, create_booking,
                                                       coordinator):
    shelter = create_shelter(capacity=1, max_stay=5)
    booking = create_booking(shelter, nights=3)
    service.approve(db.session, booking, coordinator.id, TODAY)
    service.extend(db.session, booking, coordinator.id, 2, TODAY)
    assert booking.nights == 5 and free_beds(shelter, TODAY, 6) == [0, 0, 0, 0, 0, 1]
    with pytest.raises(BookingConflict, match="at most 5 nights"):
        service.extend(db.session, booking, coordinator.id, 1, TODAY)


def test_extending_a_hotel_stay_holds_more_points(create_hotel, create_booking, make_lot,
                                                  coordinator):
    hotel = create_hotel(program="wyndham", standard_points=7_500)
    make_lot(30_000, program="wyndham")
    booking = create_booking(hotel, nights=2)
    service.approve(db.session, booking, coordinator.id, TODAY)
    service.extend(db.session, booking, coordinator.id, 2, TODAY)
    assert program_balances(db.session, hotel.program_id).held == 30_000
    with pytest.raises(BookingConflict, match="Cannot extend"):
        service.extend(db.session, booking, coordinator.id, 1, TODAY)


def test_a_transition_the_table_forbids_is_refused(create_shelter, create_booking, coordinator):
    booking = create_booking(create_shelter())
    with pytest.raises(TransitionNotAllowed):
        service.check_in(db.session, booking, coordinator.id)
