"""Each step of a request (first proposed, approved, confirmed, checked in, checked out,
ended) is stamped on the request the first time it happens, by the one function each
transition table goes through, whichever path leads there: a planner run or a coordinator
placing by hand, the staff link's yes, the jobs' releases, an advocate's withdrawal...

The walk below takes every transition of both tables at least once (checked at the end
against the audit log) and, after each step of each path, checks exactly which stamps it
set and that none it had was moved."""

import pytest
from sqlalchemy import select

from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import TRANSITIONS as BOOKING_TRANSITIONS
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.planning.runner import start_run
from placement.requests.models import STEPS, HousingRequest
from placement.requests.service import local_today
from placement.requests.states import TRANSITIONS as REQUEST_TRANSITIONS


@pytest.fixture
def walk(app, make_user, create_request, create_shelter):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    coordinator = make_user(Role.COORDINATOR).id
    today = local_today("America/New_York")  # where the requests are (20002)
    shelters = [create_shelter(name=f"Shelter {n}", capacity=10) for n in range(2)]
    return coordinator, today, shelters, create_request


def stamps(request: HousingRequest) -> dict:
    db.session.refresh(request)
    return {step: getattr(request, f"{step}_at") for step in STEPS}


def did(request: HousingRequest, newly: set[str], action) -> None:
    """`action` sets exactly the stamps `newly` on `request` and moves none it had."""
    before = stamps(request)
    action()
    db.session.flush()
    after = stamps(request)
    assert {s for s in STEPS if before[s] is None and after[s] is not None} == newly
    assert {s: after[s] for s in STEPS if before[s]} == {s: v for s, v in before.items() if v}


def proposal_of(request: HousingRequest) -> Booking:
    return db.session.scalar(select(Booking).where(Booking.request_id == request.id,
                                                   Booking.state == BookingState.PROPOSED))


def test_every_path_stamps_each_step_once(walk):
    coordinator, today, (first, second), create_request = walk
    planned = [create_request(earliest=today, nights=2) for _ in range(3)]
    db.session.commit()
    start_run(None, time_limit=5)  # a planner run proposes a stay for each
    db.session.expire_all()
    for request in planned:
        assert {step for step, at in stamps(request).items() if at} == {"first_proposed"}
    happy, turned_down, closed = planned

    # The planner's proposal approved, confirmed, checked in, extended, checked out.
    stay = proposal_of(happy)
    did(happy, {"approved"}, lambda: service.approve(db.session, stay, coordinator, today))
    did(happy, {"confirmed"}, lambda: service.confirm(db.session, stay, coordinator, "C1",
                                                      None, today))
    did(happy, {"checked_in"}, lambda: service.check_in(db.session, stay, coordinator))
    did(happy, set(), lambda: service.extend(db.session, stay, coordinator, 1, today))
    did(happy, {"checked_out"}, lambda: service.check_out(db.session, stay, None, today))

    # Rejected, then placed by hand: the hold expires, placed again, the place declines,
    # and the advocate withdraws the request.
    proposal = proposal_of(turned_down)
    did(turned_down, set(), lambda: service.reject(db.session, proposal, coordinator, "far"))
    held = []
    did(turned_down, {"approved"}, lambda: held.append(service.place_by_hand(
        db.session, turned_down, second, today, 2, coordinator, today)))
    did(turned_down, set(), lambda: service.expire_hold(db.session, held[-1], None))
    did(turned_down, set(), lambda: held.append(service.place_by_hand(
        db.session, turned_down, second, today, 2, coordinator, today)))
    did(turned_down, set(), lambda: service.decline(db.session, held[-1], None, "safety"))
    did(turned_down, {"ended"}, lambda: service.end_request(
        db.session, turned_down, turned_down.created_by_id, "withdraw", "found_housing"))

    # Closed by a coordinator while its proposal waits (the proposal is withdrawn).
    did(closed, {"ended"}, lambda: service.end_request(db.session, closed, coordinator,
                                                       "close", "duplicate"))

    # Placed by hand, accepted through the staff link, a no-show, placed and confirmed
    # again, checked in and out.
    by_hand = create_request(earliest=today, nights=2)
    stays = []
    did(by_hand, {"first_proposed", "approved"}, lambda: stays.append(service.place_by_hand(
        db.session, by_hand, first, today, 2, coordinator, today)))
    did(by_hand, {"confirmed"}, lambda: service.accept(db.session, stays[-1], None))
    did(by_hand, set(), lambda: service.no_show(db.session, stays[-1], None))
    did(by_hand, set(), lambda: stays.append(service.place_by_hand(
        db.session, by_hand, second, today, 2, coordinator, today)))
    did(by_hand, set(), lambda: service.confirm(db.session, stays[-1], coordinator, "C2",
                                                None, today))
    did(by_hand, {"checked_in"}, lambda: service.check_in(db.session, stays[-1], coordinator))
    did(by_hand, {"checked_out"}, lambda: service.check_out(db.session, stays[-1], None,
                                                            today))

    # Cancelled back to the queue, placed again, then cancelled and closed.
    cancelled = create_request(earliest=today, nights=2)
    did(cancelled, {"first_proposed", "approved"}, lambda: stays.append(
        service.place_by_hand(db.session, cancelled, first, today, 2, coordinator, today)))
    did(cancelled, set(), lambda: service.cancel(db.session, stays[-1], coordinator, "moved"))
    did(cancelled, set(), lambda: stays.append(service.place_by_hand(
        db.session, cancelled, second, today, 2, coordinator, today)))
    did(cancelled, {"ended"}, lambda: service.cancel(db.session, stays[-1], coordinator,
                                                     "safe now", close=True))

    walked = {(e.subject, e.action) for e in db.session.scalars(select(AuditEvent))}
    assert {("booking", a) for a in BOOKING_TRANSITIONS} <= walked
    assert {("request", a) for a in REQUEST_TRANSITIONS} <= walked
    # The moments follow the order of the steps on the path that took them all.
    moments = [stamps(happy)[s] for s in ("first_proposed", "approved", "confirmed",
                                          "checked_in", "checked_out")]
    assert happy.created_at <= moments[0] and moments == sorted(moments)
