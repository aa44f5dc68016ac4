"""A coordinator keeps shelters current from the shelter pages."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from partners.availability import hold_beds, local_today, shelter_nights
from partners.base import utcnow
from partners.places import Policy, Shelter
from placement.auth.models import Role
from placement.extensions import db
from placement.places.tokens import staff_token
from tests.conftest import sign_in
from tests.test_templates import EXTERNAL, INLINE_SCRIPT, INLINE_STYLE

NEW_SHELTER = {
    "name": "Bayou Women's Refuge", "policy": "women", "location": "77002", "capacity": "18",
    "max_stay": "45", "accessible": "y", "address": "9 Hidden Way", "intake_contact": "Desk",
    "confidential": "y", "active": "y",
}


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.COORDINATOR))


def tonight_at(shelter):
    return local_today(shelter.timezone, utcnow())


def test_a_coordinator_adds_a_shelter_located_from_its_zip_code(coordinator):
    response = coordinator.post("/places/shelters/new", data=NEW_SHELTER)
    assert response.status_code == 302
    shelter = db.session.scalar(select(Shelter).where(Shelter.name == "Bayou Women's Refuge"))
    assert (shelter.city, shelter.state, shelter.timezone) == ("Houston", "TX", "America/Chicago")
    assert shelter.policy is Policy.WOMEN and shelter.capacity == 18 and shelter.accessible
    assert not shelter.pets and shelter.max_stay == 45
    assert "9 Hidden Way" in coordinator.get(response.headers["Location"]).text


def test_a_shelter_can_be_located_by_city_and_state(coordinator):
    coordinator.post("/places/shelters/new", data=NEW_SHELTER | {"location": "Houston, TX"})
    shelter = db.session.scalar(select(Shelter))
    assert shelter.zip_code is None and shelter.city == "Houston"


def test_a_place_that_cannot_be_found_is_a_field_error_with_the_form_kept(coordinator):
    response = coordinator.post("/places/shelters/new",
                                data=NEW_SHELTER | {"location": "Atlantis, ZZ"})
    assert response.status_code == 400
    assert "Atlantis, ZZ was not found" in response.text
    assert 'value="Bayou Women&#39;s Refuge"' in response.text
    assert db.session.scalar(select(Shelter)) is None


@pytest.mark.parametrize("bad", [{"capacity": "-1"}, {"capacity": "many"}, {"name": ""},
                                 {"policy": "female"}, {"max_stay": "0"},
                                 {"hold_hours": "0"}, {"hold_hours": "169"},
                                 {"intake_instructions": "x" * 501}])
def test_bad_shelter_fields_answer_400_and_save_nothing(coordinator, bad):
    response = coordinator.post("/places/shelters/new", data=NEW_SHELTER | bad)
    assert response.status_code == 400
    assert "is-invalid" in response.text
    assert db.session.scalar(select(Shelter)) is None


def test_editing_keeps_the_location_as_typed_and_saves_changes(coordinator, create_shelter):
    shelter = create_shelter(location="20001", policy=Policy.MEN, pets=True)
    db.session.commit()
    page = coordinator.get(f"/places/shelters/{shelter.id}/edit")
    assert 'value="20001"' in page.text
    assert re.search(r'<option selected value="men">', page.text)
    assert re.search(r'<input checked[^>]*name="pets"', page.text)
    response = coordinator.post(f"/places/shelters/{shelter.id}/edit",
                                data=NEW_SHELTER | {"name": "Harbor House", "capacity": "7"})
    assert response.status_code == 302
    db.session.refresh(shelter)
    assert shelter.capacity == 7 and shelter.city == "Houston"


def test_the_list_shows_tonights_free_beds_and_how_fresh_the_numbers_are(
        coordinator, create_shelter):
    now = utcnow()
    create_shelter(name="Fresh Place", capacity=5, confirmed_at=now - timedelta(minutes=30))
    create_shelter(name="Aging Place", confirmed_at=now - timedelta(hours=3))
    create_shelter(name="Stale Place", confirmed_at=now - timedelta(hours=9))
    create_shelter(name="Unknown Place")
    page = coordinator.get("/places/shelters").text
    assert "<strong>5</strong> of 5" in page
    for name, badge in [("Fresh Place", "Fresh"), ("Aging Place", "Aging"),
                        ("Stale Place", "Stale"), ("Unknown Place", "Never confirmed")]:
        row = page.split(name)[1].split("</tr>")[0]
        assert f">{badge}</span>" in row, name
    assert "1 stale" in page and "1 aging" in page


def test_the_list_can_be_searched_and_put_stale_first(coordinator, create_shelter):
    create_shelter(name="Harbor House", location="20001", confirmed_at=utcnow())
    create_shelter(name="Katy Men's Center", location="77449",
                   confirmed_at=utcnow() - timedelta(hours=9))
    found = coordinator.get("/places/shelters?q=katy").text
    assert "Katy Men" in found and "Harbor House" not in found
    ordered = coordinator.get("/places/shelters?sort=freshness").text
    assert ordered.index("Katy Men") < ordered.index("Harbor House")


def test_a_long_list_comes_in_pages_and_the_freshness_counts_cover_all_of_it(
        coordinator, create_shelter):
    for i in range(103):
        create_shelter(name=f"Shelter {i:03}", confirmed_at=utcnow() - timedelta(hours=9))
    first = coordinator.get("/places/shelters?sort=freshness").text
    assert len(re.findall(r'href="/places/shelters/\d+"', first)) == 100
    assert "1–100 of 103" in first and "103 stale" in first
    assert 'href="/places/shelters?page=2&amp;sort=freshness"' in first
    second = coordinator.get("/places/shelters?page=2&sort=freshness").text
    assert "Shelter 102" in second and "101–103 of 103" in second
    assert coordinator.get("/places/shelters?page=99").status_code == 200


def test_the_detail_page_shows_fourteen_nights_and_the_confidential_address(
        coordinator, create_shelter):
    shelter = create_shelter(capacity=6)
    hold_beds(db.session, shelter.id, tonight_at(shelter), 2, 2, "booking-1")
    page = coordinator.get(f"/places/shelters/{shelter.id}").text
    assert page.count('<th scope="row">') == 14
    assert "12 Confidential Lane" in page
    assert "<strong>4</strong>" in page


def test_capacity_is_set_for_a_range_of_nights(coordinator, create_shelter):
    shelter = create_shelter(capacity=10)
    first = tonight_at(shelter)
    response = coordinator.post(f"/places/shelters/{shelter.id}/nights", data={
        "first": first.isoformat(), "last": (first + timedelta(days=2)).isoformat(),
        "what": "capacity", "beds": "14"})
    assert response.status_code == 302
    nights = shelter_nights(db.session, shelter, first, first + timedelta(days=3))
    assert [n.capacity for n in nights] == [14, 14, 14, 10]
    page = coordinator.get(f"/places/shelters/{shelter.id}").text
    assert "(3 nights)</span>: 14 beds" in page


def test_beds_out_of_service_over_held_beds_warn_the_coordinator(coordinator, create_shelter):
    shelter = create_shelter(capacity=2)
    first = tonight_at(shelter)
    hold_beds(db.session, shelter.id, first, 1, 2, "booking-1")
    response = coordinator.post(f"/places/shelters/{shelter.id}/nights", data={
        "first": first.isoformat(), "last": first.isoformat(), "what": "out_of_service",
        "beds": "1"}, follow_redirects=True)
    assert "More beds are promised than Harbor House has" in response.text


@pytest.mark.parametrize("bad, message", [
    ({"last": "2026-01-01"}, "The last night comes before the first."),
    ({"beds": ""}, "How many beds?"),
    ({"first": "someday"}, "Not a valid date value."),
])
def test_a_bad_range_is_a_400_with_the_form_kept(coordinator, create_shelter, bad, message):
    shelter = create_shelter()
    data = {"first": "2026-12-03", "last": "2026-12-05", "what": "capacity", "beds": "4"}
    response = coordinator.post(f"/places/shelters/{shelter.id}/nights", data=data | bad)
    assert response.status_code == 400
    assert message in response.text


def test_a_coordinator_records_a_phoned_in_report(coordinator, create_shelter):
    shelter = create_shelter(capacity=10)
    response = coordinator.post(f"/places/shelters/{shelter.id}/report", data={"free_beds": "3"})
    assert response.status_code == 302
    db.session.refresh(shelter)
    assert shelter.confirmed_at is not None
    night = shelter_nights(db.session, shelter, tonight_at(shelter), tonight_at(shelter))[0]
    assert night.free == 3 and night.taken_outside == 7
    page = coordinator.get(f"/places/shelters/{shelter.id}").text
    assert "by phone, coordinator" in page


def test_an_impossible_phoned_in_report_is_a_400_that_says_why(coordinator, create_shelter):
    shelter = create_shelter(capacity=2)
    response = coordinator.post(f"/places/shelters/{shelter.id}/report", data={"free_beds": "5"})
    assert response.status_code == 400
    assert "at most 2 can be free, not 5" in response.text


def test_unknown_shelters_are_404(coordinator):
    assert coordinator.get("/places/shelters/999999").status_code == 404
    assert coordinator.post("/places/shelters/999999/report", data={"free_beds": "1"}
                            ).status_code == 404


def test_other_roles_never_see_a_shelter_address(app, make_user, login, create_shelter):
    shelter = create_shelter()
    db.session.commit()
    for role in (Role.ADVOCATE, Role.DONOR, Role.ADMIN):
        client = sign_in(app.test_client(), make_user(role))
        for url in ("/", f"/places/shelters/{shelter.id}", "/places/shelters.csv"):
            response = client.get(url, follow_redirects=True)
            assert "12 Confidential Lane" not in response.text, (role, url)


def test_lowering_the_standard_capacity_below_held_beds_warns(coordinator, create_shelter):
    shelter = create_shelter(capacity=3)
    hold_beds(db.session, shelter.id, tonight_at(shelter), 1, 3, "booking-1")
    response = coordinator.post(f"/places/shelters/{shelter.id}/edit", data=NEW_SHELTER | {
        "name": "Harbor House", "location": "20001", "capacity": "1"}, follow_redirects=True)
    assert "More beds are promised than Harbor House has" in response.text


def test_every_place_page_renders_without_inline_code_or_outside_assets(
        coordinator, create_shelter, create_hotel):
    shelter, hotel = create_shelter(), create_hotel()
    coordinator.post(f"/places/shelters/{shelter.id}/link")
    db.session.refresh(shelter)
    urls = ["/places/shelters", "/places/shelters/new", f"/places/shelters/{shelter.id}",
            f"/places/shelters/{shelter.id}/edit", "/places/shelters/import", "/places/hotels",
            "/places/hotels/new", f"/places/hotels/{hotel.id}", f"/places/hotels/{hotel.id}/edit",
            "/places/hotels/import", "/places/programs", f"/places/programs/{hotel.program_id}",
            f"/report/{staff_token(shelter)}"]
    for url in urls:
        response = coordinator.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert not EXTERNAL.search(html), url
        assert not INLINE_SCRIPT.search(html) and not INLINE_STYLE.search(html), url


def test_a_shelter_keeps_its_intake_instructions_and_its_own_answer_window(coordinator):
    response = coordinator.post("/places/shelters/new", data=NEW_SHELTER | {
        "intake_instructions": "  Call when 15 minutes away  ", "hold_hours": "8"})
    assert response.status_code == 302
    shelter = db.session.scalar(select(Shelter))
    assert (shelter.intake_instructions, shelter.hold_hours) == (
        "Call when 15 minutes away", 8)
    page = coordinator.get(f"/places/shelters/{shelter.id}").text
    assert "Call when 15 minutes away" in page and "8 hours" in page
    coordinator.post(f"/places/shelters/{shelter.id}/edit", data=NEW_SHELTER | {
        "intake_instructions": "", "hold_hours": ""})
    db.session.refresh(shelter)
    assert (shelter.intake_instructions, shelter.hold_hours) == (None, None)
    assert "4 hours (the usual)" in coordinator.get(f"/places/shelters/{shelter.id}").text
