"""Bridge stays (issue 21) in the database: a request may hold several live stays only as
one chain, segments 1..n without gap or overlap at places not used twice, and never half
approved. The database refuses two live stays of one segment; every commit refuses the rest
(placement/bookings/chains.py)."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from placement.bookings.chains import ChainBroken, chain_of, check_chains
from placement.bookings.states import BookingState
from placement.extensions import db
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
