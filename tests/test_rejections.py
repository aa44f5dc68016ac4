"""A coordinator's "no" sticks: a rejected proposal or a cancelled stay is not proposed again
at the same place by the next scheduled re-plan, until a coordinator undoes it; a request
closed or withdrawn is never planned or placed again."""

import re
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from partners.availability import shelter_nights
from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState, TransitionNotAllowed
from placement.extensions import db
from placement.jobs.jobs import withdraw_infeasible_proposals
from placement.jobs.runner import run_job
from placement.planning.bridge import rules_broken
from placement.requests import rejections
from placement.requests.models import HousingRequest, PlaceRejection, RequestStatus
from tests.request_factories import TODAY, later


def at(day, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on a hotline (New York) date, as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo("America/New_York")
                            ).astimezone(UTC)


@pytest.fixture
def planner_app(app):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=2, PLANNER_WORKERS=1)
    return app


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def replan(planner_app):
    """The scheduled re-plan, tick after tick, five minutes apart."""
    ticks = iter(range(0, 24 * 60, 5))

    def tick() -> list[Booking]:
        db.session.commit()  # the job runs in its own session, as in the scheduler process
        minutes = next(ticks)
        run_job(planner_app, "replan", at(TODAY, 8 + minutes // 60, minutes % 60))
        db.session.expire_all()
        return list(db.session.scalars(
            select(Booking).where(Booking.state == BookingState.PROPOSED).order_by(Booking.id)))

    return tick


def check(booking: Booking) -> list[str]:
    return rules_broken(db.session, booking.request, booking.place, booking.check_in,
                        booking.nights)


def free_beds(shelter):
    return [n.free for n in shelter_nights(db.session, shelter, TODAY, later(2))]


# -- rejecting a proposal ------------------------------------------------------------------

def test_a_rejected_place_is_not_proposed_again_until_the_rejection_is_undone(
        replan, create_shelter, create_request, coordinator):
    shelter = create_shelter(name="Harbor House", capacity=2, location="20001")
    request = create_request(where="20002", max_miles=20)
    [proposal] = replan()
    assert proposal.shelter_id == shelter.id

    service.reject(db.session, proposal, coordinator.id, "Too far from school")
    [rejection] = db.session.scalars(select(PlaceRejection)).all()
    assert (rejection.request_id, rejection.shelter_id, rejection.hotel_id,
            rejection.booking_id, rejection.reason, rejection.created_by_id) == (
        request.id, shelter.id, None, proposal.id, "Too far from school", coordinator.id)
    assert replan() == []  # every date: the only place is out for this request
    assert "exclusion list" in db.session.get(HousingRequest, request.id).unplaced_reason

    rejections.undo(db.session, db.session.get(PlaceRejection, rejection.id), coordinator.id)
    [again] = replan()
    assert again.shelter_id == shelter.id and again.id != proposal.id


def test_a_rejection_covers_only_its_own_request_and_place(
        replan, create_shelter, create_request, coordinator):
    near = create_shelter(name="Harbor House", capacity=4, location="20001")
    other = create_shelter(name="Anchor Place", capacity=4, location="20005")
    first = create_request(where="20002", max_miles=20)
    second = create_request(where="20002", max_miles=20)
    proposals = {b.request_id: b for b in replan()}
    rejected_place = proposals[first.id].shelter_id
    service.reject(db.session, proposals[first.id], coordinator.id, "Too far from school")

    proposals = {b.request_id: b for b in replan()}
    assert proposals[first.id].shelter_id == ({near.id, other.id} - {rejected_place}).pop()
    assert second.id in proposals


def test_a_rejection_is_kept_once_honoured_by_every_rule_check_and_undone_once(
        create_shelter, create_request, create_booking, coordinator):
    shelter = create_shelter(name="Harbor House")
    request = create_request()
    first, second, waiting = (create_booking(shelter, request) for _ in range(3))
    service.reject(db.session, first, coordinator.id, "Too far from school")
    service.reject(db.session, second, coordinator.id, "Still too far")
    rejection = db.session.scalars(select(PlaceRejection)).one()  # one "no" is enough
    assert rejection.reason == "Too far from school"

    assert check(waiting) == ["the request excludes this place"]
    with pytest.raises(service.BookingConflict, match="excludes this place"):
        service.approve(db.session, waiting, coordinator.id, TODAY, check)
    assert withdraw_infeasible_proposals(TODAY) == 1  # the scheduled re-plan's first step
    assert waiting.state is BookingState.CANCELLED

    rejections.undo(db.session, rejection, coordinator.id)
    assert rejection.undone_by_id == coordinator.id and rejection.undone_at is not None
    assert not rejection.active and check(waiting) == []
    with pytest.raises(rejections.RejectionError, match="already undone"):
        rejections.undo(db.session, rejection, coordinator.id)
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.subject == "request")
        .order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [("reject_place", f"shelter {shelter.id}"),
                                          ("undo_rejection", f"shelter {shelter.id}")]


# -- cancelling a stay ---------------------------------------------------------------------

def approved(shelter, create_request, coordinator) -> Booking:
    request = create_request(where="20002", max_miles=20)
    booking = Booking(request=request, shelter_id=shelter.id, check_in=TODAY, nights=3,
                      persons=1)
    db.session.add(booking)
    db.session.flush()
    service.approve(db.session, booking, coordinator.id, TODAY)
    return booking


def test_a_stay_cancelled_and_closed_closes_the_request_for_good(
        replan, create_shelter, create_request, coordinator):
    shelter = create_shelter(name="Harbor House", capacity=2, location="20001")
    booking = approved(shelter, create_request, coordinator)
    request = booking.request
    service.cancel(db.session, booking, coordinator.id, "Client found family to stay with",
                   close=True)
    assert booking.state is BookingState.CANCELLED
    assert free_beds(shelter) == [2, 2, 2]
    assert request.status is RequestStatus.CLOSED
    assert request.status_reason == "Client found family to stay with"
    assert replan() == []  # never planned again

    late = Booking(request=request, shelter_id=shelter.id, check_in=TODAY, nights=3, persons=1)
    db.session.add(late)
    db.session.flush()
    with pytest.raises((TransitionNotAllowed, service.BookingConflict), match="closed"):
        service.approve(db.session, late, coordinator.id, TODAY)
    moves = db.session.execute(
        select(AuditEvent.action, AuditEvent.from_state, AuditEvent.to_state)
        .where(AuditEvent.subject == "request", AuditEvent.action != "file")
        .order_by(AuditEvent.id)).all()
    assert [tuple(m) for m in moves] == [("place", "pending", "placed"),
                                         ("close", "placed", "closed")]


def test_a_stay_cancelled_back_to_the_queue_avoids_its_place_unless_told_otherwise(
        replan, create_shelter, create_request, coordinator):
    shelter = create_shelter(name="Harbor House", capacity=2, location="20001")
    avoided, kept = (approved(shelter, create_request, coordinator) for _ in range(2))
    service.cancel(db.session, avoided, coordinator.id, "Client found family to stay with")
    service.cancel(db.session, kept, coordinator.id, "The dates were wrong", avoid_place=False)
    assert avoided.request.status is kept.request.status is RequestStatus.PENDING
    rejection = db.session.scalars(select(PlaceRejection)).one()
    assert (rejection.request_id, rejection.shelter_id, rejection.booking_id,
            rejection.reason) == (avoided.request_id, shelter.id, avoided.id,
                                  "Client found family to stay with")
    assert [(b.request_id, b.shelter_id) for b in replan()] == [(kept.request_id, shelter.id)]


def test_stays_that_end_without_a_coordinator_s_no_go_back_to_the_queue(
        create_shelter, create_request, coordinator):
    shelter = create_shelter(capacity=2)
    missed, expired = (approved(shelter, create_request, coordinator) for _ in range(2))
    service.confirm(db.session, missed, coordinator.id, "HH-1", None, TODAY)
    service.no_show(db.session, missed, None)
    service.expire_hold(db.session, expired, None)
    assert missed.request.status is expired.request.status is RequestStatus.PENDING
    assert db.session.scalars(select(PlaceRejection)).all() == []


# -- pages ---------------------------------------------------------------------------------

@pytest.fixture
def coordinator_client(planner_app, coordinator, login):
    return login(coordinator)


def test_a_coordinator_rejects_sees_and_undoes_a_rejection_in_pages(
        coordinator_client, replan, create_shelter, create_request):
    create_shelter(name="Harbor House", capacity=2, location="20001")
    request = create_request(where="20002", max_miles=20)
    [proposal] = replan()
    response = coordinator_client.post(f"/bookings/{proposal.id}/reject",
                                       data={"reason": "Too far from school"})
    assert response.status_code == 303
    page = coordinator_client.get(f"/requests/{request.id}").text
    assert "Rejected by a coordinator: Too far from school" in page
    assert "Harbor House" in page
    rejection = db.session.scalars(select(PlaceRejection)).one()

    url = f"/requests/{request.id}/rejections/undo"
    other = f"/requests/{create_request().id}/rejections/undo"
    assert coordinator_client.post(other, data={"rejection_id": str(rejection.id)}
                                   ).status_code == 404  # not this request's rejection
    for bad in ("", "x", "²", "99999999999999999999"):
        assert coordinator_client.post(url, data={"rejection_id": bad}).status_code == 400
    response = coordinator_client.post(url, data={"rejection_id": str(rejection.id)})
    assert response.status_code == 303
    db.session.expire_all()
    assert not db.session.get(PlaceRejection, rejection.id).active
    page = coordinator_client.get(f"/requests/{request.id}").text
    assert "Rejected by a coordinator: Too far from school" not in page
    again = coordinator_client.post(url, data={"rejection_id": str(rejection.id)},
                                    follow_redirects=True)
    assert again.status_code == 200 and "already undone" in again.text
    assert [b.shelter_id for b in replan() if b.request_id == request.id] == [
        proposal.shelter_id]


def test_advocates_neither_see_nor_undo_coordinators_rejections(
        app, make_user, login, create_shelter, create_request, create_booking, coordinator):
    advocate = make_user(Role.ADVOCATE)
    request = create_request(created_by_id=advocate.id)
    service.reject(db.session, create_booking(create_shelter(), request), coordinator.id,
                   "Too far from school")
    rejection = db.session.scalars(select(PlaceRejection)).one()
    client = login(advocate)
    page = client.get(f"/requests/{request.id}").text
    assert "Too far from school" not in page and "Rejected by a coordinator" not in page
    response = client.post(f"/requests/{request.id}/rejections/undo",
                           data={"rejection_id": str(rejection.id)})
    assert response.status_code == 403
    assert db.session.get(PlaceRejection, rejection.id).active


def test_the_cancel_form_asks_back_to_the_queue_or_closed(
        coordinator_client, create_shelter, create_request, coordinator):
    shelter = create_shelter(name="Harbor House", capacity=2, location="20001")
    queued, closed = (approved(shelter, create_request, coordinator) for _ in range(2))
    page = coordinator_client.get(f"/bookings/{queued.id}").text
    assert re.search(r'<input checked[^>]*name="then" type="radio" value="queue">', page)
    assert re.search(r'<input [^>]*name="then" type="radio" value="close">', page)
    assert re.search(r'<input [^>]*checked[^>]*name="avoid_place" type="checkbox"', page)

    bad = coordinator_client.post(f"/bookings/{queued.id}/cancel", data={
        "reason": "Wrong dates", "then": "elsewhere"}, follow_redirects=True)
    assert "Choose whether the request goes back to the queue or is closed." in bad.text
    response = coordinator_client.post(f"/bookings/{queued.id}/cancel", data={
        "reason": "Wrong dates", "then": "queue"})  # the box left unticked
    assert response.status_code == 303
    told = coordinator_client.get(response.headers["Location"]).text
    assert "cancelled; the request is back in the queue." in told
    response = coordinator_client.post(f"/bookings/{closed.id}/cancel", data={
        "reason": "Client found family to stay with", "then": "close"})
    assert response.status_code == 303
    told = coordinator_client.get(response.headers["Location"]).text
    assert "cancelled; the request is closed." in told

    db.session.expire_all()
    assert db.session.get(Booking, queued.id).state is BookingState.CANCELLED
    assert db.session.get(HousingRequest, queued.request_id).status is RequestStatus.PENDING
    assert db.session.get(HousingRequest, closed.request_id).status is RequestStatus.CLOSED
    assert db.session.scalars(select(PlaceRejection)).all() == []
    assert "Client found family to stay with" in coordinator_client.get(
        f"/requests/{closed.request_id}").text


# -- withdrawing a request -----------------------------------------------------------------

def test_an_advocate_withdraws_a_pending_request_of_their_own_and_it_is_never_planned_again(
        replan, make_user, login, create_shelter, create_request, coordinator):
    advocate = make_user(Role.ADVOCATE)
    shelter = create_shelter(capacity=3, location="20001")
    request = create_request(where="20002", max_miles=20, created_by_id=advocate.id)
    approved(shelter, create_request, coordinator)  # a placed request is not proposed again
    someone_elses = create_request(where="20002", max_miles=20)
    proposals = {b.request_id: b for b in replan()}
    client = login(advocate)
    url = f"/requests/{request.id}/withdraw"
    refused = client.post(url, data={"reason_code": "other", "note": " "})
    assert refused.status_code == 400 and "Say why no place is needed any more." in refused.text
    assert client.post(url, data={}).status_code == 400  # no reason chosen
    assert client.post(f"/requests/{someone_elses.id}/withdraw",
                       data={"reason_code": "duplicate"}).status_code == 404
    response = client.post(url, data={"reason_code": "found_housing",
                                      "note": "family in Ohio"})
    assert response.status_code == 303

    db.session.expire_all()
    request = db.session.get(HousingRequest, request.id)
    assert request.status is RequestStatus.WITHDRAWN
    assert (request.status_reason, request.status_reason_code) == (
        "Found other housing: family in Ohio", "found_housing")
    assert db.session.get(Booking, proposals[request.id].id).state is BookingState.CANCELLED
    assert [b.request_id for b in replan()] == [someone_elses.id]


def test_withdrawing_a_placed_request_gives_its_bed_back_at_once(
        make_user, login, create_shelter, create_request, coordinator):
    advocate = make_user(Role.ADVOCATE)
    shelter = create_shelter(capacity=1, location="20001")
    stay = approved(shelter, create_request, coordinator)
    stay.request.created_by_id = advocate.id
    db.session.commit()
    assert shelter_nights(db.session, shelter, TODAY, TODAY)[0].held == 1
    response = login(advocate).post(f"/requests/{stay.request_id}/withdraw",
                                    data={"reason_code": "unreachable"}, follow_redirects=True)
    assert "withdrawn: it will not be planned again" in response.text
    db.session.expire_all()
    assert db.session.get(Booking, stay.id).state is BookingState.CANCELLED
    assert db.session.get(HousingRequest, stay.request_id).status is RequestStatus.WITHDRAWN
    assert shelter_nights(db.session, shelter, TODAY, TODAY)[0].held == 0


def test_a_coordinator_closes_a_request_but_a_checked_in_person_is_checked_out_instead(
        login, create_shelter, create_request, coordinator):
    shelter = create_shelter(capacity=2, location="20001")
    stay = approved(shelter, create_request, coordinator)
    service.confirm(db.session, stay, coordinator.id, "HX-1", None, TODAY)
    service.check_in(db.session, stay, coordinator.id)
    pending = create_request(where="20002")
    db.session.commit()
    client = login(coordinator)
    page = client.post(f"/requests/{stay.request_id}/withdraw",
                       data={"reason_code": "duplicate"}, follow_redirects=True).text
    assert "end the stay on its page instead" in page
    page = client.post(f"/requests/{pending.id}/withdraw",
                       data={"reason_code": "duplicate"}, follow_redirects=True).text
    assert "closed: it will not be planned again" in page
    db.session.expire_all()
    assert db.session.get(Booking, stay.id).state is BookingState.CHECKED_IN
    assert db.session.get(HousingRequest, pending.id).status is RequestStatus.CLOSED
