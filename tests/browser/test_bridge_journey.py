"""Bridge stays (issue 21) in the browser, at a desktop and a phone viewport: a critical
request that no place can hold for its whole stay (the only hotel nearby is booked out from
the third night, the only shelter full for two) is proposed as the hotel, then the shelter;
a coordinator sees the chain on the plan and approves it with one click; the advocate's
card shows two stays and the move day, and the coordinator's queue the move to arrange."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.availability import set_capacity, set_hotel_nights
from partners.geo import locate
from partners.places import Hotel, Policy, Shelter
from partners.points import LoyaltyProgram
from placement.database import unit_of_work
from placement.extensions import db
from placement.requests.models import HousingRequest
from tests.browser.conftest import Journey, run_plan
from tests.browser.test_close_the_loop import CARD

pytestmark = pytest.mark.browser


def file_request(j) -> str:
    """The advocate files a critical request for one woman in Denver, 4 nights."""
    j.go("/requests/new")
    j.page.select_option("#priority", "critical")
    j.page.select_option("#people-0-age_band", "adult-25")
    j.page.select_option("#people-0-gender", "female")
    j.page.fill("#where", "80202")
    j.page.fill("#nights", "4")
    expect(j.page.get_by_label("May move once if that gets them in sooner")).to_be_checked()
    j.check("request-form")
    j.page.click("#submit")
    heading = j.page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Request SB-")
    return re.search(r"SB-[0-9A-Z]{4}-[0-9A-Z]{4}", heading.inner_text()).group(0)


def open_only_a_bridge(case_code: str) -> None:
    """Near the person: a shelter full tonight and tomorrow, and a hotel booked out from
    the night after (committed: an open SQLite transaction would block the server)."""
    with unit_of_work():
        request = db.session.scalar(select(HousingRequest).where(
            HousingRequest.case_code == case_code))
        arrive = request.earliest
        shelter = Shelter(name="Front Range Women's Shelter", capacity=2, policy=Policy.WOMEN,
                          address="1 Private Way")
        shelter.move_to(locate("80204"))
        program = db.session.scalar(select(LoyaltyProgram).where(LoyaltyProgram.code == "ihg"))
        hotel = Hotel(name="Airport Holiday Lodge", program=program, rooms_per_night=2,
                      standard_points=15_000)
        hotel.move_to(locate("80239"))
        db.session.add_all([shelter, hotel])
        db.session.flush()
        set_capacity(db.session, shelter, arrive, arrive + timedelta(days=1), 0)
        set_hotel_nights(db.session, hotel, arrive + timedelta(days=2),
                         arrive + timedelta(days=40), points=None, rooms=0)


# Each viewport once, each database once: the screenshots of both, the time of two runs.
@pytest.mark.parametrize("page, backend", [("desktop", "sqlite"), ("phone", "postgresql")],
                         indirect=True)
def test_a_request_no_place_can_hold_is_bridged_approved_and_shown_as_two_stays(
        journey, app, browser):
    j = journey("bridge")
    j.sign_in(journey.logins["advocate"])
    case_code = file_request(j)
    open_only_a_bridge(case_code)
    run_plan(app)

    # The coordinator, on a device of their own, sees one placement of two stays.
    context = browser.new_context(viewport=j.page.viewport_size)
    page = context.new_page()
    page.viewport_name = j.page.viewport_name
    page.console_errors = []
    c = Journey(page, j.base, "bridge-coordinator")
    c.sign_in(journey.logins["coordinator"])
    c.go("/plan")
    first = page.locator("tr:not(.chain-later)", has_text=case_code)
    expect(first).to_contain_text("Airport Holiday Lodge")
    expect(first).to_contain_text("then Front Range Women's Shelter from")
    later = page.locator("tr.chain-later", has_text=case_code)
    expect(later).to_contain_text("from the Airport Holiday Lodge")
    expect(later).to_contain_text("Approved or rejected with the stay before it")
    c.check("plan-bridge")
    first.get_by_role("button", name=re.compile("Approve")).click()
    expect(page.get_by_role("alert")).to_contain_text("approved")

    # The advocate's open page shows both stays and the move day, without a reload.
    card = j.page.locator(CARD)
    expect(card).to_contain_text("Where to send the person", timeout=15_000)
    expect(card).to_contain_text("Airport Holiday Lodge")
    expect(card).to_contain_text(re.compile(
        r"arrives \w{3} \w{3} \d+ from the Airport Holiday Lodge"))
    expect(card.locator(".chain-stay")).to_have_count(2)
    expect(card.locator(".move-day")).to_contain_text("The hotline arranges the transport")
    expect(card).to_contain_text("you move to a bed at Front Range Women's Shelter")
    j.check("card-two-stays")

    # The move is a task on the coordinator's queue; the tape chart joins the two bars.
    c.go("/coordinator")
    task = page.locator("#moves-title + p + ul li", has_text=case_code)
    expect(task).to_contain_text("Airport Holiday Lodge → Front Range Women's Shelter")
    c.check("queue-move")
    c.go("/tape?state=CO")
    expect(page.locator(".tape-joined-out", has_text=case_code)).to_have_count(1)
    expect(page.locator(".tape-joined-in", has_text=case_code)).to_have_count(1)
    c.check("tape-joined")
    c.go("/coordinator")
    task.get_by_role("button", name=re.compile("Transport arranged")).click()
    expect(task).to_contain_text("Transport arranged")
    task.get_by_role("link", name=case_code).click()
    expect(page.get_by_role("heading", name="Bridge stay: 2 stays, one placement")).to_be_visible()
    expect(page.locator("#transport")).to_contain_text("transport arranged")
    c.check("stay-chain")
    page.get_by_role("heading", level=1).get_by_role("link", name=case_code).click()
    expect(page.locator("#moving")).to_contain_text("May move once if that gets them in sooner")
    c.check("request-moves")
    context.close()
