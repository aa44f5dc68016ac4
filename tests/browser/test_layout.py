"""What people saw wrong, checked in the browser by what it computes: the tape chart's stay
states (each cell's own colours), pages that fit a 390 px phone, and the error summary of
a refused form.

Layout does not depend on the database, so these run on SQLite only, each at the one
viewport it is about (the suite's time is budgeted)."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from partners.places import Shelter
from placement.bookings.tape import KEYS
from placement.database import unit_of_work
from placement.extensions import db
from placement.filters import hotline_today
from placement.planning.models import PlanRun
from placement.planning.runner import execute_run

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]

WHITE = (255, 255, 255)


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(part)) for part in re.findall(r"[\d.]+", css)[:3])


def contrast(one: tuple[int, ...], other: tuple[int, ...]) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    def luminance(colour):
        channels = [c / 255 for c in colour]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


CELL_STYLE = """cell => {
  const style = getComputedStyle(cell), link = cell.querySelector('a');
  return {background: style.backgroundColor, text: getComputedStyle(link).color,
          border: style.borderTopStyle, mark: cell.querySelector('.tape-mark').textContent,
          name: link.textContent};
}"""


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_the_tape_chart_shows_each_stay_state_apart_not_by_colour_alone(journey,
                                                                         create_booking):
    with unit_of_work():
        shelter = db.session.scalars(select(Shelter).order_by(Shelter.capacity.desc())).first()
        for state in KEYS:
            create_booking(shelter, check_in=hotline_today(), nights=2, state=state)
    j = journey("tape")
    j.sign_in(journey.logins["coordinator"])
    j.go("/tape")
    expect(j.page.get_by_role("heading", name="Tape chart")).to_be_visible()
    j.check("tape")

    seen = {}
    for state, key in KEYS.items():
        cell = j.page.locator(f"td.tape-{state.value}").first
        expect(cell).to_be_visible()
        style = cell.evaluate(CELL_STYLE)
        background, text = rgb(style["background"]), rgb(style["text"])
        assert background != WHITE, f"{state.value}: a white bar on the white chart"
        assert contrast(text, background) >= 4.5, (state.value, style)
        assert style["mark"] == key.mark and style["name"].startswith(key.mark + key.label)
        seen[state] = background
        legend = j.page.locator(f".tape-legend .tape-{state.value}")
        assert rgb(legend.evaluate("li => getComputedStyle(li).backgroundColor")) == background
    assert len(set(seen.values())) == len(KEYS), seen  # no two states look alike
    proposed = j.page.locator("td.tape-proposed").first.evaluate(CELL_STYLE)
    assert proposed["border"] == "dashed"


def plan_now(app) -> None:
    with unit_of_work():
        run = PlanRun(time_limit=3)
        db.session.add(run)
        db.session.flush()
        run_id = run.id
    execute_run(app, run_id)


def fits_the_phone(j) -> None:
    width = j.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{j.page.url} is {width} px wide"


def within_the_screen(locator) -> None:
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_the_plan_and_my_requests_fit_a_phone_and_a_refused_form_says_why_at_the_top(
        journey, app):
    plan_now(app)
    j = journey("phone")
    j.sign_in(journey.logins["coordinator"])
    j.go("/plan")
    approve = j.page.get_by_role("button", name=re.compile("^Approve")).first
    expect(approve).to_be_visible()
    fits_the_phone(j)
    within_the_screen(approve)
    within_the_screen(j.page.get_by_role("button", name="Reject").first)
    j.check("plan")

    j.page.context.clear_cookies()
    j.sign_in(journey.logins["advocate"])
    expect(j.page.get_by_role("heading", name="My requests")).to_be_visible()
    fits_the_phone(j)
    status = j.page.locator('td[data-label="Status"]').first
    expect(status).to_be_visible()
    within_the_screen(status)
    j.check("my-requests")

    j.go("/requests/new")
    j.page.fill("#where", "")
    j.page.select_option("#people-0-age_band", "")
    j.page.click("#submit")
    summary = j.page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There are 2 problems")
    assert summary.bounding_box()["y"] < 844  # at the top, not 2,000 px down
    fits_the_phone(j)
    j.check("refused-request")
    summary.get_by_role("link", name=re.compile("^Where the person is now")).click()
    expect(j.page.locator("#where")).to_be_focused()
