"""Hotel rooms and points per night: a standard, dated exceptions, holds that never oversell."""

from datetime import date, timedelta

import pytest

from partners.availability import (
    NotEnoughRooms,
    hold_rooms,
    hotel_exceptions,
    hotel_nights,
    points_for_stay,
    release_rooms,
    room_holds,
    set_hotel_nights,
)
from placement.extensions import db

DEC_3 = date(2026, 12, 3)
DEC_4, DEC_5 = DEC_3 + timedelta(days=1), DEC_3 + timedelta(days=2)


def test_a_night_without_exceptions_has_the_standard_rooms_and_price(create_hotel):
    night = hotel_nights(db.session, create_hotel(rooms_per_night=2, standard_points=20000),
                         DEC_3, DEC_3)[0]
    assert (night.rooms, night.held, night.free, night.points) == (2, 0, 2, 20000)
    assert not night.peak


def test_peak_nights_cost_their_own_points_and_the_stay_adds_them_up(create_hotel):
    hotel = create_hotel(standard_points=20000)
    set_hotel_nights(db.session, hotel, DEC_4, DEC_4, points=35000, rooms=None)
    assert [n.points for n in hotel_nights(db.session, hotel, DEC_3, DEC_5)] == [
        20000, 35000, 20000]
    assert points_for_stay(db.session, hotel, DEC_3, 3, 1) == 75000
    assert points_for_stay(db.session, hotel, DEC_3, 3, 2) == 150000


def test_a_night_can_close_rooms_and_clearing_it_restores_the_standard(create_hotel):
    hotel = create_hotel(rooms_per_night=3)
    set_hotel_nights(db.session, hotel, DEC_3, DEC_4, points=None, rooms=0)
    assert [n.free for n in hotel_nights(db.session, hotel, DEC_3, DEC_5)] == [0, 0, 3]
    set_hotel_nights(db.session, hotel, DEC_3, DEC_4, points=None, rooms=None)
    nights = hotel_nights(db.session, hotel, DEC_3, DEC_5)
    assert [n.free for n in nights] == [3, 3, 3] and not any(n.peak for n in nights)


def test_held_rooms_are_not_free_and_release_brings_them_back(create_hotel):
    hotel = create_hotel(rooms_per_night=2)
    hold_rooms(db.session, hotel.id, DEC_3, 2, 1, "booking-1")
    assert [n.free for n in hotel_nights(db.session, hotel, DEC_3, DEC_5)] == [1, 1, 2]
    assert [h.night for h in room_holds(db.session, "booking-1")] == [DEC_3, DEC_4]
    assert release_rooms(db.session, "booking-1") == 2
    assert room_holds(db.session, "booking-1") == []
    assert [n.free for n in hotel_nights(db.session, hotel, DEC_3, DEC_5)] == [2, 2, 2]


def test_a_hold_that_does_not_fit_names_the_night_and_holds_nothing(create_hotel):
    hotel = create_hotel(name="Crystal City Inn", rooms_per_night=1)
    hold_rooms(db.session, hotel.id, DEC_5, 1, 1, "booking-1")
    with pytest.raises(NotEnoughRooms) as refused:
        hold_rooms(db.session, hotel.id, DEC_3, 3, 1, "booking-2")
    assert str(refused.value) == "no room is free at Crystal City Inn on the night of Sat Dec 5"
    assert hotel_nights(db.session, hotel, DEC_3, DEC_3)[0].held == 0


def test_fewer_bookable_rooms_than_held_shows_as_oversubscribed(create_hotel):
    hotel = create_hotel(rooms_per_night=2)
    hold_rooms(db.session, hotel.id, DEC_3, 1, 2, "booking-1")
    night = set_hotel_nights(db.session, hotel, DEC_3, DEC_3, points=None, rooms=1)[0]
    assert night.free == 0 and night.oversubscribed == 1


def test_an_inactive_hotel_takes_no_holds(create_hotel):
    with pytest.raises(NotEnoughRooms, match="not taking placements"):
        hold_rooms(db.session, create_hotel(active=False).id, DEC_3, 1, 1, "booking-1")


def test_exceptions_ahead_are_listed_as_ranges_of_equal_nights(create_hotel):
    hotel = create_hotel()
    set_hotel_nights(db.session, hotel, DEC_3, DEC_5, points=30000, rooms=None)
    set_hotel_nights(db.session, hotel, DEC_5, DEC_5, points=30000, rooms=0)
    set_hotel_nights(db.session, hotel, DEC_3 + timedelta(days=20), DEC_3 + timedelta(days=20),
                     points=9000, rooms=None)
    ranges = hotel_exceptions(db.session, hotel, DEC_4)
    assert [(r.first, r.nights, r.values) for r in ranges] == [
        (DEC_4, 1, (30000, None)), (DEC_5, 1, (30000, 0)),
        (DEC_3 + timedelta(days=20), 1, (9000, None))]
