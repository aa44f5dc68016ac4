"""Free beds are derived: capacity - out of service - taken outside - held here."""

from datetime import date, datetime, timedelta

import pytest

from partners.availability import (
    AvailabilityError,
    ImpossibleReport,
    InvalidNights,
    NotEnoughBeds,
    bed_holds,
    hold_beds,
    local_today,
    recent_reports,
    record_staff_report,
    release_beds,
    set_capacity,
    set_out_of_service,
    shelter_nights,
)
from placement.extensions import db

DEC_3 = date(2026, 12, 3)  # a Thursday
AT = datetime(2026, 12, 3, 20, 0)


def tonight(shelter, night=DEC_3):
    return shelter_nights(db.session, shelter, night, night)[0]


def test_a_new_shelter_has_its_whole_capacity_free_and_no_report(create_shelter):
    night = tonight(create_shelter(capacity=10))
    assert (night.capacity, night.out_of_service, night.taken_outside, night.held) == (10, 0, 0, 0)
    assert night.free == 10 and not night.reported and night.oversubscribed == 0


def test_free_beds_are_capacity_minus_out_of_service_minus_taken_outside_minus_held(
        create_shelter):
    shelter = create_shelter(capacity=10)
    set_out_of_service(db.session, shelter, DEC_3, DEC_3, 2)
    hold_beds(db.session, shelter.id, DEC_3, 1, 1, "booking-1")
    night = record_staff_report(db.session, shelter, DEC_3, 3, AT)
    assert (night.capacity, night.out_of_service, night.taken_outside, night.held) == (10, 2, 4, 1)
    assert night.free == 3 and night.reported


def test_a_stay_approved_after_a_report_is_not_counted_twice(create_shelter):
    shelter = create_shelter(capacity=10)
    record_staff_report(db.session, shelter, DEC_3, 5, AT)
    hold_beds(db.session, shelter.id, DEC_3, 1, 2, "booking-1")
    night = tonight(shelter)
    assert night.taken_outside == 5 and night.held == 2 and night.free == 3


def test_the_next_report_replaces_the_last_and_respects_beds_held_here(create_shelter):
    shelter = create_shelter(capacity=10)
    hold_beds(db.session, shelter.id, DEC_3, 1, 2, "booking-1")
    record_staff_report(db.session, shelter, DEC_3, 5, AT)
    night = record_staff_report(db.session, shelter, DEC_3, 8, AT + timedelta(hours=1))
    assert night.taken_outside == 0 and night.free == 8


def test_an_impossible_report_is_refused_with_the_reason_and_changes_nothing(create_shelter):
    shelter = create_shelter(capacity=6)
    set_out_of_service(db.session, shelter, DEC_3, DEC_3, 1)
    hold_beds(db.session, shelter.id, DEC_3, 1, 2, "booking-1")
    with pytest.raises(ImpossibleReport) as refused:
        record_staff_report(db.session, shelter, DEC_3, 4, AT)
    assert "Harbor House has 6 beds on the night of Thu Dec 3" in str(refused.value)
    assert "1 out of service and 2 beds held" in str(refused.value)
    assert "at most 3 can be free, not 4" in str(refused.value)
    assert shelter.confirmed_at is None and not tonight(shelter).reported


def test_every_report_is_kept_in_the_shelters_log_newest_first(create_shelter):
    shelter = create_shelter(capacity=10)
    record_staff_report(db.session, shelter, DEC_3, 3, AT, source="staff link")
    record_staff_report(db.session, shelter, DEC_3, 5, AT + timedelta(hours=1), source="phone")
    assert [(r.free_beds, r.taken_outside, r.source) for r in recent_reports(
        db.session, shelter)] == [(5, 5, "phone"), (3, 7, "staff link")]


def test_a_negative_report_is_refused(create_shelter):
    with pytest.raises(AvailabilityError):
        record_staff_report(db.session, create_shelter(), DEC_3, -1, AT)


def test_a_report_stamps_the_confirmation_time_and_never_moves_it_back(create_shelter):
    shelter = create_shelter()
    record_staff_report(db.session, shelter, DEC_3, 2, AT)
    record_staff_report(db.session, shelter, DEC_3 - timedelta(days=1), 2, AT - timedelta(days=1))
    assert shelter.confirmed_at == AT


def test_people_placed_elsewhere_are_assumed_to_stay_until_the_next_report(create_shelter):
    shelter = create_shelter(capacity=10)
    record_staff_report(db.session, shelter, DEC_3, 3, AT)
    later = shelter_nights(db.session, shelter, DEC_3 + timedelta(1), DEC_3 + timedelta(3))
    assert [n.free for n in later] == [3, 3, 3]
    assert not any(n.reported for n in later)


def test_the_carried_estimate_never_makes_a_night_look_oversubscribed(create_shelter):
    shelter = create_shelter(capacity=10)
    record_staff_report(db.session, shelter, DEC_3, 0, AT)
    set_capacity(db.session, shelter, DEC_3 + timedelta(days=1), DEC_3 + timedelta(days=1), 6)
    night = tonight(shelter, DEC_3 + timedelta(days=1))
    assert night.taken_outside == 6 and night.free == 0 and night.oversubscribed == 0


def test_capacity_is_set_for_a_range_and_goes_back_to_the_standard(create_shelter):
    shelter = create_shelter(capacity=10)
    last = DEC_3 + timedelta(days=2)
    nights = set_capacity(db.session, shelter, DEC_3, last, 14)
    assert [n.capacity for n in nights] == [14, 14, 14]
    set_capacity(db.session, shelter, DEC_3 + timedelta(days=1), last, None)
    assert [n.capacity for n in shelter_nights(db.session, shelter, DEC_3, last)] == [14, 10, 10]


def test_a_capacity_cut_below_the_beds_held_shows_as_oversubscribed(create_shelter):
    shelter = create_shelter(capacity=4)
    hold_beds(db.session, shelter.id, DEC_3, 1, 3, "booking-1")
    night = set_capacity(db.session, shelter, DEC_3, DEC_3, 2)[0]
    assert night.free == 0 and night.oversubscribed == 1


def test_a_hold_takes_beds_on_every_night_of_the_stay(create_shelter):
    shelter = create_shelter(capacity=3)
    holds = hold_beds(db.session, shelter.id, DEC_3, 3, 2, "booking-1")
    assert [h.night for h in holds] == [DEC_3 + timedelta(days=i) for i in range(3)]
    nights = shelter_nights(db.session, shelter, DEC_3, DEC_3 + timedelta(days=3))
    assert [n.free for n in nights] == [1, 1, 1, 3]


def test_a_hold_that_does_not_fit_names_the_night_and_holds_nothing(create_shelter):
    shelter = create_shelter(capacity=2)
    hold_beds(db.session, shelter.id, DEC_3 + timedelta(days=1), 1, 2, "booking-1")
    with pytest.raises(NotEnoughBeds) as refused:
        hold_beds(db.session, shelter.id, DEC_3, 3, 1, "booking-2")
    assert str(refused.value) == "no bed is free at Harbor House on the night of Fri Dec 4"
    assert refused.value.night == DEC_3 + timedelta(days=1) and refused.value.free == 0
    assert tonight(shelter).held == 0


def test_a_hold_for_more_beds_than_are_free_says_how_many_are(create_shelter):
    shelter = create_shelter(capacity=2)
    with pytest.raises(NotEnoughBeds, match="only 2 beds of the 3 needed are free at Harbor"):
        hold_beds(db.session, shelter.id, DEC_3, 1, 3, "booking-1")


def test_an_inactive_shelter_takes_no_holds(create_shelter):
    shelter = create_shelter(active=False)
    with pytest.raises(NotEnoughBeds, match="not taking placements"):
        hold_beds(db.session, shelter.id, DEC_3, 1, 1, "booking-1")


@pytest.mark.parametrize("nights, beds, ref", [(0, 1, "b"), (1, 0, "b"), (1, 1, ""),
                                               (1, 1, "x" * 65), (400, 1, "b")])
def test_a_hold_with_nonsense_arguments_is_refused(create_shelter, nights, beds, ref):
    with pytest.raises(AvailabilityError):
        hold_beds(db.session, create_shelter().id, DEC_3, nights, beds, ref)


def test_released_beds_are_free_again_and_releasing_twice_is_harmless(create_shelter):
    shelter = create_shelter(capacity=1)
    hold_beds(db.session, shelter.id, DEC_3, 2, 1, "booking-1")
    assert release_beds(db.session, "booking-1") == 2
    assert release_beds(db.session, "booking-1") == 0
    assert tonight(shelter).free == 1
    hold_beds(db.session, shelter.id, DEC_3, 1, 1, "booking-2")


def test_an_extension_holds_more_nights_under_the_same_booking(create_shelter):
    shelter = create_shelter(capacity=1)
    hold_beds(db.session, shelter.id, DEC_3, 2, 1, "booking-1")
    hold_beds(db.session, shelter.id, DEC_3 + timedelta(days=2), 3, 1, "booking-1")
    assert [h.night.day for h in bed_holds(db.session, "booking-1")] == [3, 4, 5, 6, 7]
    assert release_beds(db.session, "booking-1") == 5
    assert bed_holds(db.session, "booking-1") == []


def test_an_early_check_out_releases_only_the_nights_left(create_shelter):
    shelter = create_shelter(capacity=1)
    hold_beds(db.session, shelter.id, DEC_3, 3, 1, "booking-1")
    assert release_beds(db.session, "booking-1", from_night=DEC_3 + timedelta(days=1)) == 2
    nights = shelter_nights(db.session, shelter, DEC_3, DEC_3 + timedelta(days=2))
    assert [n.free for n in nights] == [0, 1, 1]


def test_ranges_must_be_in_order_and_not_too_long(create_shelter):
    shelter = create_shelter()
    with pytest.raises(InvalidNights, match="before the first"):
        set_capacity(db.session, shelter, DEC_3, DEC_3 - timedelta(days=1), 3)
    with pytest.raises(InvalidNights, match="at most 366"):
        shelter_nights(db.session, shelter, DEC_3, DEC_3 + timedelta(days=400))


def test_tonight_is_the_shelters_own_local_date():
    three_utc = datetime(2026, 12, 4, 3, 0)  # 9 pm on Dec 3 in Houston
    assert local_today("America/Chicago", three_utc) == DEC_3
    assert local_today("America/New_York", datetime(2026, 12, 4, 5, 30)) == DEC_3 + timedelta(1)
