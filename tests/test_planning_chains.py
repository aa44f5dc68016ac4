"""Bridge stays (issue 21) in the planner: a request that may move and that no place can
hold for its whole stay is proposed as a chain (a hotel for 2 nights, then a shelter from
the night a bed frees up), stored as segments 1 and 2 of one placement; the advocate's no,
the coordinators' choice and their default per priority decide whether it may move."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.validate import validate
from partners.availability import set_capacity
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.chains import live_stays
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.planning.bridge import build_problem, request_key
from placement.planning.models import PlanRun
from placement.planning.runner import start_run
from placement.requests.models import Priority, RequestStatus
from tests.request_factories import TODAY


@pytest.fixture
def bridge(app, create_shelter, create_hotel, make_lot):
    """A women's shelter full for two nights, then one bed; a hotel whose program has
    points for two nights only: no place holds 5 nights from tonight, a chain does."""
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    shelter = create_shelter(name="Harbor House", capacity=1, location="20001")
    set_capacity(db.session, shelter, TODAY, TODAY + timedelta(days=1), 0)
    hotel = create_hotel(name="Airport Holiday Lodge", program="marriott",
                         standard_points=10_000, rooms_per_night=1, location="20005")
    make_lot(20_000, program="marriott")
    return hotel, shelter


def plan(today=TODAY) -> PlanRun:
    db.session.commit()
    run, _started = start_run(None, time_limit=5, today=today)
    db.session.expire_all()
    return db.session.get(PlanRun, run.id)


def proposals(request_id: int) -> list[Booking]:
    return list(db.session.scalars(select(Booking).where(
        Booking.request_id == request_id, Booking.state == BookingState.PROPOSED)
        .order_by(Booking.segment)))


def test_a_request_no_place_can_hold_is_proposed_as_a_hotel_then_a_shelter(bridge,
                                                                          create_request):
    hotel, shelter = bridge
    request = create_request(where="20002", nights=5, max_miles=30)
    run = plan()
    first, second = proposals(request.id)
    assert (first.hotel_id, first.check_in, first.nights, first.segment, first.chain_id) == (
        hotel.id, TODAY, 2, 1, None)
    assert (first.rooms, first.points_planned) == (1, 20_000)
    assert (second.shelter_id, second.check_in, second.nights, second.segment,
            second.chain_id) == (shelter.id, TODAY + timedelta(days=2), 3, 2, first.id)
    assert run.placed == 1  # one request placed, as two stays
    stored = Problem.from_dict(run.problem)
    assert stored.request_by_id[request_key(request.id)].max_moves == 1
    assert validate(stored, Plan.from_dict(run.plan)).errors == []
    # A new run keeps a chain it repeats whole: the rows a coordinator may be reading stay.
    plan()
    assert [b.id for b in proposals(request.id)] == [first.id, second.id]
    assert {b.plan_run_id for b in proposals(request.id)} == {run.id}


CHOICES = [  # priority, the coordinators' choice, the moves allowed
    (Priority.CRITICAL, None, 1), (Priority.HIGH, None, 1), (Priority.NORMAL, None, 0),
    (Priority.NORMAL, True, 1), (Priority.CRITICAL, False, 0)]


def test_the_coordinators_choose_per_request_or_by_priority_a_setting(app, create_request):
    requests = [create_request(priority=priority, moves_allowed=chosen)
                for priority, chosen, _moves in CHOICES]
    problem = build_problem(db.session, TODAY).problem
    assert [problem.request_by_id[request_key(r.id)].max_moves for r in requests] == [
        moves for _priority, _chosen, moves in CHOICES]
    app.config["MOVES_NORMAL"] = 1  # the default per priority is a setting
    problem = build_problem(db.session, TODAY).problem
    assert problem.request_by_id[request_key(requests[2].id)].max_moves == 1


def test_a_later_place_that_says_no_has_only_the_rest_planned_again(bridge, create_request,
                                                                   create_shelter, make_user,
                                                                   make_lot):
    hotel, shelter = bridge
    other = create_shelter(name="Open Door", capacity=1, location="20001")
    set_capacity(db.session, other, TODAY, TODAY + timedelta(days=1), 0)
    coordinator = make_user(Role.COORDINATOR).id
    request = create_request(where="20002", nights=5, max_miles=30)
    plan()
    first, second = proposals(request.id)
    service.approve(db.session, first, coordinator, TODAY)
    make_lot(100_000, program="marriott")  # now the hotel could keep the person on
    service.decline(db.session, second, None, "no_bed")
    db.session.commit()
    assert (request.rest_from, request.rest_nights) == (TODAY + timedelta(days=2), 3)
    run = plan()  # the rest alone: one stay from the move day, at neither place used
    [rest] = proposals(request.id)
    assert rest.place.name != second.place.name and rest.place.name != hotel.name
    assert (rest.check_in, rest.nights, rest.segment, rest.chain_id) == (
        TODAY + timedelta(days=2), 3, 2, first.id)
    assert validate(Problem.from_dict(run.problem), Plan.from_dict(run.plan)).errors == []
    service.approve(db.session, rest, coordinator, TODAY)
    db.session.commit()
    assert [b.id for b in live_stays(db.session, request.id)] == [first.id, rest.id]
    assert (request.status, request.rest_from) == (RequestStatus.PLACED, None)


def shared_checker():
    """../shared/tools/check_plan.py, the spec's own checker (compared against only)."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "check_plan.py"
    if not path.is_file():
        pytest.skip("../shared is absent")
    spec = importlib.util.spec_from_file_location("check_plan", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stored_chain_plan_is_judged_alike_by_the_validator_and_the_checker_no_move_kept(
        bridge, create_request):
    create_request(where="20002", nights=5, max_miles=30)
    create_request(where="20002", nights=3, max_miles=30, may_move=False)
    school = create_request(where="20002", nights=5, max_miles=30, may_move=False,
                            no_move_reason="school")
    run = plan()
    # The advocate's no keeps the person in one place: no chain, and no word of one.
    assert proposals(school.id) == []
    assert "bridge" not in (school.unplaced_reason or "")
    errors, cost = shared_checker().check(run.problem, run.plan)
    verdict = validate(Problem.from_dict(run.problem), Plan.from_dict(run.plan))
    assert (errors, verdict.errors) == ([], [])
    assert cost == pytest.approx(verdict.cost, abs=1e-9) == pytest.approx(run.cost, abs=1e-3)
    assert any(len(stays) > 1 for stays in Plan.from_dict(run.plan).chains.values())
