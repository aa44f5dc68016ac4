"""Shelter staff confirm tonight's free beds through a signed, expiring, revocable link."""

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from partners.availability import (
    hold_beds,
    issue_staff_link,
    local_today,
    recent_reports,
    shelter_nights,
)
from partners.base import utcnow
from placement.auth.models import Role
from placement.extensions import db
from placement.places.tokens import staff_token


@pytest.fixture
def linked_shelter(create_shelter):
    """A shelter with a live staff link; returns (shelter, its report URL)."""
    def create(**fields):
        shelter = create_shelter(**fields)
        issue_staff_link(db.session, shelter, utcnow())
        db.session.commit()
        return shelter, f"/report/{staff_token(shelter)}"
    return create


def tonight(shelter):
    day = local_today(shelter.timezone, utcnow())
    return shelter_nights(db.session, shelter, day, day)[0]


def test_the_page_shows_the_shelter_tonight_and_its_free_beds_but_no_address(
        client, linked_shelter):
    shelter, url = linked_shelter(capacity=7)
    page = client.get(url)
    assert page.status_code == 200
    assert "Harbor House" in page.text and "Confirm: 7 free" in page.text
    assert "12 Confidential Lane" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_staff_update_the_free_beds_and_are_thanked(client, linked_shelter):
    shelter, url = linked_shelter(capacity=10)
    response = client.post(url, data={"free_beds": "4"})
    assert response.status_code == 302 and response.headers["Location"] == url
    assert "Thank you. 4 free beds recorded for tonight" in client.get(url).text
    db.session.refresh(shelter)
    night = tonight(shelter)
    assert night.free == 4 and night.taken_outside == 6 and night.reported
    assert utcnow() - shelter.confirmed_at < timedelta(minutes=1)
    [report] = recent_reports(db.session, shelter)
    assert (report.free_beds, report.taken_outside, report.source) == (4, 6, "staff link")


def test_confirming_the_shown_number_refreshes_the_confirmation(client, linked_shelter):
    shelter, url = linked_shelter(capacity=3, confirmed_at=utcnow() - timedelta(hours=9))
    client.post(url, data={"free_beds": "3", "confirm": "1"})
    db.session.refresh(shelter)
    assert utcnow() - shelter.confirmed_at < timedelta(minutes=1)


def test_confirming_a_page_left_open_keeps_the_hotlines_new_holds(client, linked_shelter):
    shelter, url = linked_shelter(capacity=5)
    client.post(url, data={"free_beds": "3"})  # 2 beds taken by people placed elsewhere
    assert "Confirm: 3 free" in client.get(url).text
    hold_beds(db.session, shelter.id, local_today(shelter.timezone, utcnow()), 1, 2, "b-1")
    response = client.post(url, data={"free_beds": "3", "confirm": "1"})  # the old page
    assert response.status_code == 302
    night = tonight(shelter)
    assert night.free == 1 and night.taken_outside == 2 and night.held == 2


@pytest.mark.parametrize("typed, message", [
    ("12", "at most 10 can be free, not 12"),
    ("-2", "Number must be between 0 and 10000."),
    ("", "How many beds are free tonight?"),
])
def test_an_impossible_number_is_a_400_that_says_why(client, linked_shelter, typed, message):
    shelter, url = linked_shelter(capacity=10)
    response = client.post(url, data={"free_beds": typed})
    assert response.status_code == 400
    assert message in response.text
    db.session.refresh(shelter)
    assert shelter.confirmed_at is None


@pytest.mark.parametrize("token", ["nonsense", "eyJhbGciOi.x.y"])
def test_a_made_up_link_is_a_clear_404(client, token):
    for method in ("GET", "POST"):
        response = client.open(f"/report/{token}", method=method, data={"free_beds": "1"})
        assert response.status_code == 404
        assert "This link is not valid" in response.text


def test_a_link_signed_with_another_key_is_refused(app, client, linked_shelter):
    shelter, _url = linked_shelter()
    app.config["SECRET_KEY"] = "another key"
    forged = staff_token(shelter)
    app.config["SECRET_KEY"] = "the real one"
    assert client.get(f"/report/{forged}").status_code == 404


def test_a_revoked_link_stops_working_at_once(client, linked_shelter, make_user, login):
    shelter, url = linked_shelter()
    coordinator = login(make_user(Role.COORDINATOR))
    assert coordinator.post(f"/places/shelters/{shelter.id}/link/revoke").status_code == 302
    for method in ("GET", "POST"):
        response = client.open(url, method=method, data={"free_beds": "1"})
        assert response.status_code == 410
        assert "no longer active" in response.text
    db.session.refresh(shelter)
    assert shelter.confirmed_at is None
    assert "No staff link is active" in coordinator.get(f"/places/shelters/{shelter.id}").text


def test_reissuing_kills_the_old_link_and_the_new_one_works(client, linked_shelter, make_user,
                                                           login):
    shelter, old_url = linked_shelter()
    coordinator = login(make_user(Role.COORDINATOR))
    coordinator.post(f"/places/shelters/{shelter.id}/link")
    # The token carries its signing second, so read the link the page shows rather than
    # signing one here (a second may pass between the two).
    page = coordinator.get(f"/places/shelters/{shelter.id}").text
    new_url = "/report/" + page.split("/report/")[1].split('"')[0].split("<")[0]
    assert new_url != old_url
    assert client.get(old_url).status_code == 410
    assert client.get(new_url).status_code == 200


def test_a_link_expires_thirty_days_after_it_was_issued(client, linked_shelter):
    shelter, url = linked_shelter()
    shelter.staff_link_issued_at = utcnow() - timedelta(days=30, minutes=1)
    db.session.commit()
    assert client.get(url).status_code == 410


def test_a_token_older_than_thirty_days_is_refused_as_expired(client, linked_shelter,
                                                             monkeypatch):
    shelter, _url = linked_shelter()
    long_ago = int(time.time()) - 31 * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
    old = staff_token(shelter)
    monkeypatch.undo()
    response = client.get(f"/report/{old}")
    assert response.status_code == 410 and "This link has expired" in response.text


def test_a_coordinator_issues_the_first_link_from_the_shelter_page(
        make_user, login, create_shelter):
    shelter = create_shelter()
    db.session.commit()
    coordinator = login(make_user(Role.COORDINATOR))
    assert "Issue a staff link" in coordinator.get(f"/places/shelters/{shelter.id}").text
    page = coordinator.post(f"/places/shelters/{shelter.id}/link", follow_redirects=True).text
    assert "Staff link issued" in page and "/report/" in page
