"""The solver: optimal where the README proves it, never worse than first-fit, reproducible."""

from __future__ import annotations

import pytest
from opt_support import OPTIMUM, assert_valid, load_data, problem_of

from optimizer.api import solve
from optimizer.heuristic import first_fit
from optimizer.options import build_options, plan_units
from optimizer.plan import Plan
from optimizer.problem import Problem, load_problem
from optimizer.solver import Config, solve_problem


@pytest.mark.parametrize("name", ["tiny-1", "city-1"])
def test_small_instances_come_back_optimal_at_the_readme_cost(name):
    problem = problem_of(name)
    plan = solve(problem, time_limit=60, workers=2)
    assert_valid(problem, plan)
    assert plan.status == "optimal"
    assert plan.cost == pytest.approx(OPTIMUM[name], abs=1e-6)
    assert plan.bound == pytest.approx(plan.cost, abs=1e-6)


def test_a_tiny_time_limit_on_state_1_still_beats_first_fit(shared):
    problem = load_problem(shared / "instances/state-1.json")
    plan = solve(problem, time_limit=0.05, workers=2, explain=False)
    assert_valid(problem, plan)
    opts = build_options(problem)
    assert plan.cost <= plan_units(opts, first_fit(opts)) / 1000
    assert plan.cost <= 745499.354  # the README's first-fit
    assert plan.bound <= OPTIMUM["state-1"] + 1e-6


def test_zero_seconds_still_gives_a_feasible_plan():
    problem = problem_of("city-1")
    plan = solve(problem, time_limit=0, workers=1, explain=False)
    assert_valid(problem, plan)
    assert plan.assignments


@pytest.mark.parametrize("name", ["city-1", "ihtc-i02"])
def test_a_seed_and_one_worker_give_the_same_plan_twice(name):
    problem = problem_of(name)
    config = Config(time_limit=0.05, workers=1, seed=7)  # the deterministic limit is reached
    first = solve_problem(problem, config).plan
    second = solve_problem(problem, config).plan
    assert_valid(problem, first)
    assert first.assignments == second.assignments
    assert (first.cost, first.bound, first.status) == (second.cost, second.bound, second.status)


def test_bound_and_status_tell_the_truth_when_time_runs_out():
    problem = problem_of("ihtc-i02")
    plan = solve(problem, time_limit=0.01, workers=1, seed=1, explain=False)
    assert_valid(problem, plan)
    if plan.status == "optimal":
        assert plan.bound == plan.cost
    else:
        assert plan.bound < plan.cost


def test_fixed_stays_hold_their_beds():
    data = load_data("ihtc-i01")
    problem = Problem.from_dict(data)
    plan = solve(problem, time_limit=10, workers=2, explain=False)
    assert_valid(problem, plan)
    assert not {f.request for f in problem.fixed} & {a.request for a in plan.assignments}


def test_a_previous_plan_as_hint_is_kept_when_nothing_changed():
    problem = problem_of("city-1")
    first = solve(problem, time_limit=30, explain=False)
    again = solve(problem, time_limit=0, hint=first, explain=False)
    assert_valid(problem, again)
    assert again.cost == first.cost


def test_a_stale_hint_is_repaired_not_trusted():
    problem = problem_of("tiny-1")
    stale = Plan.from_dict({"assignments": [
        {"request": r.id, "resource": problem.shelters[0].id, "check_in": r.earliest,
         "nights": r.nights} for r in problem.requests], "unplaced": []})
    plan = solve(problem, time_limit=5, hint=stale, explain=False)
    assert_valid(problem, plan)
    assert plan.cost == pytest.approx(OPTIMUM["tiny-1"])


def test_progress_reports_improving_costs():
    seen = []
    problem = problem_of("city-1")
    plan = solve(problem, time_limit=30, progress=seen.append, explain=False)
    assert seen and seen[-1]["done"] and seen[-1]["cost"] == plan.cost
    assert all("elapsed" in s for s in seen)


def test_a_normal_request_whose_stay_costs_more_than_leaving_it_is_left_out():
    data = load_data("tiny-1")
    for r in data["requests"]:
        r["unplaced_cost"] = 1  # any stay costs more than this
    problem = Problem.from_dict(data)
    plan = solve(problem, time_limit=5, explain=False)
    assert_valid(problem, plan)
    assert plan.status == "optimal"
    assert all(a.points == 0 for a in plan.assignments)


def test_lns_never_worsens_the_plan_and_repeats_itself_with_a_seed():
    from optimizer.budget import Budget
    from optimizer.heuristic import assignments
    from optimizer.lns import improve

    problem = problem_of("ihtc-i02")
    opts = build_options(problem)
    start = first_fit(opts)
    everyone = list(range(len(problem.requests)))
    runs = [improve(opts, everyone, start, Budget(0.3, deterministic=True), 1, seed=3)
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert plan_units(opts, runs[0]) <= plan_units(opts, start)
    placed = {problem.requests[i].id for i in runs[0]}
    plan = Plan(assignments(problem, runs[0]),
                [r.id for r in problem.requests if r.id not in placed],
                cost=plan_units(opts, runs[0]) / 1000, bound=0.0)
    assert_valid(problem, plan)
