"""When a place's offers change (issue 16): approved, confirmed and checked-in stays whose
request needs something the place no longer offers, and no coordinator overrode, are
flagged on the stays list, the stay page and the plan page, and the coordinator who saved
the change is told how many. One function decides: `needs_unmet`. Proposals and the
placement card say which needs the place meets."""

import io
from datetime import date

import pytest
from sqlalchemy import event

from partners.needs import Need, ensure_vocabulary
from partners.places import Shelter
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.needs import needs_met, needs_unmet, unfit_stays
from placement.extensions import db
from tests.request_factories import TODAY
from tests.test_hotel_pages import new_hotel

FLAG = "Needs not met"


@pytest.fixture
def needs(app) -> dict[str, Need]:
    return ensure_vocabulary(db.session)


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


def approved_stay(place, request, coordinator, create_booking, check_in=TODAY) -> Booking:
    stay = create_booking(place, request=request, check_in=check_in)
    service.approve(db.session, stay, coordinator.id, check_in)
    return stay


def test_a_stay_whose_place_stops_offering_a_need_no_longer_fits(
        needs, coordinator, create_shelter, create_request, create_booking):
    shelter = create_shelter(offers={needs["lang:es"], needs["no-id"]})
    request = create_request(needs={needs["lang:es"], needs["no-id"], needs["hotel-age:18"]})
    stay = approved_stay(shelter, request, coordinator, create_booking)
    assert needs_unmet(stay) == set() and unfit_stays(db.session) == []
    shelter.offers = {needs["no-id"]}
    assert needs_unmet(stay) == {"lang:es"}  # a hotel's age rule is met at every shelter
    assert unfit_stays(db.session) == [stay] == unfit_stays(db.session, shelter)
    assert unfit_stays(db.session, create_shelter(name="Elsewhere")) == []
    stay.need_override = "lang:es"
    assert needs_unmet(stay) == set() and unfit_stays(db.session) == []


def test_only_stays_that_hold_a_place_are_flagged(needs, coordinator, create_shelter,
                                                  create_request, create_booking):
    shelter = create_shelter()
    proposal = create_booking(shelter, request=create_request(needs={needs["lang:es"]}))
    rejected = create_booking(shelter, request=create_request(needs={needs["lang:es"]}))
    service.reject(db.session, rejected, coordinator.id, "Too far")
    assert needs_unmet(proposal) == {"lang:es"}
    assert unfit_stays(db.session) == []


def test_the_needs_a_place_meets_are_named_by_label(needs, create_shelter, create_request,
                                                    create_booking):
    shelter = create_shelter(offers={needs["no-id"], needs["lang:es"]})
    request = create_request(needs={needs["lang:es"], needs["no-id"], needs["pregnant"],
                                    needs["hotel-age:18"]})
    stay = create_booking(shelter, request=request)
    assert needs_met(stay) == ["Staff speak Spanish", "Accepts guests without ID",
                               "Checks in guests aged 18 to 20"]


# -- the pages -------------------------------------------------------------------------------

SHELTER_FORM = {"name": "Harbor House", "policy": "women", "location": "20001",
                "capacity": "10", "address": "12 Confidential Lane", "confidential": "y",
                "active": "y"}


@pytest.fixture
def flagged(app, needs, coordinator, login, create_shelter, create_request, create_booking):
    """A coordinator signed in, and a stay approved at a shelter whose Spanish-speaking
    staff the request needs."""
    today = date.today()
    shelter = create_shelter(offers={needs["lang:es"], needs["no-id"]})
    request = create_request(earliest=today, needs={needs["lang:es"]})
    stay = approved_stay(shelter, request, coordinator, create_booking, check_in=today)
    db.session.commit()
    return login(coordinator), shelter, stay


def test_saving_a_place_that_no_longer_fits_a_stay_says_so_and_flags_the_stay(flagged):
    client, shelter, stay = flagged
    saved = client.post(f"/places/shelters/{shelter.id}/edit",
                        data=SHELTER_FORM | {"offers": ["no-id"]}, follow_redirects=True)
    assert saved.status_code == 200
    assert "1 approved stay no longer fits its request&#39;s needs" in saved.text
    listing = client.get("/bookings").text
    row = listing.split(stay.request.case_code)[1].split("</tr>")[0]
    assert FLAG in row and "Staff speak Spanish" in row
    page = client.get(f"/bookings/{stay.id}").text
    assert FLAG in page and "no longer offers Staff speak Spanish" in page
    section = client.get("/plan").text.split("no longer fit their needs")[1].split("</ul>")[0]
    assert FLAG in section and stay.request.case_code in section


def test_a_change_that_leaves_every_stay_fitting_says_nothing(flagged):
    client, shelter, stay = flagged
    saved = client.post(f"/places/shelters/{shelter.id}/edit",
                        data=SHELTER_FORM | {"offers": ["lang:es"]}, follow_redirects=True)
    assert saved.status_code == 200 and "no longer fit" not in saved.text
    assert FLAG not in client.get("/bookings").text
    assert FLAG not in client.get(f"/bookings/{stay.id}").text
    assert FLAG not in client.get("/plan").text


def test_an_overridden_need_is_not_flagged(flagged):
    client, shelter, stay = flagged
    stay.need_override = "lang:es"
    db.session.commit()
    saved = client.post(f"/places/shelters/{shelter.id}/edit",
                        data=SHELTER_FORM | {"offers": ["no-id"]}, follow_redirects=True)
    assert "no longer fit" not in saved.text
    assert FLAG not in client.get("/bookings").text


def test_a_csv_import_that_no_longer_fits_a_stay_says_so(flagged):
    client, shelter, stay = flagged
    csv = ("id,name,policy,location,capacity,offers\n"
           f"{shelter.id},Harbor House,women,20001,10,no-id\n")
    response = client.post("/places/shelters/import", data={
        "file": (io.BytesIO(csv.encode()), "places.csv")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert response.status_code == 200
    assert "1 approved stay no longer fits its request&#39;s needs" in response.text
    db.session.expire_all()
    assert {n.code for n in db.session.get(Shelter, shelter.id).offers} == {"no-id"}


def test_a_hotel_edit_that_no_longer_fits_a_stay_says_so(
        needs, coordinator, login, create_hotel, create_request, create_booking, make_lot):
    hotel = create_hotel(offers={needs["lang:es"]})
    make_lot(500_000, program="ihg")
    request = create_request(earliest=date.today(), needs={needs["lang:es"]})
    approved_stay(hotel, request, coordinator, create_booking, check_in=date.today())
    db.session.commit()
    client = login(coordinator)
    saved = client.post(f"/places/hotels/{hotel.id}/edit",
                        data=new_hotel(hotel.program_id) | {"offers": ["no-id"]},
                        follow_redirects=True)
    assert "1 approved stay no longer fits its request&#39;s needs" in saved.text


def test_the_proposal_and_the_card_say_which_needs_the_place_meets(
        needs, coordinator, login, create_shelter, create_request, create_booking):
    shelter = create_shelter(offers={needs["lang:es"], needs["no-id"]})
    request = create_request(earliest=date.today(), created_by_id=coordinator.id,
                             needs={needs["lang:es"], needs["no-id"]})
    proposal = create_booking(shelter, request=request, check_in=date.today())
    db.session.commit()
    client = login(coordinator)
    row = client.get("/plan").text.split(request.case_code)[1].split("</tr>")[0]
    assert "Meets: Staff speak Spanish, Accepts guests without ID" in row
    service.approve(db.session, proposal, coordinator.id, date.today())
    db.session.commit()
    card = client.get(f"/requests/{request.id}/card").json["html"]
    assert "Staff speak Spanish, Accepts guests without ID" in card
    assert FLAG not in card


def test_the_stays_pages_load_needs_in_a_fixed_number_of_queries(
        needs, coordinator, login, create_shelter, create_request, create_booking):
    client = login(coordinator)
    shelter = create_shelter(capacity=50)

    def more(count: int) -> None:
        for _ in range(count):
            approved_stay(shelter, create_request(needs={needs["lang:es"]}), coordinator,
                          create_booking, check_in=date.today())
        db.session.commit()

    def queries(url: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    more(1)
    few = {url: queries(url) for url in ("/bookings", "/plan")}
    more(4)
    assert {url: queries(url) for url in ("/bookings", "/plan")} == few
