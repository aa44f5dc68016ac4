"""The funders' exports from the database: the counts each month is made of (by hand),
which months an export may show, and the CSV and print pages, on SQLite and PostgreSQL.

The history (hotline in New York; January's figures are taken at midnight on March 1):

| requests | month | state | priority | type | outcome (decided) | stay |
|---|---|---|---|---|---|---|
| 15 | Jan | CA | high | sex | on time (Jan 20) | shelter, 2 nights, checked out |
| 3 | Jan | CA | critical | labor | not placed, planner.distance (Jan 25) | |
| 1 | Jan | CA | normal | none | on time, but decided Mar 5: not by then | hotel, 4 nights |
| 2 | Jan | TX | critical | labor | not placed, declined.no_bed (Jan 25) | |
| 12 | Feb | CA | high | sex | on time (Feb 20) | |
"""

import copy
import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from placement.auth.models import Role
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.reports.disclosure import protect
from placement.reports.export_queries import (
    _publish,
    export_months,
    last_settled,
    month_counts,
    protected_months,
    reason_group,
    settled_until,
)
from placement.reports.filters import BadFilter, Filters
from placement.reports.models import PublishedMonth
from placement.requests.models import HousingRequest, Priority, TraffickingType
from placement.requests.outcomes import REASONS, OutcomeKind, RequestOutcome

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
ZONE = "America/New_York"
pytestmark = pytest.mark.db


@pytest.fixture
def history(create_request, create_booking, create_shelter, create_hotel):
    shelter, hotel = create_shelter(), create_hotel()

    def filed(month, state, priority, kind, n, outcome=None, reason=None, decided=None,
              stay=None):
        for i in range(n):
            r = create_request(priority=priority, earliest=month)
            r.created_at = datetime(month.year, month.month, 3 + i, 15)
            r.filed_month, r.us_state, r.trafficking_type = month, state, kind
            if outcome:
                db.session.add(RequestOutcome(request_id=r.id, kind=outcome, reason=reason,
                                              decided_at=decided))
            if stay:
                place, nights = stay
                r.checked_in_at = r.created_at
                create_booking(place, r, check_in=month, nights=nights,
                               state=BookingState.CHECKED_OUT)

    on_time, unplaced = OutcomeKind.PLACED_ON_TIME, OutcomeKind.UNPLACED
    sex, labor = TraffickingType.SEX, TraffickingType.LABOR
    filed(JAN, "CA", Priority.HIGH, sex, 15, on_time, None, datetime(2026, 1, 20),
          (shelter, 2))
    filed(JAN, "CA", Priority.CRITICAL, labor, 3, unplaced, "planner.distance",
          datetime(2026, 1, 25))
    filed(JAN, "CA", Priority.NORMAL, None, 1, on_time, None, datetime(2026, 3, 5),
          (hotel, 4))
    filed(JAN, "TX", Priority.CRITICAL, labor, 2, unplaced, "declined.no_bed",
          datetime(2026, 1, 25))
    filed(FEB, "CA", Priority.HIGH, sex, 12, on_time, None, datetime(2026, 2, 20))
    db.session.flush()


def test_each_months_counts_by_hand(history):
    counts = month_counts(db.session, [JAN, FEB], ZONE)
    assert counts[JAN].requests == {
        "CA": {"outcome": {"on_time": 15, "unplaced.no_fit": 3, "undecided": 1},
               "priority": {"high": 15, "critical": 3, "normal": 1},
               "type": {"sex": 15, "labor": 3, "none": 1}},
        "TX": {"outcome": {"unplaced.full": 2}, "priority": {"critical": 2},
               "type": {"labor": 2}}}
    # The hotel stay's request checked in in January, so its nights count, though its
    # outcome came too late to.
    assert counts[JAN].stays == {"CA": {"shelter": (15, 30), "hotel": (1, 4)}}
    assert counts[FEB].requests == {"CA": {"outcome": {"on_time": 12},
                                           "priority": {"high": 12}, "type": {"sex": 12}}}
    assert counts[FEB].stays == {}


def test_a_published_month_keeps_its_figures_whatever_is_edited_later(history, app):
    first = month_counts(db.session, [JAN], ZONE)[JAN]
    request = db.session.scalars(select(HousingRequest).where(
        HousingRequest.filed_month == JAN, HousingRequest.us_state == "TX")).first()
    request.trafficking_type, request.us_state = TraffickingType.SEX, "WY"
    db.session.commit()
    assert month_counts(db.session, [JAN], ZONE)[JAN] == first
    assert db.session.scalar(select(PublishedMonth.counts))["requests"]["TX"]["type"] == {
        "labor": 2}
    # A month not yet settled is counted afresh each time, and not published.
    app.config["SCHEDULER_CLOCK"] = lambda: datetime(2026, 3, 15, 12, tzinfo=UTC)
    assert month_counts(db.session, [FEB], ZONE)[FEB].requests["CA"]["type"] == {"sex": 12}
    assert db.session.scalars(select(PublishedMonth.month)).all() == [JAN]


def test_two_first_exports_at_once_publish_one_set_of_counts(app):
    mine, theirs = {"requests": {"CA": {"outcome": {"on_time": 12}}}}, {"requests": {}}
    assert _publish(db.session, {JAN: mine}) == {JAN: mine}
    assert _publish(db.session, {JAN: theirs}) == {JAN: mine}  # the first one stands


def test_a_published_month_reads_as_it_was_suppressed_then(history):
    """The cells hidden are published with the counts: a later version that suppressed
    otherwise would still show the month as first published."""
    first = protected_months(db.session, [JAN], ZONE)[JAN]
    assert first == protect(month_counts(db.session, [JAN], ZONE)[JAN])
    was = published_otherwise(first)
    assert protected_months(db.session, [JAN], ZONE)[JAN].total["CA"].hidden != was.hidden


def published_otherwise(first):
    """January as if published otherwise back then (and so at another moment): its
    California total's hidden flag flipped. What it was."""
    published = db.session.get(PublishedMonth, JAN)
    figures = copy.deepcopy(published.counts["figures"])
    was = first.total["CA"]
    figures["total"]["CA"] = [was.value, not was.hidden, "19" if was.hidden else "hidden"]
    published.counts = dict(published.counts, figures=figures)
    published.published_at = datetime(2026, 3, 2)
    db.session.flush()
    return was


def test_a_month_is_taken_as_it_stood_when_the_month_after_it_ended():
    assert settled_until(JAN, ZONE) == datetime(2026, 3, 1, 5, 0)  # midnight EST in UTC
    assert settled_until(date(2026, 5, 1), ZONE) == datetime(2026, 7, 1, 4, 0)  # EDT
    assert last_settled(date(2026, 3, 15)) == JAN
    assert last_settled(date(2026, 3, 1)) == JAN
    assert last_settled(date(2026, 2, 28)) == date(2025, 12, 1)
    assert export_months(Filters(JAN, MAR), date(2026, 3, 15)) == [JAN]
    with pytest.raises(BadFilter, match="latest it can show now is January 2026"):
        export_months(Filters(FEB, MAR), date(2026, 3, 15))


def test_every_reason_code_falls_in_one_group():
    groups = {code: reason_group(code) for code in REASONS}
    assert groups["planner.distance"] == groups["planner.rules"] == "no_fit"
    assert groups["planner.full_alone"] == groups["declined.no_bed"] == "full"
    assert groups["hold_expired"] == groups["declined.safety"] == groups["no_show"] == \
        "fell_through"
    assert groups["ended.found_housing"] == "not_needed"
    assert groups["ended.uncoded"] == groups["not_planned"] == "other"
    assert reason_group(None) == "other"


@pytest.mark.parametrize("role, status", [(Role.COORDINATOR, 200), (Role.ADMIN, 200),
                                          (Role.ADVOCATE, 403), (Role.DONOR, 403)])
def test_only_coordinators_and_admins_download_exports(make_user, login, role, status):
    client = login(make_user(role))
    assert client.get("/reports/export.csv?from=2026-01&to=2026-02").status_code == status
    assert client.get("/reports/print?from=2026-01&to=2026-02").status_code == status


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))


def test_the_csv_hides_small_counts_and_totals_over_them(history, make_user, login):
    client = login(make_user(Role.COORDINATOR))
    response = client.get("/reports/export.csv?from=2026-01-15&to=2026-02&state=CA")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=shelter-bridge-CA-2026-01-to-2026-02.csv")
    rows = _csv(response)
    assert db.session.scalars(select(PublishedMonth.month)).all() == [JAN, FEB]
    assert ["about", "area", "", "California"] in rows
    table = "Requests filed, and what became of them"
    found = {(row[1], row[2]): row[3] for row in rows if row[0] == table}
    assert found["Jan 2026", "Not placed: no place in reach fitted"] == "fewer than 11"
    assert found["Jan 2026", "Not decided by then"] == "fewer than 11"
    assert found["Feb 2026", "Placed on time"] == "12"
    assert found["All these months", "Not placed: no place in reach fitted"] == "hidden"
    for (_row, _column), value in found.items():
        assert not value.isdigit() or int(value) == 0 or int(value) >= 11
    # January's 30 shelter nights come from 15 stays; its 4 hotel nights from one.
    nights = {(row[1], row[2]): row[3] for row in rows if row[0].startswith("Nights")}
    assert nights["Jan 2026", "Hotel nights"] == "hidden (fewer than 11 stays)"


def test_the_print_page_of_the_nation_has_its_map_and_says_what_it_left_out(
        history, make_user, login):
    client = login(make_user(Role.COORDINATOR))
    page = client.get("/reports/print?from=2026-01&to=2026-02&state=all&program=shelter"
                      "&priority=high&organization=hotline")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Housing requests: All states, DC and Puerto Rico" in text
    assert "Jan 2026 to Feb 2026" in text
    assert ("the program, priority and organization chosen on the reports page do not "
            "apply") in text
    assert 'role="img"' in text and "report-print.css" in text
    assert 'href="/reports/export.csv?' in text and "program=all" in text
    states = text.split("export-states")[1]
    assert states.index("Alabama") < states.index("Alaska") < states.index("Arizona")


def test_a_bad_or_unsettled_filter_is_a_400_that_says_why(history, make_user, login, app):
    client = login(make_user(Role.COORDINATOR))
    response = client.get("/reports/export.csv?from=2026-13")
    assert response.status_code == 400 and "like 2026-03" in response.text
    app.config["SCHEDULER_CLOCK"] = lambda: datetime(2026, 3, 15, 12, tzinfo=UTC)
    page = client.get("/reports/print?from=2026-02&to=2026-03")
    assert page.status_code == 400
    assert "the latest it can show now is January 2026" in page.text



def test_the_api_s_reports_show_each_month_as_published_as_the_csv_does(
        history, app, make_key):
    """The integration API's reports are the funders' export itself: a month's hidden
    cells as first published, never suppressed afresh (else the API and the CSV, suppressed
    by two versions, could be differenced into a hidden cell)."""
    from tests.api_support import bearer

    was = published_otherwise(protected_months(db.session, [JAN], ZONE)[JAN])
    db.session.commit()
    _key, token = make_key()
    answer = app.test_client().get("/api/v1/reports?from=2026-01&to=2026-01&state=CA",
                                   headers=bearer(token))
    assert answer.status_code == 200, answer.text
    requests = next(t for t in answer.json["tables"] if t["key"] == "requests")
    (january,) = requests["rows"]
    total = january["cells"][0]  # California's requests filed in January
    # As published (the hidden flag flipped above), not as protect() would say today.
    assert (total["value"] is None) == (not was.hidden), january
