"""Closing the loop, in the browser (one viewport, both databases): the advocate's open
page shows the placement card without a reload once a stay is approved; the shelter says
no through its staff link; the request is planned elsewhere and the place says yes; the
card says confirmed. And a request withdrawn by its advocate gives its bed back at once."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.availability import issue_staff_link, shelter_nights
from partners.base import utcnow
from partners.places import Policy, Shelter
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from placement.places.tokens import staff_token
from placement.requests.models import HousingRequest, RequestStatus
from tests.browser.conftest import run_plan

pytestmark = pytest.mark.browser
PHONE = pytest.mark.parametrize("page", ["phone"], indirect=True)
CARD = "#placement-card"


def file_request(j, where: str = "20002") -> str:
    """The advocate files a critical request for one woman; returns its case code."""
    j.go("/requests/new")
    j.page.select_option("#priority", "critical")
    j.page.select_option("#people-0-age_band", "adult-25")
    j.page.select_option("#people-0-gender", "female")
    j.page.fill("#where", where)
    j.page.fill("#nights", "2")
    j.page.click("#submit")
    heading = j.page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Request SB-")
    return re.search(r"SB-[0-9A-Z]{4}-[0-9A-Z]{4}", heading.inner_text()).group(0)


def place_by_hand(case_code: str) -> tuple[int, int, str, str]:
    """A coordinator places the request at a women's shelter with a bed free (the test
    commits before the browser goes on: an open SQLite transaction would block the
    server); returns the stay's and the request's ids, the shelter's link and name."""
    with unit_of_work():
        request = db.session.scalar(select(HousingRequest).where(
            HousingRequest.case_code == case_code))
        shelter = next(s for s in db.session.scalars(select(Shelter).where(
            Shelter.policy == Policy.WOMEN, Shelter.same_gender.is_(False)).order_by(Shelter.id))
            if shelter_nights(db.session, s, request.earliest, request.earliest)[0].free)
        issue_staff_link(db.session, shelter, utcnow())
        booking = service.place_by_hand(db.session, request, shelter, request.earliest,
                                        request.nights, None, request.earliest)
        return booking.id, request.id, staff_token(shelter), shelter.name


@PHONE
def test_the_card_follows_the_stay_from_approval_to_a_no_and_a_yes(journey, app, browser):
    j = journey("close-the-loop")
    j.sign_in(journey.logins["advocate"])
    case_code = file_request(j)
    expect(j.page.locator(CARD)).to_contain_text("No place yet")
    j.check("filed")

    booking_id, request_id, token, first = place_by_hand(case_code)
    card = j.page.locator(CARD)
    expect(card).to_contain_text("Where to send the person", timeout=15000)  # no reload
    expect(card).to_contain_text(first)
    expect(card).to_contain_text("waiting for the shelter's yes")
    expect(j.page.locator("#request-status")).to_have_text("Placed")
    expect(card).not_to_contain_text("St,")  # a confidential shelter's street: not here
    j.check("card-held")

    # The shelter's staff, on their own phone, say no: no bed after all.
    staff = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    staff.goto(f"{j.base}/report/{token}")
    staff.get_by_role("link", name=re.compile("say yes or no")).click()
    expect(staff.get_by_role("heading", name=re.compile(case_code))).to_be_visible()
    staff.get_by_text("No, we cannot take them").click()
    staff.get_by_label("No bed after all").check()
    staff.get_by_role("button", name="Send: we cannot take them").click()
    expect(staff.locator(".alert-success")).to_contain_text("find")
    expect(j.page.locator(CARD)).to_contain_text("the place said no", timeout=15000)
    j.check("card-declined")

    # The planner proposes elsewhere (never that shelter again); a coordinator approves.
    run_plan(app)
    with unit_of_work():
        proposal = db.session.scalar(select(Booking).where(
            Booking.request_id == request_id, Booking.state == BookingState.PROPOSED))
        assert proposal is not None and proposal.place.name != first
        service.approve(db.session, proposal, None, proposal.check_in)
        if proposal.is_hotel:  # hotels are confirmed by a coordinator
            service.confirm(db.session, proposal, None, "HTL-77", None, proposal.check_in)
        else:
            issue_staff_link(db.session, proposal.shelter, utcnow())
            service.accept(db.session, proposal, None)
        place, code = proposal.place.name, proposal.confirmation
    card = j.page.locator(CARD)
    expect(card).to_contain_text(place, timeout=15000)
    expect(card).to_contain_text(f"code {code}")
    expect(card).to_contain_text("What to tell the caller")
    j.check("card-confirmed")
    staff.context.close()


@PHONE
def test_a_request_withdrawn_by_its_advocate_gives_its_bed_back_at_once(journey):
    j = journey("withdraw")
    j.sign_in(journey.logins["advocate"])
    case_code = file_request(j)
    booking_id, request_id, _token, shelter = place_by_hand(case_code)
    j.page.reload()
    expect(j.page.locator(CARD)).to_contain_text(shelter)
    j.page.get_by_text("Withdraw this request").click()
    j.page.get_by_label("Found other housing").check()
    j.check("withdraw-form")
    j.page.get_by_role("button", name="Withdraw the request").click()
    expect(j.page.locator(".alert-success")).to_contain_text("withdrawn")
    j.check("withdrawn")
    with unit_of_work():
        booking = db.session.get(Booking, booking_id)
        assert booking.state is BookingState.CANCELLED
        assert db.session.get(HousingRequest, request_id).status is RequestStatus.WITHDRAWN
        assert shelter_nights(db.session, booking.shelter, booking.check_in,
                              booking.check_in)[0].held == 0
        assert booking.check_in >= date(2026, 1, 1)
