"""What a place offers (issue 16), on its pages: coordinators tick the needs a shelter or a
hotel meets, from the active vocabulary that applies to its kind; a new place starts with
its kind's and policy's defaults; a need no longer offered for new choices stays where it
is used; the detail page names the offers by label; a change of offers is on the audit log."""

import json
import re

import pytest
from sqlalchemy import select

from partners.needs import Need, ensure_vocabulary
from partners.places import Hotel, Shelter
from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.extensions import db
from tests.test_hotel_pages import new_hotel
from tests.test_shelter_pages import NEW_SHELTER


@pytest.fixture
def needs(app) -> dict[str, Need]:
    return ensure_vocabulary(db.session)


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.COORDINATOR))


def checkboxes(html: str) -> dict[str, bool]:
    """Each offer's checkbox on the page: its code, and whether it is ticked."""
    boxes = {}
    for attributes in re.findall(r"<input([^>]*)>", html):
        if 'name="offers"' in attributes:
            assert 'type="checkbox"' in attributes
            code = re.search(r'value="([^"]*)"', attributes)[1]
            boxes[code] = re.search(r"\bchecked\b", attributes) is not None
    return boxes


def ticked(html: str) -> set[str]:
    return {code for code, on in checkboxes(html).items() if on}


def test_the_shelter_form_offers_the_active_needs_that_apply_to_shelters(
        coordinator, needs):
    needs["lang:ko"].active = False
    page = coordinator.get("/places/shelters/new").text
    boxes = checkboxes(page)
    assert {"lang:es", "no-id", "pregnant", "teen-boys", "dog:over-60", "mixed-adults"} <= set(
        boxes)
    assert "hotel-age:18" not in boxes and "lang:ko" not in boxes
    # Each with its label and help text, in a fieldset with a legend per group.
    assert "Staff speak Spanish" in page and "Someone on staff at intake speaks Spanish." in page
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>What it offers</legend>", page)
    languages = page.split("Languages staff speak</legend>")[1].split("</fieldset>")[0]
    dogs = page.split("Dogs</legend>")[1].split("</fieldset>")[0]
    assert set(checkboxes(languages)) == {n for n in boxes if n.startswith("lang:")}
    assert set(checkboxes(dogs)) == {"dog:under-25", "dog:25-60", "dog:over-60"}


def test_the_hotel_form_offers_what_applies_to_hotels_and_a_new_hotel_starts_with_defaults(
        coordinator, needs):
    page = coordinator.get("/places/hotels/new").text
    boxes = checkboxes(page)
    assert {"hotel-age:18", "hotel-age:21", "lang:es", "no-id"} <= set(boxes)
    assert not {"pregnant", "teen-boys", "intake-late"} & set(boxes)
    assert ticked(page) == {"mixed-adults", "hotel-age:21"}


def test_a_new_shelter_follows_the_defaults_of_its_policy_and_pets(coordinator, needs):
    """The form carries each choice's defaults, for the page's script to tick while the
    coordinator picks who the shelter takes and whether it allows pets."""
    page = coordinator.get("/places/shelters/new").text
    assert ticked(page) == set()  # the first policy on the form is women only
    defaults = json.loads(re.search(r"data-offer-defaults=\"([^\"]*)\"", page)[1]
                          .replace("&#34;", '"').replace("&quot;", '"'))
    assert set(defaults["family|0|1"]) == {"mixed-adults", "dog:under-25"}
    assert set(defaults["family|1|0"]) == set() and set(defaults["women|0|0"]) == set()


def test_a_coordinator_saves_what_a_new_shelter_offers(coordinator, needs):
    response = coordinator.post("/places/shelters/new", data=NEW_SHELTER | {
        "offers": ["lang:es", "pregnant"]})
    assert response.status_code == 302
    shelter = db.session.scalar(select(Shelter))
    assert {n.code for n in shelter.offers} == {"lang:es", "pregnant"}
    detail = coordinator.get(response.headers["Location"]).text
    offers = detail.split("Offers</dt>")[1].split("</dd>")[0]
    assert "Staff speak Spanish" in offers and "Accepts pregnant guests" in offers
    assert "lang:es" not in offers


def test_editing_ticks_the_current_offers_and_saves_the_new_ones_on_the_audit_log(
        coordinator, needs, create_shelter):
    shelter = create_shelter(offers={needs["no-id"], needs["lang:vi"]})
    db.session.commit()
    page = coordinator.get(f"/places/shelters/{shelter.id}/edit").text
    assert ticked(page) == {"no-id", "lang:vi"}
    # The shelter as it is, but for its offers.
    data = {"name": "Harbor House", "policy": "women", "location": "20001", "capacity": "10",
            "address": "12 Confidential Lane", "confidential": "y", "active": "y",
            "offers": ["no-id", "lang:es"]}
    assert coordinator.post(f"/places/shelters/{shelter.id}/edit",
                            data=data).status_code == 302
    db.session.expire_all()
    assert {n.code for n in db.session.get(Shelter, shelter.id).offers} == {"no-id", "lang:es"}
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject == "shelter", AuditEvent.action == "update")).all()
    assert event.subject_id == shelter.id and event.detail == "offers"


def test_a_need_no_longer_active_stays_ticked_where_it_is_offered_until_unticked(
        coordinator, needs, create_hotel):
    hotel = create_hotel(offers={needs["lang:ko"], needs["hotel-age:21"]})
    other = create_hotel(name="Other Inn")
    needs["lang:ko"].active = False
    db.session.commit()
    page = coordinator.get(f"/places/hotels/{hotel.id}/edit").text
    assert ticked(page) == {"lang:ko", "hotel-age:21"}
    assert "lang:ko" not in checkboxes(coordinator.get(f"/places/hotels/{other.id}/edit").text)
    data = new_hotel(hotel.program_id) | {"offers": ["hotel-age:21"]}
    assert coordinator.post(f"/places/hotels/{hotel.id}/edit", data=data).status_code == 302
    assert "lang:ko" not in checkboxes(coordinator.get(f"/places/hotels/{hotel.id}/edit").text)


@pytest.mark.parametrize("code", ["lang:ko", "pregnant", "lang:xx"])
def test_a_need_that_may_not_be_chosen_is_a_400_and_nothing_is_saved(
        coordinator, needs, create_program, code):
    """Retired (lang:ko), not for hotels (pregnant) or unknown (lang:xx)."""
    needs["lang:ko"].active = False
    data = new_hotel(create_program().id) | {"offers": ["no-id", code]}
    response = coordinator.post("/places/hotels/new", data=data)
    assert response.status_code == 400 and "is-invalid" in response.text
    assert db.session.scalar(select(Hotel)) is None


def test_the_hotel_page_lists_its_offers_by_label(coordinator, needs, create_hotel):
    hotel = create_hotel(offers={needs["hotel-age:18"], needs["lang:zh"]})
    page = coordinator.get(f"/places/hotels/{hotel.id}").text
    offers = page.split("Offers</dt>")[1].split("</dd>")[0]
    assert "Checks in guests aged 18 to 20" in offers and "Staff speak Chinese" in offers
    bare = create_hotel(name="Bare Inn")
    offers = coordinator.get(f"/places/hotels/{bare.id}").text.split("Offers</dt>")[1]
    assert "None recorded" in offers.split("</dd>")[0]
