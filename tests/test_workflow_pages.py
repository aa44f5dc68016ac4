"""A coordinator's day in pages: plan, approve, confirm, extend, check out, place by hand."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from partners.ledger import program_balances
from placement.auth.models import Role
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.extensions import db


@pytest.fixture
def coordinator_client(app, make_user, login):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    return login(make_user(Role.COORDINATOR))


@pytest.fixture
def world(create_shelter, create_hotel, create_request, make_lot):
    today = date.today()
    shelter = create_shelter(name="Harbor House", capacity=3, location="20001")
    hotel = create_hotel(name="Downtown Suites", program="marriott", location="20005",
                         pets=True, standard_points=25_000)
    make_lot(400_000, program="marriott")
    mother = create_request(where="20002", adults=1, children=2, pets=1, earliest=today,
                            nights=3, max_miles=30)
    stranded = create_request(where="59001", earliest=today, max_miles=15)
    db.session.commit()
    return {"shelter": shelter, "hotel": hotel, "mother": mother, "stranded": stranded}


def test_plan_now_shows_proposals_and_reasons(coordinator_client, world):
    response = coordinator_client.post("/plan/runs")
    assert response.status_code == 303
    page = coordinator_client.get(response.headers["Location"], follow_redirects=True).text
    assert "Downtown Suites" in page and world["mother"].case_code in page
    assert "there is no shelter or hotel within" in page


def test_the_hotel_journey_from_approval_to_check_out(coordinator_client, world):
    coordinator_client.post("/plan/runs")
    booking = db.session.scalar(select(Booking).where(Booking.hotel_id == world["hotel"].id))
    program = world["hotel"].program_id
    assert coordinator_client.post(f"/bookings/{booking.id}/approve").status_code == 303
    db.session.refresh(booking)
    assert booking.state is BookingState.APPROVED
    assert booking.rooms == 2  # three people, rooms for two
    assert program_balances(db.session, program).held == booking.points_planned == 150_000

    response = coordinator_client.post(f"/bookings/{booking.id}/confirm", data={
        "confirmation": "MB-778812", "points_charged": "60000"}, follow_redirects=True)
    assert "confirmed" in response.text
    assert program_balances(db.session, program).held == 60_000

    coordinator_client.post(f"/bookings/{booking.id}/extend", data={"nights": "2"})
    db.session.refresh(booking)
    assert booking.nights == 5
    assert program_balances(db.session, program).held == 60_000 + 2 * 2 * 25_000

    coordinator_client.post(f"/bookings/{booking.id}/check_in")
    coordinator_client.post(f"/bookings/{booking.id}/check_out")
    db.session.refresh(booking)
    assert booking.state is BookingState.CHECKED_OUT
    assert program_balances(db.session, program).spent > 0


def test_bad_action_input_is_a_message_and_changes_nothing(coordinator_client, world):
    coordinator_client.post("/plan/runs")
    booking = db.session.scalar(select(Booking))
    page = coordinator_client.post(f"/bookings/{booking.id}/reject", data={"reason": ""},
                                   follow_redirects=True).text
    assert "Say why" in page
    page = coordinator_client.post(f"/bookings/{booking.id}/confirm", data={
        "confirmation": "X"}, follow_redirects=True).text
    assert "cannot be confirmed" in page
    coordinator_client.post(f"/bookings/{booking.id}/approve")
    page = coordinator_client.post(f"/bookings/{booking.id}/confirm", data={
        "confirmation": "X", "points_charged": "lots"}, follow_redirects=True).text
    assert "Not a valid integer" in page
    db.session.refresh(booking)
    assert booking.state is BookingState.APPROVED
    assert coordinator_client.post(f"/bookings/{booking.id}/teleport").status_code == 404
    assert coordinator_client.post("/bookings/999999/approve").status_code == 404


def test_placing_by_hand_checks_the_same_rules(coordinator_client, world):
    mother, shelter, hotel = world["mother"], world["shelter"], world["hotel"]
    url = f"/requests/{mother.id}/place"
    assert coordinator_client.get(url).status_code == 200
    refused = coordinator_client.post(url, data={
        "place": f"shelter:{shelter.id}", "check_in": mother.earliest.isoformat(), "nights": "3"})
    assert refused.status_code == 400 and "does not fit" in refused.text and "pet" in refused.text
    placed = coordinator_client.post(url, data={
        "place": f"hotel:{hotel.id}", "check_in": mother.earliest.isoformat(), "nights": "3"})
    assert placed.status_code == 302
    booking = db.session.scalar(select(Booking))
    assert booking.state is BookingState.APPROVED and booking.hotel_id == hotel.id


def test_placing_by_hand_beyond_the_planners_horizon_is_refused_at_the_date(
        coordinator_client, world):
    mother, hotel = world["mother"], world["hotel"]
    too_far = mother.earliest + timedelta(days=200)
    refused = coordinator_client.post(f"/requests/{mother.id}/place", data={
        "place": f"hotel:{hotel.id}", "check_in": too_far.isoformat(), "nights": "3"})
    assert refused.status_code == 400
    assert "The check-in must be between today" in refused.text
    # Said under the check-in field (after it in the page), not under the place.
    assert "The check-in must be" in refused.text.split('name="check_in"', 1)[1]
    assert db.session.scalar(select(Booking)) is None


def test_manual_placement_refuses_closed_or_unknown_places(coordinator_client, world):
    mother, shelter = world["mother"], world["shelter"]
    shelter.active = False
    db.session.commit()
    url = f"/requests/{mother.id}/place"
    title = coordinator_client.get(url).text.split("<title>")[1].split("</title>")[0]
    assert title.startswith("Place ") and "<" not in title
    for bad in (f"shelter:{shelter.id}", "S1", "hotel:999999", ""):
        response = coordinator_client.post(url, data={
            "place": bad, "check_in": mother.earliest.isoformat(), "nights": "3"})
        assert response.status_code == 400
        assert "search list" in response.text or "Choose a place" in response.text


def test_the_tape_chart_shows_stays_and_free_beds(coordinator_client, world):
    coordinator_client.post("/plan/runs")
    page = coordinator_client.get("/tape?type=all&days=7").text
    assert "Harbor House" in page and world["mother"].case_code in page
    row = page.split("Harbor House")[1].split("</tr>")[0]
    assert row.count('<td class="text-center small') == 7  # one free-beds cell a night
    assert coordinator_client.get("/tape?days=abc").status_code == 400
    assert coordinator_client.get("/tape?type=castle").status_code == 400


def test_the_queue_puts_the_most_urgent_first_and_says_how_many_wait(
        coordinator_client, create_request, monkeypatch):
    import placement.home as home
    from placement.requests.models import Priority

    monkeypatch.setattr(home, "QUEUE_ROWS", 2)
    today = date.today()
    normal = create_request(priority=Priority.NORMAL, earliest=today)
    critical = create_request(priority=Priority.CRITICAL, earliest=today)
    high = create_request(priority=Priority.HIGH, earliest=today)
    db.session.commit()
    page = coordinator_client.get("/coordinator").text
    assert page.index(critical.case_code) < page.index(high.case_code)
    assert normal.case_code not in page and "Showing the 2 most urgent of 3" in page
