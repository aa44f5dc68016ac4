"""A coordinator keeps hotels and loyalty programs current."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from partners.availability import hold_rooms, hotel_nights, local_today
from partners.base import utcnow
from partners.places import Hotel
from placement.auth.models import Role
from placement.extensions import db


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.COORDINATOR))


def new_hotel(program_id):
    return {"name": "Largo Days Hotel", "program_id": str(program_id), "location": "20774",
            "room_capacity": "4", "rooms_per_night": "2", "standard_points": "15000",
            "active": "y"}


def test_a_coordinator_adds_a_hotel_in_a_program(coordinator, create_program):
    wyndham = create_program("wyndham")
    response = coordinator.post("/places/hotels/new", data=new_hotel(wyndham.id))
    assert response.status_code == 302
    hotel = db.session.scalar(select(Hotel))
    assert hotel.program_id == wyndham.id and hotel.state == "MD"
    assert hotel.timezone == "America/New_York" and hotel.standard_points == 15000


def test_a_bad_hotel_is_a_400_with_the_form_kept(coordinator, create_program):
    data = new_hotel(create_program().id) | {"standard_points": "lots", "location": "99999"}
    response = coordinator.post("/places/hotels/new", data=data)
    assert response.status_code == 400
    assert "ZIP code 99999 was not found" in response.text
    assert 'value="Largo Days Hotel"' in response.text
    assert db.session.scalar(select(Hotel)) is None


def test_editing_a_hotel_saves_it(coordinator, create_hotel):
    hotel = create_hotel()
    db.session.commit()
    page = coordinator.get(f"/places/hotels/{hotel.id}/edit").text
    assert 'value="22202"' in page and f'<option selected value="{hotel.program_id}">' in page
    data = new_hotel(hotel.program_id) | {"name": "Crystal City Inn", "rooms_per_night": "5"}
    assert coordinator.post(f"/places/hotels/{hotel.id}/edit", data=data).status_code == 302
    db.session.refresh(hotel)
    assert hotel.rooms_per_night == 5


def test_the_list_and_detail_show_tonights_rooms_and_points(coordinator, create_hotel):
    hotel = create_hotel(rooms_per_night=3, standard_points=25000)
    hold_rooms(db.session, hotel.id, local_today(hotel.timezone, utcnow()), 1, 1, "booking-1")
    listing = coordinator.get("/places/hotels").text
    assert "<strong>2</strong> of 3" in listing and "25,000" in listing
    detail = coordinator.get(f"/places/hotels/{hotel.id}").text
    assert detail.count('<th scope="row">') == 14


def test_the_hotel_list_can_be_searched(coordinator, create_hotel):
    create_hotel(name="Crystal City Inn", location="22202")
    create_hotel(name="Webster Super Stay", location="77598")
    page = coordinator.get("/places/hotels?q=tx").text
    assert "Webster Super Stay" in page and "Crystal City Inn" not in page


def test_peak_prices_are_set_for_a_range_and_cleared(coordinator, create_hotel):
    hotel = create_hotel(standard_points=20000)
    first = local_today(hotel.timezone, utcnow()) + timedelta(days=3)
    dates = {"first": first.isoformat(), "last": (first + timedelta(days=1)).isoformat()}
    response = coordinator.post(f"/places/hotels/{hotel.id}/nights",
                                data=dates | {"points": "32000"})
    assert response.status_code == 302
    nights = hotel_nights(db.session, hotel, first, first + timedelta(days=2))
    assert [n.points for n in nights] == [32000, 32000, 20000]
    assert "Peak" in coordinator.get(f"/places/hotels/{hotel.id}").text
    coordinator.post(f"/places/hotels/{hotel.id}/nights", data=dates)
    assert [n.points for n in hotel_nights(db.session, hotel, first, first)] == [20000]


def test_a_bad_price_range_is_a_400(coordinator, create_hotel):
    hotel = create_hotel()
    response = coordinator.post(f"/places/hotels/{hotel.id}/nights", data={
        "first": "2026-12-05", "last": "2026-12-03", "points": "-5"})
    assert response.status_code == 400
    assert "The last night comes before the first." in response.text


def test_programs_show_their_expiry_rule_and_a_coordinator_corrects_one(
        coordinator, create_program):
    wyndham = create_program("wyndham")
    page = coordinator.get("/places/programs").text
    assert "Points lapse after 18 months without activity, and 48 months after" in page
    response = coordinator.post(f"/places/programs/{wyndham.id}", data={
        "inactivity_months": "24", "max_age_months": "", "notes": "Changed terms"})
    assert response.status_code == 302
    db.session.refresh(wyndham)
    assert (wyndham.inactivity_months, wyndham.max_age_months) == (24, None)


def test_a_coordinator_adds_a_program_with_its_rule(coordinator):
    assert "no loyalty program yet" in coordinator.get("/places/hotels/new").text
    response = coordinator.post("/places/programs/new", data={
        "name": "Choice Privileges", "code": "choice", "inactivity_months": "18"})
    assert response.status_code == 302
    assert "Points lapse after 18 months without activity." in coordinator.get(
        "/places/programs").text
    again = coordinator.post("/places/programs/new", data={
        "name": "Choice again", "code": "choice", "inactivity_months": "18"})
    assert again.status_code == 400 and "exists already" in again.text


def test_a_bad_program_rule_is_a_400(coordinator, create_program):
    program = create_program()
    response = coordinator.post(f"/places/programs/{program.id}",
                                data={"inactivity_months": "0"})
    assert response.status_code == 400
    assert "is-invalid" in response.text


def test_coordinators_find_the_place_pages_in_the_navigation(coordinator):
    page = coordinator.get("/coordinator").text
    for link in ("/places/shelters", "/places/hotels", "/places/programs"):
        assert f'href="{link}"' in page


def test_a_hotel_keeps_its_address_and_front_desk_for_the_placement_card(
        coordinator, create_hotel):
    hotel = create_hotel()
    db.session.commit()
    data = new_hotel(hotel.program_id) | {"address": "1200 Main Ave",
                                          "intake_contact": "Front desk (301) 555-0199",
                                          "intake_instructions": "Booked under the hotline"}
    assert coordinator.post(f"/places/hotels/{hotel.id}/edit", data=data).status_code == 302
    db.session.refresh(hotel)
    assert (hotel.address, hotel.intake_contact, hotel.intake_instructions) == (
        "1200 Main Ave", "Front desk (301) 555-0199", "Booked under the hotline")
    assert "1200 Main Ave" in coordinator.get(f"/places/hotels/{hotel.id}").text
