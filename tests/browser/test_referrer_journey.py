"""A partner agency's referrer (issue 19): signs in to their agency's requests, opens the
referral a colleague or they filed with its placement card, and has the advocates' form;
a coordinator's queue says which agency filed it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

AGENCY = "Riverside Family Services"  # the demo's partner agency


# Each viewport once, each database once: the screenshots of both, the time of two runs.
@pytest.mark.parametrize("page, backend", [("desktop", "sqlite"), ("phone", "postgresql")],
                         indirect=True)
def test_a_referrer_follows_their_agency_s_requests_and_coordinators_see_the_agency(journey):
    j = journey("referrer")
    j.sign_in(journey.logins["referrer"])
    page = j.page
    expect(page.get_by_role("heading", name=re.compile("Our requests"))).to_be_visible()
    expect(page.locator("caption")).to_contain_text(f"Requests anyone of {AGENCY} filed")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)  # the demo's partner referral, none of the hotline's
    j.check("our-requests")
    rows.first.get_by_role("link").click()
    expect(page.locator("#placement-card")).to_be_visible()
    expect(page.locator("#filed-by")).to_have_count(0)  # coordinators' reading only
    j.check("request")
    j.go("/requests/new")
    expect(page.get_by_role("heading", name="New housing request")).to_be_visible()
    j.check("new-request")
    j.go("/requests/1")  # a past request of the hotline's advocates: not theirs
    expect(page.get_by_text("There is nothing at this address.")).to_be_visible()

    coordinator = journey("referrer-coordinator")
    page.context.clear_cookies()
    coordinator.sign_in(journey.logins["coordinator"])
    expect(page.locator(".filed-by", has_text=f"by {AGENCY}")).to_have_count(1)
    coordinator.check("queue")
