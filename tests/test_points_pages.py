from datetime import date

from sqlalchemy import func, select

from partners.ledger import program_balances
from partners.points import Donor, PointsLot
from placement.auth.models import Role
from placement.extensions import db


def test_a_coordinator_records_a_donation_once_even_if_sent_twice(make_user, login, make_donor,
                                                                    make_program):
    donor, program = make_donor("Blue Heron"), make_program("marriott")
    client = login(make_user(Role.COORDINATOR))
    form = {"idempotency_key": "abc123", "program_id": program.id, "points": "250000",
            "received_on": "2026-11-01", "expires_on": ""}
    first = client.post(f"/donors/{donor.id}/lots", data=form)
    again = client.post(f"/donors/{donor.id}/lots", data=form)
    assert first.status_code == again.status_code == 302
    assert db.session.scalar(select(func.count(PointsLot.id))) == 1
    lot = db.session.scalar(select(PointsLot))
    assert lot.expires_on == date(2028, 11, 1)  # Marriott: 24 months
    assert program_balances(db.session, program.id).available == 250_000
    page = client.get(f"/donors/{donor.id}").text
    assert "250,000" in page


def test_a_bad_donation_keeps_what_was_typed_and_records_nothing(make_user, login, make_donor,
                                                                 make_program):
    donor, program = make_donor(), make_program("ihg")
    client = login(make_user(Role.COORDINATOR))
    for points, expires, message in [("0", "", "Number must be"), ("abc", "", "Not a valid"),
                                     ("5000", "2020-01-01", "comes before")]:
        response = client.post(f"/donors/{donor.id}/lots", data={
            "idempotency_key": "k-" + points, "program_id": program.id, "points": points,
            "received_on": "2026-11-01", "expires_on": expires,
        })
        assert response.status_code == 400
        assert message in response.text
        assert 'value="2026-11-01"' in response.text
    assert db.session.scalar(select(func.count(PointsLot.id))) == 0


def test_adding_a_donor_links_a_donor_account(make_user, login):
    account = make_user(Role.DONOR, email="giving@northwind.example")
    client = login(make_user(Role.COORDINATOR))
    response = client.post("/donors", data={"name": "Northwind", "kind": "company",
                                            "user_id": account.id})
    assert response.status_code == 302
    donor = db.session.scalar(select(Donor))
    assert donor.user_id == account.id
    assert "giving@northwind.example" in client.get("/donors").text
    assert client.post("/donors", data={"name": "", "kind": "company"}).status_code == 400


def test_the_overview_lists_balances_and_lots_expiring_soon(make_user, login, make_lot):
    soon = date.today().toordinal() + 20
    make_lot(40_000, program="wyndham", received_on=date.today(),
             expires_on=date.fromordinal(soon))
    client = login(make_user(Role.COORDINATOR))
    page = client.get("/points").text
    assert "Wyndham Rewards" in page and "40,000" in page
    assert "(20 days)" in page


def test_writing_off_expired_lots(make_user, login, make_lot):
    lot = make_lot(9_000, received_on=date(2024, 1, 1), expires_on=date(2024, 12, 31))
    client = login(make_user(Role.COORDINATOR))
    response = client.post("/points/expire", follow_redirects=True)
    assert "Wrote off 9,000 expired points from 1 lots" in response.text
    assert program_balances(db.session, lot.program_id).expired == 9_000
    again = client.post("/points/expire", follow_redirects=True)
    assert "No lot has expired points" in again.text


def test_points_pages_use_the_hotline_date_not_the_servers(app, make_user, login, make_donor):
    """At 03:00 UTC on Dec 2 it is still Dec 1 at a New York hotline: a gift recorded then
    is received on Dec 1, and lots expire by the hotline's day."""
    from datetime import UTC, datetime

    app.config.update(HOTLINE_TIMEZONE="America/New_York",
                      SCHEDULER_CLOCK=lambda: datetime(2026, 12, 2, 3, 0, tzinfo=UTC))
    donor = make_donor()
    page = login(make_user(Role.COORDINATOR)).get(f"/donors/{donor.id}").text
    assert 'value="2026-12-01"' in page
