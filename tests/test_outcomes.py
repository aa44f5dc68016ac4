"""One outcome per request, written once: placed on time, placed late, or unplaced with the
code of why (placement/bookings/outcomes.py defines each), when the request ends or, by the
`outcomes` job, a day after its window is over."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.jobs.runner import run_job
from placement.planning.runner import start_run
from placement.requests.models import HousingRequest
from placement.requests.outcomes import OutcomeKind, RequestOutcome
from placement.requests.service import local_today
from tests.request_factories import TODAY, later

NY = ZoneInfo("America/New_York")
ON_TIME, LATE, UNPLACED = OutcomeKind


def at(day, hour: int = 12) -> datetime:
    """Noon (or `hour`) on a date in New York, where the requests are (20002), in UTC."""
    return datetime.combine(day, time(hour), tzinfo=NY).astimezone(UTC)


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def outcomes() -> dict[int, tuple]:
    db.session.expire_all()
    return {o.request_id: (o.kind, o.reason) for o in db.session.scalars(select(RequestOutcome))}


def run(app, now: datetime):
    db.session.commit()
    result = run_job(app, "outcomes", now)
    db.session.expire_all()
    return result


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR).id


def test_the_job_records_each_outcome_once_with_its_kind_and_reason(
        app, create_request, create_booking, create_shelter, coordinator):
    shelter = create_shelter(capacity=10)

    def stay(request, check_in, state, approved_on):
        return create_booking(shelter, request=request, check_in=check_in, state=state,
                              approved_at=naive(at(approved_on, 9)))

    on_time = create_request(earliest=TODAY)
    on_time_stay = stay(on_time, TODAY, BookingState.CHECKED_OUT, TODAY)
    # The window moved a day on (the deadline it was filed with stays): placed in the new
    # one, late, with why it waited before.
    moved = create_request(earliest=TODAY)
    moved.latest, moved.wait_reason_code = later(1), "declined.no_bed"
    moved_stay = stay(moved, later(1), BookingState.CHECKED_IN, later(1))
    approved_late = create_request(earliest=TODAY)
    stay(approved_late, TODAY, BookingState.CHECKED_OUT, later(1))
    declined = create_request(earliest=TODAY)
    declined_stay = stay(declined, TODAY, BookingState.PROPOSED, TODAY)
    service.approve(db.session, declined_stay, coordinator, TODAY)
    service.decline(db.session, declined_stay, None, "no_bed")
    rejected = create_request(earliest=TODAY)
    service.reject(db.session, stay(rejected, TODAY, BookingState.PROPOSED, TODAY),
                   coordinator, "too close to where he works")
    never_planned = create_request(earliest=TODAY)
    # Confirmed, but the night's roll-over has not said whether the person came: waits.
    unknown = create_request(earliest=TODAY)
    stay(unknown, TODAY, BookingState.CONFIRMED, TODAY)
    in_grace = create_request(earliest=later(2))  # over on Dec 3: decided from Dec 5

    first = run(app, at(later(3)))
    assert outcomes() == {
        on_time.id: (ON_TIME, None), moved.id: (LATE, "declined.no_bed"),
        approved_late.id: (LATE, None), declined.id: (UNPLACED, "declined.no_bed"),
        rejected.id: (UNPLACED, "rejected"), never_planned.id: (UNPLACED, "not_planned")}
    assert first.counts == {"placed_on_time": 1, "placed_late": 2, "unplaced": 3,
                            "waiting": 1}
    by_request = {o.request_id: o for o in db.session.scalars(select(RequestOutcome))}
    assert by_request[on_time.id].booking_id == on_time_stay.id
    assert by_request[moved.id].booking_id == moved_stay.id
    assert by_request[declined.id].booking_id is None and declined_stay.reason_code == "no_bed"

    # Once: the next ticks add only what has come due (the grace is over for one).
    again = run(app, at(later(4), 13))
    assert again.counts == {"placed_on_time": 0, "placed_late": 0, "unplaced": 1,
                            "waiting": 1}
    assert outcomes()[in_grace.id] == (UNPLACED, "not_planned") and len(outcomes()) == 7
    db.session.add(RequestOutcome(request_id=on_time.id, kind=OutcomeKind.UNPLACED,
                                  reason="rejected", decided_at=naive(at(later(4)))))
    with pytest.raises(IntegrityError):  # the database's own guard
        db.session.flush()
    db.session.rollback()


def test_a_request_that_ends_has_its_outcome_at_once(
        app, create_request, create_booking, create_shelter, coordinator):
    shelter = create_shelter(capacity=10)
    today = local_today("America/New_York")
    withdrawn = create_request(earliest=today)
    service.end_request(db.session, withdrawn, withdrawn.created_by_id, "withdraw",
                        "found_housing")
    # Its stay approved but the person not yet there: not placed.
    closed = create_request(earliest=today)
    approved = service.place_by_hand(db.session, closed, shelter, today, 2, coordinator,
                                     today)
    service.end_request(db.session, closed, coordinator, "close", "duplicate")
    cancelled = create_request(earliest=today)
    stay = service.place_by_hand(db.session, cancelled, shelter, today, 2, coordinator, today)
    service.cancel(db.session, stay, coordinator, "she is safe with family", close=True)
    assert outcomes() == {withdrawn.id: (UNPLACED, "ended.found_housing"),
                          closed.id: (UNPLACED, "ended.duplicate"),
                          cancelled.id: (UNPLACED, "ended.uncoded")}
    assert approved.state is BookingState.CANCELLED
    assert run(app, datetime.now(UTC) + timedelta(days=5)).counts["unplaced"] == 0


def test_the_planners_reason_is_kept_as_a_code_and_outlives_its_sentence(
        app, create_request, create_shelter):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    create_shelter(capacity=10)
    today = local_today("America/New_York")
    far = create_request(where="59001", earliest=today, max_miles=15)
    db.session.commit()
    start_run(None, time_limit=5)
    far = db.session.get(HousingRequest, far.id)
    db.session.refresh(far)
    assert far.wait_reason_code == "planner.distance" and "within" in far.unplaced_reason
    far.unplaced_reason = None  # a later run's sentence, or the retention purge
    run(app, datetime.now(UTC) + timedelta(days=3))
    assert outcomes() == {far.id: (UNPLACED, "planner.distance")}
