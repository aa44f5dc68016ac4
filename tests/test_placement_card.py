"""The placement card: the advocate learns where to send the person the moment a stay is
approved, on the request's page (kept current by a poll) and in "My requests"."""

import time
from datetime import date, timedelta

import pytest

from placement.auth.models import Role
from placement.bookings import service
from placement.crypto import encrypt_note
from placement.extensions import db
from tests.conftest import sign_in

CHECK_IN = date.today() + timedelta(days=1)


@pytest.fixture
def case(app, create_shelter, create_request, create_booking, make_user):
    """A request of its advocate's, and a proposal for it at a confidential shelter."""
    advocate = make_user(Role.ADVOCATE)
    coordinator = make_user(Role.COORDINATOR)
    shelter = create_shelter(name="Harbor House", capacity=5, confidential=True,
                             intake_contact="555-0142 (24 hours)",
                             intake_instructions="Staff meet you at the library on Elm St")
    request = create_request(created_by_id=advocate.id, earliest=CHECK_IN, nights=2,
                             note_encrypted=encrypt_note("SENTINEL-NOTE-5521"),
                             avoid=[("20005", 2)])
    booking = create_booking(shelter, request=request, check_in=CHECK_IN, nights=2)
    db.session.commit()
    return advocate, coordinator, request, booking


def poll(client, request):
    response = client.get(f"/requests/{request.id}/card")
    assert response.status_code == 200, response.status_code
    return response.json


def test_the_card_appears_when_the_stay_is_approved_and_follows_the_answer(case, login):
    advocate, coordinator, request, booking = case
    client = login(advocate)
    page = client.get(f"/requests/{request.id}").text
    assert "No place yet" in page and 'id="placement-card"' in page
    before = poll(client, request)
    assert f'data-version="{before["version"]}"' in page  # the page and its poll agree

    service.approve(db.session, booking, coordinator.id, date.today())
    db.session.commit()
    held = poll(client, request)
    assert held["version"] != before["version"]
    assert (before["status"], held["status"]) == ("Pending", "Placed")  # the page's badge
    html = held["html"]
    assert "Harbor House" in html and "Shelter in" in html and "555-0142" in html
    assert "Held until" in html and "waiting for the shelter's yes" in html
    assert "Staff meet you at the library on Elm St." in html  # read aloud
    assert "12 Confidential Lane" not in html  # a confidential shelter's address

    code = service.accept(db.session, booking, None)
    db.session.commit()
    confirmed = poll(client, request)["html"]
    assert f"code <strong>{code}</strong>" in confirmed
    assert f"When you arrive, give the code {code}." in confirmed
    assert "Harbor House" in client.get("/advocate").text  # "My requests", compact


def test_coordinators_see_the_confidential_address_on_the_card(case, login):
    _advocate, coordinator, request, booking = case
    service.approve(db.session, booking, coordinator.id, date.today())
    db.session.commit()
    html = poll(login(coordinator), request)["html"]
    assert "12 Confidential Lane" in html and "coordinators only" in html


def test_a_declined_stay_says_the_hotline_is_finding_another_place(case, login):
    advocate, coordinator, request, booking = case
    service.approve(db.session, booking, coordinator.id, date.today())
    service.decline(db.session, booking, None, "safety")
    db.session.commit()
    html = poll(login(advocate), request)["html"]
    assert "the place said no" in html and "finding another place" in html
    assert "Safety" not in html  # the place's reason is for the hotline


def test_the_poll_shows_no_more_than_the_page_and_only_to_who_may_see_it(
        case, login, make_user, app):
    advocate, coordinator, request, booking = case
    service.approve(db.session, booking, coordinator.id, date.today())
    db.session.commit()
    body = login(advocate).get(f"/requests/{request.id}/card").text
    for secret in ("SENTINEL-NOTE-5521", "20005", "20002", request.location_label or "-"):
        assert secret not in body
    for role, refused in ((Role.ADVOCATE, 404), (Role.DONOR, 403)):
        other = sign_in(app.test_client(), make_user(role, email=f"{role.value}2@example.org"))
        assert other.get(f"/requests/{request.id}/card").status_code == refused


def test_a_poll_is_not_activity_and_answers_401_once_the_session_ended(case, login):
    advocate, *_rest, request, _booking = case
    client = login(advocate)
    client.get("/")
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 10 * 60
    poll(client, request)
    with client.session_transaction() as session:
        assert int(time.time()) - session["last_seen"] >= 10 * 60  # not moved by the poll
        session["last_seen"] = int(time.time()) - 16 * 60
    response = client.get(f"/requests/{request.id}/card")
    assert response.status_code == 401 and response.json == {"signed_out": True}
