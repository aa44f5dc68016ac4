"""The three journeys, each at a desktop and a phone viewport, on both databases."""

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.ledger import hold_points, spend_hold
from partners.places import Shelter
from partners.points import LoyaltyProgram
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from placement.requests.models import HousingRequest
from placement.requests.service import local_today
from tests.browser.conftest import run_plan

pytestmark = pytest.mark.browser


def open_menu_if_collapsed(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


def test_advocate_files_a_critical_request_and_sees_it_placed(journey, app):
    j = journey("advocate")
    j.sign_in(journey.logins["advocate"])
    expect(j.page.get_by_role("heading", name="My requests")).to_be_visible()
    j.check("my-requests")
    j.page.get_by_role("link", name="New request").first.click()
    j.page.select_option("#priority", "critical")
    j.page.select_option("#people-0-age_band", "adult-25")
    j.page.select_option("#people-0-gender", "female")
    for index, gender in ((1, "female"), (2, "male")):  # two children under 13
        j.page.get_by_role("button", name="Add a person").click()
        j.page.select_option(f"#people-{index}-age_band", "child")
        j.page.select_option(f"#people-{index}-gender", gender)
    j.page.fill("#pets", "1")
    j.page.fill("#where", "20002")
    j.page.fill("#nights", "5")
    # A place to stay away from, found by typing and chosen with the keyboard.
    search = j.page.get_by_role("searchbox", name="Places this person must not go")
    search.press_sequentially("anacost")
    match = j.page.get_by_role("button", name=re.compile("Anacostia Family Center"))
    expect(match).to_be_visible()
    j.check("request-form")
    search.press("ArrowDown")
    expect(match).to_be_focused()
    j.page.keyboard.press("Enter")
    chosen = j.page.locator(".place-chosen li")
    expect(chosen).to_have_count(1)
    expect(chosen).to_contain_text("Anacostia Family Center (shelter")
    expect(search).to_be_focused()
    j.page.click("#submit")
    # The demo's own mother with two children near 20002 may be this caller: she is not.
    expect(j.page.locator("#possible-duplicate")).to_contain_text("Not filed yet")
    j.page.get_by_label("This is a different person: file the request anyway").check()
    expect(chosen).to_have_count(1)
    j.page.click("#submit")
    heading = j.page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Request SB-")
    case_code = re.search(r"SB-[0-9A-Z]{4}-[0-9A-Z]{4}", heading.inner_text()).group(0)
    j.check("filed")
    j.go("/advocate")
    row = j.page.locator("tr", has_text=case_code)
    expect(row).to_contain_text("Pending")

    # Meanwhile a coordinator plans and approves the proposal for this request. (The test
    # commits before the browser goes on: an open SQLite transaction would block the server.)
    with unit_of_work():
        filed = db.session.scalar(select(HousingRequest).where(
            HousingRequest.case_code == case_code))
        filed_id = filed.id
        assert [db.session.get(Shelter, e.shelter_id).name for e in filed.exclusions] == [
            "Anacostia Family Center"]
    run_plan(app)
    with unit_of_work():
        proposal = db.session.scalar(select(Booking).where(
            Booking.request_id == filed_id, Booking.state == BookingState.PROPOSED))
        assert proposal is not None and proposal.hotel is not None and proposal.hotel.pets
        service.approve(db.session, proposal, None, proposal.check_in)

    j.page.reload()
    expect(j.page.locator("tr", has_text=case_code)).to_contain_text("Placed")
    j.check("placed")


PROGRAMS = ("Choice Privileges", "IHG One Rewards", "Marriott Bonvoy", "Wyndham Rewards")


def points_available(j) -> dict[str, int]:
    j.go("/points")
    return {name: int(j.page.locator("tr", has_text=name).locator("td").first.inner_text()
                      .replace(",", "")) for name in PROGRAMS}


def test_coordinator_plans_approves_confirms_extends_and_checks_out(journey):
    j = journey("coordinator")
    j.sign_in(journey.logins["coordinator"])
    expect(j.page.get_by_role("heading", name=re.compile("Pending requests"))).to_be_visible()
    first_row = j.page.locator("tbody tr").first
    expect(first_row).to_contain_text("Critical")
    expect(first_row).to_contain_text("2 children")
    case_code = first_row.locator("code").inner_text()
    j.check("queue")
    before = points_available(j)

    j.go("/plan")
    j.page.get_by_role("button", name="Plan now").click()
    j.page.wait_for_url(re.compile(r".*/plan$"), timeout=60_000)
    expect(j.page.get_by_text("there is no shelter or hotel within")).to_be_visible()
    j.check("plan")

    row = j.page.locator("tr", has_text=case_code)
    expect(row).to_contain_text("hotel")
    row.get_by_role("button", name=re.compile("Approve")).click()
    expect(j.page.get_by_role("alert")).to_contain_text("approved")
    j.go("/bookings")
    j.page.get_by_role("link", name=case_code).click()
    j.check("stay-approved")
    stay_page = j.page.url
    program = next(p for p in PROGRAMS if p in j.page.locator("main dl").inner_text())
    points = int(j.page.locator("#points").inner_text().split()[0].replace(",", ""))
    assert points_available(j)[program] == before[program] - points  # the balance dropped
    j.page.goto(stay_page)
    j.page.fill("#confirmation", "HX-448812")
    j.page.get_by_role("button", name="Confirm").click()
    expect(j.page.get_by_role("alert")).to_contain_text("confirmed")
    points_before_extend = int(j.page.locator("#points").inner_text().split()[0]
                               .replace(",", ""))
    j.page.fill("#nights", "2")
    j.page.get_by_role("button", name="Extend").click()
    expect(j.page.get_by_role("alert")).to_contain_text("extended")
    points_after = int(j.page.locator("#points").inner_text().split()[0].replace(",", ""))
    assert points_after > points_before_extend
    j.page.get_by_role("button", name="Check in").click()
    expect(j.page.get_by_role("alert")).to_contain_text("checked in")
    j.page.get_by_role("button", name="Check out").click()
    expect(j.page.get_by_role("heading", level=1)).to_contain_text("Checked out")
    j.check("checked-out")


def test_donor_sees_points_used_by_month_with_small_counts_hidden(journey, app):
    # A donor's figures stand at the end of the last complete month: these stays ended in it.
    last_month = local_today(app.config["HOTLINE_TIMEZONE"]).replace(day=1) - timedelta(days=1)
    with unit_of_work():
        marriott = db.session.scalar(select(LoyaltyProgram.id).where(
            LoyaltyProgram.code == "marriott"))
        for i in range(14):  # a busy month: enough stays to show a number
            ref = f"journey-{i}"
            held = hold_points(db.session, marriott, 15_000, ref, date.today())
            spent = spend_hold(db.session, ref, nights=3, persons=2)
            held.created_at = spent.created_at = datetime(last_month.year, last_month.month,
                                                          15, 17)

    j = journey("donor")
    j.sign_in(journey.logins["donor"])
    expect(j.page.get_by_role("heading", level=1)).to_contain_text("Northwind Logistics")
    month_row = j.page.locator("table", has_text="by month").locator(
        "tr", has_text=last_month.strftime("%B %Y"))
    stays = month_row.locator("td").first.inner_text()
    assert stays != "fewer than 11" and int(stays.replace(",", "")) >= 11
    expect(j.page.get_by_text("fewer than 11").first).to_be_visible()
    expect(j.page.get_by_role("img", name="Nights provided by month")).to_be_visible()
    j.check("dashboard")
