"""Plan now: rows become a Problem, the optimizer's Plan becomes proposals."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.validate import validate
from partners.availability import record_staff_report
from partners.base import utcnow
from placement.bookings import service
from placement.bookings.models import Booking
from placement.extensions import db
from placement.planning.bridge import build_problem, shelter_key
from placement.planning.models import PlanRun, RunStatus
from placement.planning.runner import start_run
from placement.requests.models import RequestStatus
from tests.request_factories import TODAY


@pytest.fixture
def planner_app(app):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    return app


def test_the_problem_counts_beds_before_approved_stays_and_fixes_those_stays(
        create_shelter, create_booking, create_request, make_user):
    from placement.auth.models import Role

    shelter = create_shelter(capacity=4)
    record_staff_report(db.session, shelter, TODAY, 3, utcnow())  # 1 taken outside
    booking = create_booking(shelter, nights=2)
    service.approve(db.session, booking, make_user(Role.COORDINATOR).id, TODAY)
    create_request(nights=2)
    snapshot = build_problem(db.session, TODAY)
    problem = snapshot.problem
    [opt_shelter] = problem.shelters
    assert opt_shelter.beds[0] == 3  # capacity 4, 1 taken outside; our hold is a fixed stay
    [fixed] = problem.fixed
    assert (fixed.resource, fixed.check_in, fixed.nights) == (shelter_key(shelter.id), 0, 2)
    assert len(problem.requests) == 1  # the approved request is placed, not pending


def test_a_run_proposes_stays_and_explains_the_unplaced(planner_app, create_shelter,
                                                        create_hotel, create_request, make_lot):
    shelter = create_shelter(capacity=2, location="20001")
    hotel = create_hotel(program="marriott", standard_points=10_000, location="20005",
                         pets=True)
    make_lot(500_000, program="marriott")
    today = date.today()
    with_dog = create_request(where="20002", pets=1, earliest=today, max_miles=20)
    woman = create_request(where="20002", earliest=today, max_miles=20)
    far_away = create_request(where="59001", earliest=today, max_miles=15)
    db.session.commit()

    run, started = start_run(None, time_limit=5)
    assert started
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status is RunStatus.DONE, run.error
    proposals = {b.request_id: b for b in db.session.scalars(select(Booking))}
    assert proposals[with_dog.id].hotel_id == hotel.id
    assert proposals[woman.id].shelter_id == shelter.id
    assert far_away.id not in proposals
    db.session.refresh(far_away)
    assert "there is no shelter or hotel within" in far_away.unplaced_reason
    # The stored snapshot and plan agree with the optimizer's own validator.
    assert validate(Problem.from_dict(run.problem), Plan.from_dict(run.plan)).errors == []


def test_a_new_run_keeps_the_proposals_it_repeats_and_replaces_the_others(
        planner_app, create_shelter, create_request):
    create_shelter(capacity=2)
    request = create_request(earliest=date.today())
    db.session.commit()
    first, _ = start_run(None, time_limit=5)
    start_run(None, time_limit=5)  # the same plan: the row a coordinator may be reading stays
    states = sorted((b.plan_run_id, b.state.value) for b in db.session.scalars(select(Booking)))
    assert states == [(first.id, "proposed")]

    db.session.get(type(request), request.id).nights = 2
    db.session.commit()
    third, _ = start_run(None, time_limit=5)
    states = sorted((b.plan_run_id, b.state.value, b.nights)
                    for b in db.session.scalars(select(Booking)))
    assert states == [(first.id, "cancelled", 3), (third.id, "proposed", 2)]


def test_requests_whose_window_has_passed_are_not_planned(planner_app, create_request):
    old = create_request(earliest=date.today() - timedelta(days=5))
    db.session.commit()
    start_run(None, time_limit=5)
    db.session.refresh(old)
    assert old.status is RequestStatus.PENDING
    assert "arrival window ended" in old.unplaced_reason


def test_a_failed_run_is_recorded_without_case_details(planner_app, monkeypatch, create_request):
    import placement.planning.runner as runner

    create_request(earliest=date.today())
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded near 20002")

    monkeypatch.setattr(runner, "solve", broken)
    run, _ = start_run(None, time_limit=5)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status is RunStatus.FAILED
    assert "20002" not in run.error
    assert db.session.scalar(select(Booking.id)) is None


def test_only_one_run_at_a_time(planner_app, monkeypatch):
    planner_app.config["PLANNER_SYNC"] = False
    import placement.planning.runner as runner

    monkeypatch.setattr(runner.threading, "Thread", lambda **kwargs: type(
        "Idle", (), {"start": lambda self: None})())
    first, started = start_run(None)
    again, started_again = start_run(None)
    assert started and not started_again and again.id == first.id
