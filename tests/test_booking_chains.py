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


def test_a_whole_chain_commits_and_reads_back_in_order(chain):
    request, lead, later = chain()
    db.session.commit()
    assert [b.id for b in chain_of(db.session, later)] == [lead.id, later.id]
    assert (lead.lead_id, later.lead_id, later.is_move, lead.is_move) == (
        lead.id, lead.id, True, False)
    # A proposal for the rest of a stay may wait beside its live first stay.
    request, lead, later = chain(second=S.PROPOSED)
    request.rest_from, request.rest_nights = later.check_in, later.nights
    db.session.commit()
    check_chains(db.session, [request.id])
    # Withdrawn and ended stays do not count.
    request, lead, later = chain(first=S.CANCELLED, second=S.CANCELLED)
    db.session.commit()
    check_chains(db.session, [request.id])


# One world for every refusal (each chain is a request of its own, rolled back).
BROKEN = [  # how the chain is made wrong, what the refusal says
    ({"gap": 1}, "begins on"),  # a gap between the stays
    ({"gap": -1}, "begins on"),  # an overlap
    ({"second_place": 0}, "one place twice"),
    ({"first": S.CANCELLED}, "segments \\[2\\]"),  # a later stay live without the first
    ({"second": S.PROPOSED}, "half approved"),
]


def test_a_broken_chain_is_refused_by_the_commit_or_the_database(chain, places, create_request,
                                                                 create_booking):
    db.session.commit()  # the places stay across the rollbacks
    for how, words in BROKEN:
        if "second_place" in how:
            how = {"second_place": places[how["second_place"]]}
        chain(**how)
        with pytest.raises(ChainBroken, match=words):
            db.session.commit()
        db.session.rollback()
    hotel, shelter = places
    # The database refuses two live stays of one segment ...
    request = create_request()
    create_booking(hotel, request, state=S.APPROVED)
    with pytest.raises(IntegrityError):
        create_booking(shelter, request, state=S.CONFIRMED)
    db.session.rollback()
    # ... and a later stay that names no first.
    with pytest.raises(IntegrityError):
        create_booking(shelter, create_request(), segment=2)
    db.session.rollback()


# -- a chain is approved, turned down and given back whole ----------------------------------

@pytest.fixture
def propose(places, create_request, create_booking):
    """Proposes a chain: the hotel for 2 nights (20,000 points), then the shelter for 3
    nights from TODAY + 2."""
    def make():
        hotel, shelter = places
        request = create_request(nights=5)
        lead = create_booking(hotel, request, TODAY, 2, points_planned=20_000)
        later = create_booking(shelter, request, TODAY + timedelta(days=2), 3, segment=2,
                               chain_id=lead.id)
        return request, lead, later

    return make


@pytest.fixture
def proposed(propose, make_lot, make_user):
    """A proposed chain whose hotel stay takes 20,000 points of 100,000; and a
    coordinator."""
    make_lot(100_000, program="ihg")
    return *propose(), make_user(Role.COORDINATOR).id


def held(booking) -> tuple[int, int]:
    """Nights held for the stay (beds or rooms), and its points held."""
    model = RoomHold if booking.is_hotel else BedHold
    nights = db.session.scalar(select(func.count()).select_from(model).where(
        model.booking_ref == booking.ref, model.released_at.is_(None)))
    return nights, sum(ledger.held_for(db.session, booking.ref).values())


def points_free(hotel) -> int:
    return ledger.available_points(db.session, hotel.program_id, TODAY)


def test_approving_either_stay_approves_the_chain_each_holding_its_own(proposed, propose):
    coordinator = proposed[-1]
    for clicked, free in ((0, 80_000), (1, 60_000)):  # a second chain: the hotel's 2nd room
        request, lead, later = proposed[:3] if clicked == 0 else propose()
        service.approve(db.session, (lead, later)[clicked], coordinator, TODAY)
        db.session.commit()
        assert (lead.state, later.state, request.status) == (S.APPROVED, S.APPROVED,
                                                             RequestStatus.PLACED)
        assert (held(lead), held(later)) == ((2, 20_000), (3, 0))
        assert points_free(lead.hotel) == free


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


def test_giving_back_any_stay_before_anyone_arrived_gives_back_the_whole_chain(proposed,
                                                                               propose):
    coordinator = proposed[-1]
    for action in ("cancel", "expire_hold", "no_show_first", "decline_first"):
        request, lead, later = proposed[:3] if action == "cancel" else propose()
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
        assert {lead.state, later.state} <= {S.CANCELLED, S.HOLD_EXPIRED, S.NO_SHOW}, action
        assert (held(lead), held(later), points_free(lead.hotel)) == (
            (0, 0), (0, 0), 100_000), action
        assert request.status is RequestStatus.PENDING and request.rest_from is None, action


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
