"""A donor's figures move once a month, never with one stay.

Every per-donor figure (points given, held, spent, expired, left; stays, nights and people
by month and by program) is as of the end of the last complete month in the hotline's time
zone, so approving, checking in or ending a stay changes nothing a donor sees until that
month is over, when it is one among the month's stays.
"""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from partners.ledger import hold_points, spend_hold
from partners.points import LedgerTransaction
from partners.reports import donor_report
from placement.auth.models import Role
from placement.bookings import service
from placement.extensions import db

CELL = re.compile(r"<td[^>]*>\s*([^<]*?)\s*</td>")
HOTLINE = ZoneInfo("America/New_York")


class Clock:
    """The app's injected clock (the donor views read it as the scheduler does)."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app):
    clock = Clock(datetime.now(UTC))
    app.config["SCHEDULER_CLOCK"] = clock
    return clock


@pytest.fixture
def donor_account(make_user, make_donor, login):
    user = make_user(Role.DONOR)
    return make_donor("Northwind Logistics", user=user), login(user)


def figures(client) -> tuple[list[str], str]:
    page = client.get("/donor/")
    export = client.get("/donor/report.csv")
    assert page.status_code == export.status_code == 200
    return CELL.findall(page.text), export.text


def next_month_start(moment: datetime) -> datetime:
    local = moment.astimezone(HOTLINE)
    first = date(local.year + local.month // 12, local.month % 12 + 1, 1)
    return datetime(first.year, first.month, first.day, 1, tzinfo=HOTLINE).astimezone(UTC)


def test_approving_and_ending_a_stay_changes_no_donor_figure_until_the_month_is_over(
        clock, donor_account, make_lot, make_user, create_hotel, create_booking):
    donor, client = donor_account
    today = clock.now.astimezone(HOTLINE).date()
    make_lot(500_000, program="ihg", donor=donor, received_on=today - timedelta(days=70))
    hotel = create_hotel(program="ihg", standard_points=35_000)
    coordinator = make_user(Role.COORDINATOR)
    before = figures(client)
    assert "500,000" in before[0]  # the gift, received before this month, is there

    booking = create_booking(hotel, check_in=today, nights=2)
    service.approve(db.session, booking, coordinator.id, today)
    db.session.commit()
    assert figures(client) == before  # "held" does not jump by 70,000
    service.confirm(db.session, booking, coordinator.id, "HX-1", None, today)
    service.check_in(db.session, booking, coordinator.id)
    service.check_out(db.session, booking, coordinator.id, booking.check_out)
    db.session.commit()
    assert figures(client) == before  # nor does "spent" at check-out

    clock.now = next_month_start(clock.now)
    cells, export = figures(client)
    assert cells != before[0]
    assert "70,000" in cells and "430,000" in cells  # spent, and left
    rows = list(csv.DictReader(io.StringIO(export)))
    assert {"spent": "70000"}.items() <= {r["measure"]: r["value"] for r in rows
                                          if r["table"] == "points"}.items()


def spend_at(lot, moment: datetime, ref: str, nights: int = 3, persons: int = 2) -> None:
    """A stay paid from `lot` whose hold and spend were recorded at `moment` (UTC)."""
    held = hold_points(db.session, lot.program_id, 15_000, ref, moment.date())
    spent = spend_hold(db.session, ref, nights=nights, persons=persons)
    db.session.execute(
        update(LedgerTransaction).where(LedgerTransaction.id.in_([held.id, spent.id]))
        .values(created_at=moment.astimezone(UTC).replace(tzinfo=None)))
    db.session.commit()


def test_months_are_the_hotline_s_months(app, make_donor, make_lot):
    donor = make_donor()
    lot = make_lot(500_000, donor=donor, received_on=date(2026, 9, 1))
    # 22:00 on November 30 in New York is already December 1 in UTC.
    spend_at(lot, datetime(2026, 12, 1, 3, tzinfo=UTC), "late-november")
    spend_at(lot, datetime(2026, 12, 1, 6, tzinfo=UTC), "early-december")
    report = donor_report(db.session, donor.id, date(2026, 12, 1), "America/New_York")
    assert report.months == [date(2026, m, 1) for m in (9, 10, 11)]
    assert report.by_month.cells[-1] == [1, 3, 2]  # the late-November stay, not December's
    assert report.as_of == date(2026, 11, 30)
    spent = {p.program: p.balances.spent for p in report.programs}
    assert spent == {"Marriott Bonvoy": 15_000}


def test_the_donor_pages_use_the_hotline_s_date_not_the_server_s(clock, donor_account,
                                                                 make_lot):
    donor, client = donor_account
    lot = make_lot(2_000_000, donor=donor, received_on=date(2026, 8, 3),
                   expires_on=date(2028, 1, 1))
    for i in range(12):
        spend_at(lot, datetime(2026, 11, 15, 17, tzinfo=UTC), f"nov-{i}")
    # 22:00 on November 30 in New York: the server's date is already December 1, but
    # November is not over where the hotline is.
    clock.now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    page = client.get("/donor/").text
    assert "31 October 2026" in page
    assert "November 2026" not in page and "2,000,000" in page
    assert "2026-11" not in client.get("/donor/report.csv").text
    clock.now = datetime(2026, 12, 1, 6, tzinfo=UTC)
    page = client.get("/donor/").text
    assert "30 November 2026" in page and "November 2026</th>" in page


def test_a_gift_recorded_this_month_waits_for_the_month_to_end(clock, donor_account, make_lot):
    donor, client = donor_account
    today = clock.now.astimezone(HOTLINE).date()
    make_lot(123_456, donor=donor, received_on=today)
    page = client.get("/donor/").text
    assert "123,456" not in page and "No gifts" in page
    clock.now = next_month_start(clock.now)
    assert "123,456" in client.get("/donor/").text
