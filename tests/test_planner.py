"""Plan now: rows become a Problem, the optimizer's Plan becomes proposals."""

from datetime import date, timedelta

import pytest
from markupsafe import escape
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
from placement.requests.service import local_today
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


# --- one bad request never stops planning (issue 13, item 3) ----------------------------------
# Rows inserted directly, as an old form, an import or a hand edit could leave them.


def bad_requests(create_request, today: date) -> dict[str, tuple]:
    """Each kind of request the planner cannot express, with words its reason must contain."""
    nowhere = create_request(earliest=today)
    nowhere.lat = nowhere.lon = None  # as the retention job leaves a purged request
    return {
        "far": (create_request(earliest=today + timedelta(days=1850)),
                "is beyond the planner's 90 days"),
        "calendar end": (create_request(earliest=date(9999, 12, 31)),
                         "is beyond the planner's 90 days"),
        "no location": (nowhere, "has no location"),
        "endless stay": (create_request(earliest=today, nights=10**6),
                         "longer than the planner's 90 days"),
        "negative reach": (create_request(earliest=today, max_miles=-5),
                           "max_miles must be a number ≥ 0"),
    }


def test_a_run_with_bad_requests_places_the_others_and_names_each_bad_one(
        planner_app, create_shelter, create_request, make_user, login):
    from placement.auth.models import Role

    today = local_today(planner_app.config["HOTLINE_TIMEZONE"])
    create_shelter(capacity=4)
    good = create_request(earliest=today)
    bad = bad_requests(create_request, today)
    db.session.commit()

    run, _ = start_run(None, time_limit=5, today=today)
    db.session.expire_all()
    run = db.session.get(PlanRun, run.id)
    assert run.status is RunStatus.DONE, run.error
    assert [b.request_id for b in db.session.scalars(select(Booking))] == [good.id]
    assert run.requests == 1 and run.placed == 1
    assert set(run.skipped) == {str(r.id) for r, _ in bad.values()}
    for name, (request, words) in bad.items():
        assert words in run.skipped[str(request.id)], (name, run.skipped[str(request.id)])
        reason = db.session.get(type(request), request.id).unplaced_reason
        assert reason.startswith("Not planned: ") and words in reason, (name, reason)
    # The stored problem is a valid instance on its own.
    assert validate(Problem.from_dict(run.problem), Plan.from_dict(run.plan)).errors == []

    client = login(make_user(Role.COORDINATOR))
    page = client.get(f"/plan/runs/{run.id}", follow_redirects=True).text
    assert "1 of 1 requests have a proposed stay. 5 requests could not be planned" in page
    assert "Left out of the last run: 5 requests the planner cannot take" in page
    for request, words in bad.values():
        assert f'href="/requests/{request.id}"><code>{request.case_code}</code></a>' in page
        assert escape(words) in page


def test_a_window_open_to_the_end_of_the_calendar_is_planned_within_the_horizon(
        planner_app, create_shelter, create_request):
    today = local_today(planner_app.config["HOTLINE_TIMEZONE"])
    create_shelter(capacity=4)
    open_ended = create_request(earliest=today, latest=date(9999, 12, 31))
    db.session.commit()
    run, _ = start_run(None, time_limit=5, today=today)
    db.session.expire_all()
    assert db.session.get(PlanRun, run.id).status is RunStatus.DONE
    [booking] = db.session.scalars(select(Booking))
    assert (booking.request_id, booking.check_in) == (open_ended.id, today)


def test_a_bad_request_filed_after_an_unchanged_tick_is_still_named(
        planner_app, create_shelter, create_request, monkeypatch):
    # A scheduled re-plan whose problem did not change records "unchanged" without solving:
    # a request it had to leave out is still recorded, given its reason, and its advocate
    # told (once).
    import placement.planning.runner as runner

    told = []
    monkeypatch.setattr(runner.notify, "request_unplaced",
                        lambda email, code, request_id: told.append(request_id))
    today = local_today(planner_app.config["HOTLINE_TIMEZONE"])
    create_shelter(capacity=4)
    create_request(earliest=today)
    db.session.commit()
    start_run(None, time_limit=5, today=today)
    far = create_request(earliest=today + timedelta(days=400))
    db.session.commit()
    second, _ = start_run(None, time_limit=5, today=today)
    db.session.expire_all()
    second = db.session.get(PlanRun, second.id)
    assert second.status is RunStatus.DONE and second.solver_status == "unchanged"
    assert "beyond the planner's 90 days" in second.skipped[str(far.id)]
    assert "beyond the planner's 90 days" in db.session.get(
        type(far), far.id).unplaced_reason
    start_run(None, time_limit=5, today=today)
    assert told == [far.id]


def test_a_reason_longer_than_its_column_is_cut_to_fit(app, create_request):
    from placement.planning.bridge import proposals_from_plan, request_key

    request = create_request()
    snapshot = build_problem(db.session, TODAY)
    plan = Plan(assignments=[], unplaced=[request_key(request.id)],
                reasons={request_key(request.id): "every fitting shelter is full " * 40})
    proposals_from_plan(db.session, snapshot, plan, None)
    db.session.commit()  # PostgreSQL refuses a value longer than String(500)
    assert len(request.unplaced_reason) == 500 and request.unplaced_reason.endswith("…")


def test_a_request_placed_by_hand_while_the_solver_works_gets_no_proposal(
        planner_app, monkeypatch, create_shelter, create_request, make_user):
    """The run reads its requests, solves with no transaction open, then writes: a
    coordinator who placed one of them in between wins, and the run still finishes."""
    import placement.planning.runner as runner
    from placement.auth.models import Role
    from placement.database import unit_of_work
    from placement.requests.models import HousingRequest

    coordinator_id = make_user(Role.COORDINATOR).id
    create_shelter(name="Harbor House")
    haven = create_shelter(name="Bay Haven")
    request = create_request(earliest=date.today())
    request_id, haven_id = request.id, haven.id
    db.session.commit()
    real_solve = runner.solve

    def solve_while_a_coordinator_places_it(*args, **kwargs):
        plan = real_solve(*args, **kwargs)
        assert plan.assignments  # the planner would propose a stay
        with planner_app.app_context(), unit_of_work():
            service.place_by_hand(db.session, db.session.get(HousingRequest, request_id),
                                  db.session.get(type(haven), haven_id), date.today(), 3,
                                  coordinator_id, date.today())
        return plan

    monkeypatch.setattr(runner, "solve", solve_while_a_coordinator_places_it)
    run, _ = start_run(None, time_limit=5)
    db.session.expire_all()
    assert db.session.get(PlanRun, run.id).status is RunStatus.DONE
    states = db.session.scalars(select(Booking.state).where(Booking.request_id == request_id))
    assert list(states) == [service.BookingState.APPROVED]  # and no proposal beside it
