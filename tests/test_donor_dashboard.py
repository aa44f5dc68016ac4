"""Donors see aggregates only: no survivor data, no hotel, no single stay's date, and no
count from 1 to 10; yet a busy donor sees most of their numbers."""

import csv
import io
import random
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from partners.ledger import hold_points, spend_hold
from partners.points import LedgerTransaction
from placement.auth.models import Role
from placement.extensions import db
from tests.points_factories import TODAY

CELL = re.compile(r"<td[^>]*>\s*([^<]*?)\s*</td>")
HIDDEN = ("fewer than 11", "hidden")
# Mid-December 2026 where the hotline is: the donor's figures are as of November 30.
NOW = datetime(2026, 12, 15, 17, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mid_december(app):
    app.config["SCHEDULER_CLOCK"] = lambda: NOW


def stay(lot, ref, ended: datetime, nights: int, persons: int,
         points: int = 15_000) -> None:
    """A completed stay paid from `lot`, approved and ended at `ended` (naive UTC)."""
    held = hold_points(db.session, lot.program_id, points, ref, TODAY)
    spent = spend_hold(db.session, ref, nights=nights, persons=persons)
    db.session.execute(
        update(LedgerTransaction).where(LedgerTransaction.id.in_([held.id, spent.id]))
        .values(created_at=ended)
    )


def fund_stays(lot, count, rng, months=12, booking_prefix="s"):
    """`count` completed stays paid from `lot`, ending over the `months` months up to
    November 2026."""
    for i in range(count):
        points = rng.choice([7_500, 15_000, 30_000])
        nights, persons, month = rng.randint(2, 10), rng.randint(1, 5), rng.randrange(months)
        ended = datetime(2026 - (month >= 11), (10 - month) % 12 + 1, rng.randint(1, 28), 12)
        stay(lot, f"{booking_prefix}{lot.id}-{i}", ended, nights, persons, points)
    db.session.commit()


@pytest.fixture
def donor_client(make_user, make_donor, login):
    def make(name="Northwind Logistics"):
        user = make_user(Role.DONOR)
        donor = make_donor(name, user=user)
        return donor, login(user)

    return make


def visible_counts(html: str) -> list[str]:
    return [value for value in CELL.findall(html) if value]


def test_a_busy_donor_sees_most_cells_and_no_small_count(donor_client, make_lot):
    donor, client = donor_client()
    rng = random.Random(11)
    lots = [make_lot(4_000_000, program=code, donor=donor, received_on=date(2025, 11, 1),
                     expires_on=date(2028, 1, 1)) for code in ("marriott", "ihg")]
    fund_stays(lots[0], 130, rng)
    fund_stays(lots[1], 70, rng)
    page = client.get("/donor/")
    assert page.status_code == 200
    cells = visible_counts(page.text)
    hidden = sum(cells.count(text) for text in HIDDEN)
    numbers = [int(v.replace(",", "")) for v in cells if v not in HIDDEN]
    assert not [n for n in numbers if 1 <= n <= 10]
    assert (len(cells) - hidden) / len(cells) >= 0.8, (hidden, len(cells))
    assert "Nights provided by month" in page.text  # the chart


def test_a_donor_with_a_few_stays_sees_them_suppressed(donor_client, make_lot):
    donor, client = donor_client()
    lot = make_lot(500_000, donor=donor, received_on=date(2026, 9, 1))
    fund_stays(lot, 3, random.Random(2), months=2)
    page = client.get("/donor/").text
    numbers = [v for v in visible_counts(page) if v not in HIDDEN]
    assert not [v for v in numbers if 1 <= int(v.replace(",", "")) <= 10]
    assert "fewer than 11" in page


def test_the_page_names_no_hotel_no_date_and_no_booking(donor_client, make_lot, create_hotel):
    donor, client = donor_client()
    lot = make_lot(500_000, donor=donor)
    create_hotel(name="Sentinel Harbor Hotel", program=lot.program.code)
    db.session.commit()
    fund_stays(lot, 30, random.Random(5), booking_prefix="booking-sentinel-")
    page = client.get("/donor/").text
    export = client.get("/donor/report.csv").text
    for text in (page, export):
        assert "Sentinel Harbor" not in text
        assert "booking-sentinel" not in text
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # months only, never a day


def test_a_donor_sees_only_their_own_points(donor_client, make_lot, make_donor):
    donor, client = donor_client("Mine Inc")
    make_lot(12_345, donor=donor)
    other = make_donor("Someone Else Corp")
    make_lot(98_765, donor=other)
    page = client.get("/donor/").text
    assert "12,345" in page
    assert "98,765" not in page and "Someone Else" not in page


def test_the_csv_export_matches_the_page_rules(donor_client, make_lot):
    donor, client = donor_client()
    lot = make_lot(2_000_000, donor=donor, received_on=date(2025, 11, 1))
    fund_stays(lot, 60, random.Random(9))
    response = client.get("/donor/report.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    counts = [r["value"] for r in rows if r["table"] != "points"]
    assert counts and all(v in HIDDEN or not 1 <= int(v) <= 10 for v in counts)
    assert any(v not in ("0", *HIDDEN) for v in counts)


def test_a_donor_account_without_a_donor_sees_a_plain_message(make_user, login):
    client = login(make_user(Role.DONOR))
    page = client.get("/donor/")
    assert page.status_code == 200 and "No donations are linked" in page.text
    assert client.get("/donor/report.csv").status_code == 200


def month_row(page: str, month: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\">{month}</th>(.*?)</tr>", page, re.S)
    assert row, f"no row for {month}"
    return CELL.findall(row.group(1))


def test_a_count_hidden_only_to_protect_another_reads_hidden(donor_client, make_lot):
    donor, client = donor_client()
    lot = make_lot(2_000_000, donor=donor, received_on=date(2026, 9, 1),
                   expires_on=date(2028, 1, 1))
    for i in range(3):
        stay(lot, f"oct-{i}", datetime(2026, 10, 10, 12), nights=3, persons=2)
    for i in range(15):
        stay(lot, f"nov-{i}", datetime(2026, 11, 10, 12), nights=3, persons=2)
    db.session.commit()
    page = client.get("/donor/").text
    assert month_row(page, "October 2026") == ["fewer than 11"] * 3
    # November's 15 stays, 45 nights and 30 people are hidden so that October's cannot be
    # worked out from the total: they are not "fewer than 11".
    assert month_row(page, "November 2026") == ["hidden", "hidden", "hidden"]
    assert month_row(page, "September 2026") == ["0", "0", "0"]
    assert "18" in visible_counts(page)  # the total
    # The chart's bars say the same as the table.
    assert "<title>Oct 26: fewer than 11</title>" in page
    assert "<title>Nov 26: hidden</title>" in page
    assert "hidden" in client.get("/donor/report.csv").text


@pytest.mark.parametrize("gifts", ["none", "unspent", "all spent", "received far ahead"])
def test_a_donor_with_no_gift_or_no_stay_yet_sees_a_page_not_an_error(donor_client, make_lot,
                                                                      gifts):
    donor, client = donor_client()
    if gifts == "unspent":
        make_lot(50_000, donor=donor, received_on=date(2026, 3, 1))
    elif gifts == "all spent":
        lot = make_lot(15_000, donor=donor, received_on=date(2026, 3, 1))
        stay(lot, "only", datetime(2026, 4, 2, 12), nights=2, persons=1)
        db.session.commit()
    elif gifts == "received far ahead":
        make_lot(50_000, donor=donor, received_on=date(9999, 12, 31),
                 expires_on=date(9999, 12, 31))
    page = client.get("/donor/")
    export = client.get("/donor/report.csv")
    assert page.status_code == 200 and export.status_code == 200
    assert "30 November 2026" in page.text
    if gifts in ("none", "received far ahead"):
        assert "No gifts" in page.text
        assert export.text.splitlines() == ["table,month,program,measure,value"]
    else:
        assert "No gifts" not in page.text
        assert "Marriott Bonvoy" in page.text and "Marriott Bonvoy" in export.text
