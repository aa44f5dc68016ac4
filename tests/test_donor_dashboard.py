"""Donors see aggregates only: no survivor data, no hotel, no single stay's date, and no
count from 1 to 10; yet a busy donor sees most of their numbers."""

import csv
import io
import random
import re
from datetime import date, datetime

import pytest
from sqlalchemy import update

from partners.ledger import hold_points, spend_hold
from partners.points import LedgerTransaction
from placement.auth.models import Role
from placement.extensions import db
from tests.points_factories import TODAY

CELL = re.compile(r"<td[^>]*>\s*([^<]*?)\s*</td>")


def fund_stays(lot, count, rng, months=12, booking_prefix="s"):
    """`count` completed stays paid from `lot`, ending over the last `months` months."""
    for i in range(count):
        ref = f"{booking_prefix}{lot.id}-{i}"
        hold_points(db.session, lot.program_id, rng.choice([7_500, 15_000, 30_000]), ref, TODAY)
        txn = spend_hold(db.session, ref, nights=rng.randint(2, 10), persons=rng.randint(1, 5))
        month = rng.randrange(months)
        ended = datetime(2026 - (month >= 11), (10 - month) % 12 + 1, rng.randint(1, 28), 12)
        db.session.execute(
            update(LedgerTransaction).where(LedgerTransaction.id == txn.id)
            .values(created_at=ended)
        )
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
    hidden = cells.count("fewer than 11")
    numbers = [int(v.replace(",", "")) for v in cells if v != "fewer than 11"]
    assert not [n for n in numbers if 1 <= n <= 10]
    assert (len(cells) - hidden) / len(cells) >= 0.8, (hidden, len(cells))
    assert "Nights provided by month" in page.text  # the chart


def test_a_donor_with_a_few_stays_sees_them_suppressed(donor_client, make_lot):
    donor, client = donor_client()
    lot = make_lot(500_000, donor=donor, received_on=date(2026, 9, 1))
    fund_stays(lot, 3, random.Random(2), months=2)
    page = client.get("/donor/").text
    numbers = [v for v in visible_counts(page) if v != "fewer than 11"]
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
    assert counts and all(v == "fewer than 11" or not 1 <= int(v) <= 10 for v in counts)
    assert any(v not in ("0", "fewer than 11") for v in counts)


def test_a_donor_account_without_a_donor_sees_a_plain_message(make_user, login):
    client = login(make_user(Role.DONOR))
    page = client.get("/donor/")
    assert page.status_code == 200 and "No donations are linked" in page.text
    assert client.get("/donor/report.csv").status_code == 200
