"""Points intelligence in the browser (one viewport, both databases): a coordinator opens a
program's page and sees what more points would do and when its points run out; the donor
sees what a next gift would do, small figures hidden."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.points import LoyaltyProgram
from placement.database import unit_of_work
from placement.extensions import db
from placement.jobs.runner import run_job
from placement.points.models import WhatIfBatch

pytestmark = pytest.mark.browser
PHONE = pytest.mark.parametrize("page", ["phone"], indirect=True)


@PHONE
def test_a_coordinator_sees_the_what_if_and_the_forecast_and_a_donor_the_next_gift(
        journey, app):
    app.config["WHAT_IF_SECONDS"] = 12
    now = datetime.now().astimezone()
    run_job(app, "what_if_nightly", now)  # the nightly batch, computed by the next tick
    run_job(app, "what_if", now + timedelta(minutes=1))
    with unit_of_work():
        batch = db.session.scalar(select(WhatIfBatch))
        assert batch.state.value == "done", batch.error
        marriott = db.session.scalar(select(LoyaltyProgram.id).where(
            LoyaltyProgram.code == "marriott"))

    j = journey("points-intelligence")
    j.sign_in(journey.logins["coordinator"])
    j.go(f"/places/programs/{marriott}")
    what_if = j.page.locator("#what-if")
    expect(what_if).to_contain_text("What more points would do")
    expect(what_if).to_contain_text(re.compile(r"places \d+ of the \d+ requests"))
    expect(what_if.locator("tr", has_text="+500,000")).to_be_visible()
    expect(j.page.get_by_role("img", name=re.compile("available points over the next 90"))
           ).to_be_visible()
    expect(j.page.locator("li", has_text="At the last 30 days' pace")).to_contain_text("runs out")
    j.check("program")

    donor = journey("points-intelligence-donor")
    j.page.context.clear_cookies()
    donor.sign_in(journey.logins["donor"])
    gift = donor.page.get_by_role("heading", name="What your next gift would do")
    expect(gift).to_be_visible()
    expect(donor.page.locator("li", has_text="more Marriott Bonvoy points")).to_contain_text(
        re.compile(r"people placed|fewer than 11"))
    donor.check("next-gift")
