"""The reports in the browser, at 1280 and 390 px: a coordinator opens the report, changes a
filter, downloads the funders' CSV (small counts hidden in it) and opens the page that
prints to PDF, looked at as the printer sees it too."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
COUNT_TABLES = ("Requests filed, and what became of them", "Requests filed, by priority",
                "Requests filed, by type of trafficking")


def test_a_coordinator_filters_the_report_and_takes_the_funders_export(journey, tmp_path):
    j = journey("report-exports")
    j.sign_in(journey.logins["coordinator"])
    j.go("/reports/")
    expect(j.page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    j.check("report")

    # The demo's past requests are in DC, Maryland, Virginia, Texas and Georgia.
    j.page.select_option("#state", "TX")
    j.page.get_by_role("button", name="Show").click()
    j.page.wait_for_url(re.compile(r".*state=TX.*"))
    expect(j.page.locator("#report-summary")).to_contain_text("in Texas")
    j.check("report-texas")

    link = j.page.get_by_role("link", name="download the export (CSV)")
    expect(link).to_have_attribute("href", re.compile(r"/reports/export\.csv\?.*state=TX"))
    with j.page.expect_download() as download:
        link.click()
    path = tmp_path / "export.csv"
    download.value.save_as(path)
    assert re.fullmatch(r"shelter-bridge-TX-\d{4}-\d\d-to-\d{4}-\d\d\.csv",
                        download.value.suggested_filename)
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["about", "area", "", "Texas"] in rows
    counts = [row[3] for row in rows if row[0] in COUNT_TABLES]
    assert counts and "fewer than 11" in counts  # a few Texans a month in the demo
    for value in counts:  # every count is 0, 11 or more, or in words
        assert value in ("fewer than 11", "hidden") or value == "0" or int(value) >= 11, value

    j.page.get_by_role("link", name="the page to print or save as PDF").click()
    expect(j.page.get_by_role("heading", name="Housing requests: Texas")).to_be_visible()
    expect(j.page.locator("main")).to_contain_text("fewer than 11")
    expect(j.page.get_by_role("link", name="Download this export as CSV")).to_be_visible()
    j.check("print-page")
    j.page.emulate_media(media="print")
    expect(j.page.locator("nav.sb-navbar")).to_be_hidden()
    expect(j.page.locator(".export-actions")).to_be_hidden()
    j.check("print-page-as-printed")
    j.page.emulate_media(media="screen")

    j.go("/reports/print?state=all")
    expect(j.page.get_by_role("img", name=re.compile("Requests filed, by state"))).to_be_visible()
    j.check("print-page-nation")
