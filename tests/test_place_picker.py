"""The place picker: the request form and manual placement search places by name or city
instead of sending every place with the page."""

from sqlalchemy import select

from placement.auth.models import Role
from placement.extensions import db
from placement.places import picker
from placement.requests.models import HousingRequest
from tests.conftest import sign_in
from tests.test_requests import form_data


def test_search_matches_name_or_city_names_starting_with_it_first(app, create_shelter,
                                                                  create_hotel):
    create_shelter(name="Harbor House")  # in Washington
    create_shelter(name="Safe Harbor")
    create_hotel(name="Crystal City Inn")  # in Arlington
    db.session.commit()
    labels = [c.label for c in picker.search(db.session, "harbor")]
    assert labels[0].startswith("Harbor House (shelter, Washington, DC")
    assert labels[1].startswith("Safe Harbor (shelter")
    assert [c.label for c in picker.search(db.session, "arlington")] == [
        "Crystal City Inn (hotel, Arlington, VA)"]
    assert picker.search(db.session, "h") == []  # two letters at least
    assert picker.search(db.session, "100%") == []  # wildcards are plain text
    assert picker.search(db.session, "_") == []


def test_search_stops_at_twenty_and_can_skip_closed_places(app, create_shelter):
    for n in range(25):
        create_shelter(name=f"Lantern {n:02d}")
    create_shelter(name="Lantern Closed", active=False)
    db.session.commit()
    assert len(picker.search(db.session, "lantern")) == picker.MAX_RESULTS
    assert "Lantern Closed" in [c.label.split(" (")[0] for c in
                                picker.search(db.session, "lantern closed")]
    assert picker.search(db.session, "lantern closed", active_only=True) == []


def test_the_search_page_answers_advocates_and_coordinators_only(app, make_user, login,
                                                               create_shelter):
    shelter = create_shelter(name="Harbor House")
    db.session.commit()
    client = login(make_user(Role.ADVOCATE))
    response = client.get("/places/search?q=harb")
    assert response.status_code == 200
    assert response.json == [{"key": f"shelter:{shelter.id}",
                              "label": "Harbor House (shelter, Washington, DC)"}]
    assert response.headers["Cache-Control"] == "no-store"
    for role in (Role.DONOR, Role.ADMIN):
        other = sign_in(app.test_client(), make_user(role))
        assert other.get("/places/search?q=harb").status_code == 403


def test_the_request_form_sends_no_list_of_places(app, make_user, login, create_shelter):
    for n in range(30):
        create_shelter(name=f"Shelter number {n}")
    db.session.commit()
    page = login(make_user(Role.ADVOCATE)).get("/requests/new").text
    assert "Shelter number" not in page and "<option value=\"shelter:" not in page
    assert "place-picker.js" in page


def test_chosen_places_to_avoid_are_filed_and_kept_on_a_refused_form(
        app, make_user, login, create_shelter, create_hotel):
    shelter, hotel = create_shelter(), create_hotel()
    db.session.commit()
    client = login(make_user(Role.ADVOCATE))
    keys = [f"shelter:{shelter.id}", f"hotel:{hotel.id}"]
    refused = client.post("/requests/new", data=form_data(exclude=keys, nights="0"))
    assert refused.status_code == 400
    for key in keys:  # still chosen, with their names
        assert f'name="exclude" value="{key}"' in refused.text
    assert "Harbor House (shelter" in refused.text
    assert client.post("/requests/new", data=form_data(exclude=keys)).status_code == 302
    filed = db.session.scalars(select(HousingRequest)).one()
    assert {(e.shelter_id, e.hotel_id) for e in filed.exclusions} == {
        (shelter.id, None), (None, hotel.id)}


def test_unknown_places_to_avoid_are_a_clear_400_and_nothing_is_filed(app, make_user, login,
                                                                     create_shelter):
    shelter = create_shelter()
    db.session.commit()
    client = login(make_user(Role.ADVOCATE))
    for bad in (["shelter:999999"], ["castle:1"], ["shelter:x"], [f"shelter:{shelter.id}"] * 1
                + [f"hotel:{n}" for n in range(60)]):
        response = client.post("/requests/new", data=form_data(exclude=bad))
        assert response.status_code == 400
        assert "search list" in response.text or "At most" in response.text
    assert db.session.scalars(select(HousingRequest)).all() == []
