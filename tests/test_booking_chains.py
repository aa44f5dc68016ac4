"""Bridge stays (issue 21) in the database: a request may hold several live stays only as
one chain, segments 1..n without gap or overlap at places not used twice, and never half
approved. The database refuses two live stays of one segment; every commit refuses the rest
(placement/bookings/chains.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from partners import ledger
from partners.availability import set_capacity, set_hotel_nights
from partners.places import BedHold, RoomHold
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.chains import ChainBroken, chain_of, check_chains
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.requests.models import RequestStatus
from tests.request_factories import TODAY

S = BookingState


@pytest.fixture
def places(create_shelter, create_hotel):
    return create_hotel(name="Airport Holiday Lodge"), create_shelter(name="Harbor House")


@pytest.fixture
def chain(places, create_request, create_booking):
    """A request of 5 nights as a hotel for 2 nights, then a shelter from TODAY + 2."""
    def make(first=S.APPROVED, second=S.APPROVED, gap=0, nights=(2, 3), second_place=None):
        hotel, shelter = places
        request = create_request(nights=sum(nights))
        lead = create_booking(hotel, request, TODAY, nights[0], state=first)
        later = create_booking(second_place or shelter, request,
                               TODAY + timedelta(days=nights[0] + gap), nights[1],
                               state=second, segment=2, chain_id=lead.id)
        return request, lead, later

    return make


def test_a_chain_of_two_live_stays_commits_and_reads_back_in_order(chain):
    request, lead, later = chain()
    db.session.commit()
    assert [b.id for b in chain_of(db.session, later)] == [lead.id, later.id]
    assert (lead.lead_id, later.lead_id, later.is_move, lead.is_move) == (
        lead.id, lead.id, True, False)


@pytest.mark.parametrize("gap, words", [(1, "begins on"), (-1, "begins on")])
def test_a_gap_or_an_overlap_between_stays_is_refused_at_commit(chain, gap, words):
    chain(gap=gap)
    with pytest.raises(ChainBroken, match=words):
        db.session.commit()
    db.session.rollback()


def test_a_chain_at_one_place_twice_is_refused(chain, places):
    chain(second_place=places[0])
    with pytest.raises(ChainBroken, match="one place twice"):
        db.session.commit()
    db.session.rollback()


def test_a_later_stay_live_without_the_first_is_refused(chain):
    chain(first=S.CANCELLED)
    with pytest.raises(ChainBroken, match="segments \\[2\\]"):
        db.session.commit()
    db.session.rollback()


def test_half_approved_is_refused(chain):
    chain(second=S.PROPOSED)
    with pytest.raises(ChainBroken, match="half approved"):
        db.session.commit()
    db.session.rollback()


def test_a_proposal_for_the_rest_of_a_stay_may_wait_beside_its_live_first_stay(chain):
    request, lead, later = chain(second=S.PROPOSED)
    request.rest_from, request.rest_nights = later.check_in, later.nights
    db.session.commit()
    check_chains(db.session, [request.id])


def test_the_database_refuses_two_live_stays_of_one_segment(places, create_request,
                                                            create_booking):
    hotel, shelter = places
    request = create_request()
    create_booking(hotel, request, state=S.APPROVED)
    with pytest.raises(IntegrityError):
        create_booking(shelter, request, state=S.CONFIRMED)
    db.session.rollback()


def test_the_database_refuses_a_later_stay_that_names_no_first(places, create_request,
                                                              create_booking):
    with pytest.raises(IntegrityError):
        create_booking(places[1], create_request(), segment=2)
    db.session.rollback()


def test_withdrawn_and_ended_stays_do_not_count(chain):
    request, lead, later = chain(first=S.CANCELLED, second=S.CANCELLED)
    db.session.commit()
    check_chains(db.session, [request.id])


# -- a chain is approved, turned down and given back whole ----------------------------------

@pytest.fixture
def proposed(places, create_request, create_booking, make_lot, make_user):
    """A proposed chain: the hotel for 2 nights (20,000 points of 100,000), then the shelter
    for 3 nights from TODAY + 2; and a coordinator."""
    hotel, shelter = places
    make_lot(100_000, program="ihg")
    request = create_request(nights=5)
    lead = create_booking(hotel, request, TODAY, 2, points_planned=20_000)
    later = create_booking(shelter, request, TODAY + timedelta(days=2), 3, segment=2,
                           chain_id=lead.id)
    return request, lead, later, make_user(Role.COORDINATOR).id


def held(booking) -> tuple[int, int]:
    """Nights held for the stay (beds or rooms), and its points held."""
    model = RoomHold if booking.is_hotel else BedHold
    nights = db.session.scalar(select(func.count()).select_from(model).where(
        model.booking_ref == booking.ref, model.released_at.is_(None)))
    return nights, sum(ledger.held_for(db.session, booking.ref).values())


def points_free(hotel) -> int:
    return ledger.available_points(db.session, hotel.program_id, TODAY)


@pytest.mark.parametrize("clicked", [0, 1])
def test_approving_either_stay_approves_the_chain_each_holding_its_own(proposed, clicked):
    request, lead, later, coordinator = proposed
    service.approve(db.session, (lead, later)[clicked], coordinator, TODAY)
    db.session.commit()
    assert (lead.state, later.state, request.status) == (S.APPROVED, S.APPROVED,
                                                         RequestStatus.PLACED)
    assert (held(lead), held(later)) == ((2, 20_000), (3, 0))
    assert points_free(lead.hotel) == 80_000


def test_a_chain_that_no_longer_fits_is_not_approved_at_all(proposed, places):
    request, lead, later, coordinator = proposed
    set_capacity(db.session, places[1], TODAY + timedelta(days=3), TODAY + timedelta(days=3), 0)
    with pytest.raises(service.BookingConflict, match="Harbor House"):
        service.approve(db.session, lead, coordinator, TODAY)
    db.session.rollback()
    assert (lead.state, later.state) == (S.PROPOSED, S.PROPOSED)
    assert (held(lead), held(later), points_free(places[0])) == ((0, 0), (0, 0), 100_000)


def test_rejecting_one_stay_turns_down_the_chain(proposed):
    request, lead, later, coordinator = proposed
    service.reject(db.session, later, coordinator, "too far from the school")
    db.session.commit()
    assert (lead.state, later.state) == (S.CANCELLED, S.REJECTED)


@pytest.mark.parametrize("action", ["cancel", "expire_hold", "no_show_first", "decline_first"])
def test_giving_back_any_stay_before_anyone_arrived_gives_back_the_whole_chain(proposed, action):
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    if action == "cancel":
        service.cancel(db.session, later, coordinator, "the person found family")
    elif action == "expire_hold":
        service.expire_hold(db.session, lead, None)
    elif action == "no_show_first":
        service.confirm(db.session, lead, coordinator, "H-1", None, TODAY)
        service.no_show(db.session, lead, None)
    else:
        service.decline(db.session, lead, None, "no_bed")
    db.session.commit()
    assert {lead.state, later.state} <= {S.CANCELLED, S.HOLD_EXPIRED, S.NO_SHOW}
    assert (held(lead), held(later), points_free(lead.hotel)) == ((0, 0), (0, 0), 100_000)
    assert request.status is RequestStatus.PENDING and request.rest_from is None


def test_a_later_place_that_says_no_is_planned_again_alone_when_the_first_can_go_on(proposed):
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    service.decline(db.session, later, None, "no_bed")
    db.session.commit()
    assert (lead.state, later.state, request.status) == (S.APPROVED, S.CANCELLED,
                                                         RequestStatus.PLACED)
    assert (request.rest_from, request.rest_nights) == (TODAY + timedelta(days=2), 3)
    assert (held(lead), held(later)) == ((2, 20_000), (0, 0))


def test_a_later_place_that_says_no_gives_back_the_chain_when_the_first_cannot_go_on(
        proposed, places):
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    set_hotel_nights(db.session, places[0], TODAY + timedelta(days=2), TODAY + timedelta(days=4),
                     points=None, rooms=0)
    service.decline(db.session, later, None, "no_bed")
    db.session.commit()
    assert (lead.state, later.state, request.status) == (S.CANCELLED, S.CANCELLED,
                                                         RequestStatus.PENDING)
    assert request.rest_from is None and held(lead) == (0, 0)


def test_a_chain_is_extended_at_its_last_stay(proposed):
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    with pytest.raises(service.BookingConflict, match="extend that stay, the chain's last"):
        service.extend(db.session, lead, coordinator, 1, TODAY)
    service.extend(db.session, later, coordinator, 2, TODAY)
    db.session.commit()
    assert (later.nights, held(later)) == (5, (5, 0))


def test_the_first_stay_is_not_checked_out_before_the_move_day(proposed):
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    service.confirm(db.session, lead, coordinator, "H-1", None, TODAY)
    service.check_in(db.session, lead, coordinator)
    with pytest.raises(service.BookingConflict, match="moves to Harbor House"):
        service.check_out(db.session, lead, coordinator, TODAY)
    service.check_out(db.session, lead, coordinator, TODAY + timedelta(days=2))
    db.session.commit()
    assert (lead.state, later.state, held(lead)) == (S.CHECKED_OUT, S.APPROVED, (2, 0))


def test_withdrawing_the_request_gives_back_every_stay(proposed):
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    service.end_request(db.session, request, coordinator, "withdraw", "found_housing")
    db.session.commit()
    assert (lead.state, later.state) == (S.CANCELLED, S.CANCELLED)
    assert (held(lead), held(later), points_free(lead.hotel)) == ((0, 0), (0, 0), 100_000)
