"""Issue 16's journey: the advocate files for "mother, boy 15, no ID, Spanish" at phone
width, the needs that follow from the party are shown as she types, and the planner
proposes a place that offers all three; the placement card says so."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.needs import implied_offers
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from placement.requests.models import AgeBand, HousingRequest, PersonGender
from placement.requests.party import Person, derived_needs
from tests.browser.conftest import run_plan

pytestmark = pytest.mark.browser
PHONE = pytest.mark.parametrize("page", ["phone"], indirect=True)
NEEDS = {"no-id", "lang:es", "teen-boys"}


@PHONE
def test_a_mother_and_her_son_of_15_without_id_who_speak_spanish_are_placed_where_all_fit(
        journey, app):
    j = journey("party-needs")
    j.sign_in(journey.logins["advocate"])
    j.go("/requests/new")
    page = j.page
    page.select_option("#priority", "critical")
    page.select_option("#people-0-age_band", "adult-25")
    page.select_option("#people-0-gender", "female")
    teen_boys = page.locator('[data-derived="teen-boys"]')
    expect(teen_boys).to_be_hidden()
    page.get_by_role("button", name="Add a person").click()
    expect(page.locator("#people-1-age_band")).to_be_focused()
    page.select_option("#people-1-age_band", "teen")
    page.select_option("#people-1-gender", "male")
    expect(teen_boys).to_be_visible()  # follows from the party as it is typed
    expect(teen_boys).to_contain_text("Added")
    page.get_by_label("Accepts guests without ID").check()
    page.get_by_label("Staff speak Spanish").check()
    page.fill("#where", "20002")
    page.fill("#nights", "3")
    j.check("filled")
    page.click("#submit")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Request SB-")
    case_code = re.search(r"SB-[0-9A-Z]{4}-[0-9A-Z]{4}", heading.inner_text()).group(0)
    expect(page.locator("main dl").first).to_contain_text("woman 25+, boy 13-17")

    run_plan(app)
    with unit_of_work():
        filed = db.session.scalar(select(HousingRequest).where(
            HousingRequest.case_code == case_code))
        assert {n.code for n in filed.needs} == NEEDS
        assert derived_needs(filed.people) == {"teen-boys"}
        proposal = db.session.scalar(select(Booking).where(
            Booking.request_id == filed.id, Booking.state == BookingState.PROPOSED))
        assert proposal is not None, filed.unplaced_reason
        kind = "hotel" if proposal.is_hotel else "shelter"
        offered = {n.code for n in proposal.place.offers} | implied_offers(db.session)[kind]
        assert offered >= NEEDS, (proposal.place.name, offered)
        place = proposal.place.name
        service.approve(db.session, proposal, None, proposal.check_in)

    page.reload()
    card = page.locator("#placement-card")
    expect(card).to_contain_text(place)
    expect(card.locator("dd").first).to_have_text("woman 25+, boy 13-17")
    for label in ("Accepts guests without ID", "Staff speak Spanish",
                  "Accepts teenage boys with their family"):
        expect(card).to_contain_text(label)
    j.check("placed")


PARTIES = [  # (age band, gender) person by person
    [("adult-25", "female")],
    [("adult-25", "female"), ("teen", "male")],
    [("teen", "male")],
    [("teen", "male"), ("adult-18", "female"), ("adult-25", "male")],
    [("adult-21", "nonbinary"), ("child", "unknown")],
    [("adult-25", "female"), ("adult-21", "female"), ("adult-18", "female")],
    [("adult-25", "male"), ("teen", "female"), ("child", "male")],
    [("child", "female"), ("adult-21", "male"), ("adult-25", "nonbinary"), ("teen", "male")],
]


@PHONE
def test_the_page_shows_the_needs_the_server_will_derive(journey, app):
    """request-form.js restates party.derived_needs for the page: they must agree."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the page's script reads no database")
    j = journey("party-derived")
    j.sign_in(journey.logins["advocate"])
    for party in PARTIES:
        j.go("/requests/new")
        for index, (band, gender) in enumerate(party):
            if index:
                j.page.get_by_role("button", name="Add a person").click()
            j.page.select_option(f"#people-{index}-age_band", band)
            j.page.select_option(f"#people-{index}-gender", gender)
        shown = j.page.eval_on_selector_all(
            '[data-derived][data-follows="yes"]', "items => items.map(i => i.dataset.derived)")
        people = [Person(AgeBand(band), PersonGender(gender)) for band, gender in party]
        assert set(shown) == derived_needs(people), party
        reminder = expect(j.page.locator("#minor-reminder"))
        if any(band.startswith("adult") for band, _ in party):
            reminder.to_be_hidden()
        else:
            reminder.to_be_visible()
