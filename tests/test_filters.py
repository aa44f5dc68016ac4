"""Dates say their year when it is not this year; stored moments read in the hotline's own
time zone, with its abbreviation. One filter each (placement/filters.py), used by every
template."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from placement.auth.models import Role
from placement.extensions import db
from placement.filters import day, hotline_time, hotline_today
from placement.planning.models import PlanRun

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.fixture
def hotline():
    """The filters need only the app's configuration: no database."""
    bare = Flask(__name__)
    bare.config["HOTLINE_TIMEZONE"] = "America/New_York"
    with bare.app_context():
        yield bare


def test_a_date_this_year_has_no_year_and_one_in_another_year_has_it(hotline):
    year = hotline_today().year
    assert day(date(year, 12, 3)) == "Dec 3"
    assert day(date(year, 3, 5), weekday=True) == f"{date(year, 3, 5):%a} Mar 5"
    assert day(date(year + 1, 1, 4)) == f"Jan 4, {year + 1}"
    new_years_eve = date(year - 1, 12, 31)
    assert day(new_years_eve, weekday=True) == f"{new_years_eve:%a} Dec 31, {year - 1}"
    assert day(None) == ""


def test_a_stored_moment_reads_in_the_hotline_zone_with_its_abbreviation(hotline):
    year = hotline_today().year
    assert hotline_time(datetime(year, 1, 15, 14, 5)) == "Jan 15, 09:05 EST"
    assert hotline_time(datetime(year, 7, 15, 14, 5, 9), seconds=True) == "Jul 15, 10:05:09 EDT"
    assert hotline_time(datetime(year, 7, 15, 3, 0, tzinfo=UTC)) == "Jul 14, 23:00 EDT"
    assert hotline_time(datetime(year - 1, 7, 15, 14, 5)) == f"Jul 15, {year - 1}, 10:05 EDT"
    assert hotline_time(datetime(year, 1, 15, 14, 5), with_day=False) == "09:05 EST"
    hotline.config["HOTLINE_TIMEZONE"] = "America/Sao_Paulo"  # a zone with no letters
    assert hotline_time(datetime(year, 1, 15, 14, 5)) == "Jan 15, 11:05 UTC-03"
    assert hotline_time(None) == ""


def test_no_template_formats_a_day_or_a_time_by_hand():
    """strftime is left for a weekday's name and a month with its year; days and times go
    through `day` and `hotline_time`."""
    allowed = {"%a", "%B %Y"}
    found = {(path.relative_to(TEMPLATES).as_posix(), fmt)
             for path in TEMPLATES.rglob("*.html")
             for fmt in re.findall(r"strftime\(['\"]([^'\"]*)['\"]\)", path.read_text())
             if fmt not in allowed}
    assert found == set()
    by_hand = [path.name for path in TEMPLATES.rglob("*.html")
               if " UTC" in path.read_text() or "|night" in path.read_text()]
    assert by_hand == []  # "|night" never says the year


def test_the_plan_page_gives_the_last_run_in_hotline_time(app, make_user, login):
    app.config["HOTLINE_TIMEZONE"] = "America/Chicago"
    db.session.add(PlanRun(time_limit=3, created_at=datetime(2026, 1, 10, 15, 30)))
    db.session.commit()
    page = login(make_user(Role.COORDINATOR)).get("/plan")
    assert page.status_code == 200
    year = "" if hotline_today().year == 2026 else ", 2026"
    assert f"last run Jan 10{year}, 09:30 CST" in page.text


def test_a_request_arriving_next_year_shows_its_year(app, make_user, login, create_request):
    advocate = make_user(Role.ADVOCATE)
    arrival = hotline_today() + timedelta(days=400)
    create_request(earliest=arrival, latest=arrival, created_by_id=advocate.id)
    db.session.commit()
    page = login(advocate).get("/advocate")
    assert f"{arrival:%b} {arrival.day}, {arrival.year}" in page.text
