"""A pending request is changed without filing it again: dates, nights, areas to avoid.
Its proposals (made for what it was) go in the same transaction; the audit log names what
changed, never the values."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.requests.models import HousingRequest
from placement.requests.service import local_today
from tests.conftest import sign_in

TODAY = local_today("America/New_York")  # where the requests are (20002)


@pytest.fixture
def pending(create_request, create_shelter, create_booking, make_user):
    advocate = make_user(Role.ADVOCATE)
    request = create_request(created_by_id=advocate.id, earliest=TODAY,
                             latest=TODAY + timedelta(days=1), nights=3, avoid=[("20005", 2)])
    proposal = create_booking(create_shelter(capacity=4), request=request, check_in=TODAY)
    db.session.commit()
    return advocate, request, proposal


def form(request, **changes) -> dict:
    data = {"earliest": request.earliest.isoformat(), "latest": request.latest.isoformat(),
            "nights": str(request.nights), "danger_zones-0-where": "20005",
            "danger_zones-0-miles": "2"}
    return data | changes


def test_the_advocate_changes_the_nights_and_the_proposal_goes(pending, login):
    advocate, request, proposal = pending
    client = login(advocate)
    page = client.get(f"/requests/{request.id}/edit")
    assert page.status_code == 200 and 'value="20005' in page.text  # filled in as it is
    response = client.post(f"/requests/{request.id}/edit", data=form(request, nights="5"))
    assert response.status_code == 303
    assert "changed the nights." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert db.session.get(HousingRequest, request.id).nights == 5
    assert db.session.get(Booking, proposal.id).state is BookingState.CANCELLED
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "edit"))
    assert (event.actor_id, event.detail) == (advocate.id, "changed nights")


def test_areas_to_avoid_are_replaced_and_nothing_changed_keeps_the_proposal(pending, login):
    advocate, request, proposal = pending
    client = login(advocate)
    client.post(f"/requests/{request.id}/edit", data=form(request))  # nothing changed
    db.session.expire_all()
    assert db.session.get(Booking, proposal.id).state is BookingState.PROPOSED
    client.post(f"/requests/{request.id}/edit", data=form(
        request, **{"danger_zones-0-where": "", "danger_zones-1-where": "10001",
                    "danger_zones-1-miles": "7"}))
    db.session.expire_all()
    zones = db.session.get(HousingRequest, request.id).danger_zones
    assert [(z.label, z.miles) for z in zones] == [("10001", 7)]
    assert db.session.get(Booking, proposal.id).state is BookingState.CANCELLED


def checked(page: str) -> str:
    """The moves answer the page shows chosen."""
    [answer] = re.findall(r'<input [^>]*checked[^>]*name="moves"[^>]*value="(\w+)"', page)
    return answer


def test_the_advocate_says_the_person_must_not_be_moved_or_may_after_all(pending, login):
    """Bridge stays (issue 21): the answer given at filing is changed like the rest; a form
    without the question leaves it as it is, a wrong answer is refused."""
    advocate, request, proposal = pending
    client = login(advocate)
    page = client.get(f"/requests/{request.id}/edit").text
    assert checked(page) == "may" and "Must not be moved: a child&#39;s school" in page
    response = client.post(f"/requests/{request.id}/edit", data=form(request, moves="school"))
    assert response.status_code == 303
    assert "changed the moving between places." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    request = db.session.get(HousingRequest, request.id)
    assert (request.may_move, request.no_move_reason) == (False, "school")
    assert db.session.get(Booking, proposal.id).state is BookingState.CANCELLED
    assert checked(client.get(f"/requests/{request.id}/edit").text) == "school"
    client.post(f"/requests/{request.id}/edit", data=form(request))  # no question: kept
    db.session.expire_all()
    assert db.session.get(HousingRequest, request.id).may_move is False
    assert client.post(f"/requests/{request.id}/edit",
                       data=form(request, moves="never mind")).status_code == 400
    client.post(f"/requests/{request.id}/edit", data=form(request, moves="may"))
    db.session.expire_all()
    request = db.session.get(HousingRequest, request.id)
    assert (request.may_move, request.no_move_reason) == (True, None)
    assert [e.detail for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "edit").order_by(AuditEvent.id))] == [
        "changed moving between places"] * 2


@pytest.mark.parametrize(("changes", "error"), [
    ({"earliest": (TODAY - timedelta(days=1)).isoformat()}, "cannot be before today"),
    ({"latest": (TODAY - timedelta(days=5)).isoformat()}, "comes before the earliest"),
    ({"earliest": (TODAY + timedelta(days=120)).isoformat(),
      "latest": (TODAY + timedelta(days=121)).isoformat()}, "90 days ahead"),
    ({"nights": "0"}, "between 1 and 30"),
    ({"danger_zones-0-where": "Nowhere, ZZ"}, "ZZ"),
])
def test_wrong_changes_are_refused_by_field_and_nothing_is_kept(pending, login, changes, error):
    advocate, request, proposal = pending
    response = login(advocate).post(f"/requests/{request.id}/edit",
                                    data=form(request, **changes))
    assert response.status_code == 400 and error in response.text
    db.session.expire_all()
    assert db.session.get(HousingRequest, request.id).nights == 3
    assert db.session.get(Booking, proposal.id).state is BookingState.PROPOSED


def test_only_its_advocate_or_a_coordinator_and_only_while_pending(
        pending, app, make_user, login, create_booking):
    advocate, request, proposal = pending
    other = sign_in(app.test_client(), make_user(Role.ADVOCATE, email="other@example.org"))
    assert other.get(f"/requests/{request.id}/edit").status_code == 404
    coordinator = make_user(Role.COORDINATOR)
    assert sign_in(app.test_client(), coordinator).post(
        f"/requests/{request.id}/edit", data=form(request, nights="4")).status_code == 303
    db.session.expire_all()
    request = db.session.get(HousingRequest, request.id)
    again = create_booking(proposal.shelter, request=request, check_in=TODAY, nights=4)
    service.approve(db.session, again, coordinator.id, TODAY)
    db.session.commit()
    client = login(advocate)
    response = client.get(f"/requests/{request.id}/edit")
    assert response.status_code == 302  # placed: back to the request, with a sentence
    assert "only a request waiting for a place can be changed" in client.get(
        response.headers["Location"]).text
    assert client.post(f"/requests/{request.id}/edit",
                       data=form(request, nights="2")).status_code == 302
    db.session.expire_all()
    assert db.session.get(HousingRequest, request.id).nights == 4
