"""What more points would do: several balances against one problem (optimizer/scenarios.py).

Every scenario must prove the optimum an independent cold solve proves; more points never
cost more; the plan of a lower balance starts the next solve and changes no optimum.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opt_support import OPTIMUM, assert_valid, problem_of, tight

from optimizer.api import evaluate_scenarios
from optimizer.cli import main
from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioResult,
    evaluate,
    raised,
    shadow_prices,
    share_bounds,
)
from optimizer.solver import Config, solve_problem


def with_balances(problem: Problem, balance: dict[str, int]) -> Problem:
    programs = tuple(dataclasses.replace(g, balance=balance.get(g.id, g.balance))
                     for g in problem.programs)
    return dataclasses.replace(problem, programs=programs)


def cold_cost(problem: Problem, scenario: Scenario) -> float:
    plan = solve_problem(with_balances(problem, dict(scenario.balance)),
                         Config(time_limit=60)).plan
    assert plan.status == "optimal"
    return plan.cost


@pytest.fixture(scope="module")
def city_tight() -> tuple[Problem, list[Scenario], list[ScenarioResult]]:
    """city-1 with a quarter of its points, Marriott raised in three steps."""
    problem = tight("city-1", 0.25)
    scenarios = raised(problem, "marriott", [0, 50_000, 250_000])
    return problem, scenarios, evaluate(problem, scenarios, Config(time_limit=60))


CASES = [("tiny-1", 1.0, "marriott", [0, 50_000, 100_000, 250_000]),
         ("tiny-1", 1.0, "ihg", [0, 50_000, 100_000]),
         ("city-1", 1.0, "choice", [0, 100_000])]


@pytest.mark.parametrize(("name", "factor", "program", "steps"), CASES)
def test_every_scenario_proves_the_optimum_of_an_independent_cold_solve(name, factor, program,
                                                                        steps):
    problem = tight(name, factor)
    scenarios = raised(problem, program, steps)
    results = evaluate(problem, scenarios, Config(time_limit=60))
    assert [r.name for r in results] == [s.name for s in scenarios]
    for scenario, result in zip(scenarios, results, strict=True):
        assert_valid(with_balances(problem, dict(scenario.balance)), result.plan)
        assert result.status == "optimal"
        assert result.bound == result.cost
        assert result.cost == pytest.approx(cold_cost(problem, scenario), abs=1e-6)


def test_city_1_with_tight_points_proves_the_cold_optima_at_every_step(city_tight):
    problem, scenarios, results = city_tight
    assert [r.status for r in results] == ["optimal"] * 3
    for scenario, result in zip(scenarios, results, strict=True):
        assert_valid(with_balances(problem, dict(scenario.balance)), result.plan)
        assert result.cost == pytest.approx(cold_cost(problem, scenario), abs=1e-6)
    assert results[0].cost > results[1].cost  # 50,000 Marriott points are worth something


def test_each_raised_balance_starts_from_the_plan_of_the_one_below(city_tight):
    _, scenarios, results = city_tight
    assert results[0].parent is None and results[0].start != "hint"
    for below, result in zip(results, results[1:], strict=False):
        assert result.parent == below.name
        assert result.start == "hint"
        assert result.cost <= below.cost


def test_the_results_say_who_is_placed_and_what_is_spent(city_tight):
    problem, _, results = city_tight
    by_id = problem.request_by_id
    for result in results:
        placed = {a.request for a in result.plan.assignments}
        assert sum(result.placed.values()) == len(placed)
        assert result.placed == {p: sum(by_id[i].priority == p for i in placed)
                                 for p in ("critical", "high", "normal")}
        assert sorted(result.unplaced) == sorted(set(by_id) - placed)
        assert result.people == sum(by_id[i].persons for i in placed)
        assert sum(result.points.values()) == sum(a.points or 0 for a in result.plan.assignments)
        assert all(result.points.get(g.id, 0) <= result.balance[g.id] for g in problem.programs)
        assert result.delay_nights == sum(a.check_in - by_id[a.request].earliest
                                          for a in result.plan.assignments)


def test_scenarios_share_one_time_budget_and_the_cold_start_gets_the_most():
    problem = tight("city-1", 0.25)
    scenarios = raised(problem, "marriott", [0, 50_000, 100_000, 250_000])
    config = Config(time_limit=2.0, workers=1, seed=3)  # deterministic seconds
    results = evaluate(problem, scenarios, config)
    granted = [r.granted for r in results]
    assert sum(granted) <= 2.0 + 1e-9
    assert granted[0] > granted[1] > 0  # the cold start weighs more than a warm one


def test_a_seed_and_one_worker_give_the_same_scenarios_twice():
    problem = tight("city-1", 0.25)
    scenarios = raised(problem, "marriott", [0, 50_000, 100_000])
    config = Config(time_limit=0.3, workers=1, seed=7)  # limits are reached
    first = evaluate(problem, scenarios, config)
    second = evaluate(problem, scenarios, config)
    assert [(r.cost, r.bound, r.status, r.plan.assignments) for r in first] == \
        [(r.cost, r.bound, r.status, r.plan.assignments) for r in second]


def test_more_points_of_a_program_no_plan_could_spend_reuse_the_plan_without_a_solve():
    problem = tight("tiny-1", 10)  # 770,000 Choice points: all its stays cost 170,500
    results = evaluate(problem, raised(problem, "choice", [0, 500_000]), Config(time_limit=30))
    assert results[1].start == "reused"
    assert results[1].granted == 0
    assert results[1].plan.assignments == results[0].plan.assignments
    assert (results[1].cost, results[1].status) == (results[0].cost, "optimal")


def test_where_no_stay_is_gained_a_plan_proven_by_the_points_relaxation_serves_every_step():
    problem = problem_of("city-1")  # every stay costs less than any balance
    results = evaluate(problem, raised(problem, "choice", [0, 100_000, 500_000]),
                       Config(time_limit=30))
    assert [r.start for r in results][1:] == ["reused", "reused"]
    assert [r.parent for r in results] == [None, "+0", "+100,000"]
    assert all(r.plan.assignments == results[0].plan.assignments for r in results)
    assert [(r.cost, r.status) for r in results] == [(OPTIMUM["city-1"], "optimal")] * 3
    assert [r.granted for r in results][1:] == [0, 0]


def test_an_unproven_parent_lends_only_what_its_points_relaxation_proved():
    problem = problem_of("city-1")
    base, more = evaluate(problem, raised(problem, "choice", [0, 100_000]),
                          Config(time_limit=0.2, workers=1, seed=1))  # not proven in time
    assert base.status == more.status == "feasible"
    assert more.start == "reused" and more.plan.assignments == base.plan.assignments
    assert more.bound == more.relaxation_bound <= OPTIMUM["city-1"] < more.cost
    assert base.bound >= more.bound


def two_stays_and_points_for_one(balance: int) -> Problem:
    """Two normal requests, one hotel of two rooms at 10,000 points a night."""
    return Problem.from_dict({
        "format": "placement-instance/1", "horizon": {"start": "2026-12-01", "nights": 1},
        "programs": [{"id": "p", "balance": balance}],
        "hotels": [{"id": "H", "program": "p", "lat": 40.0, "lon": -75.0, "points": 10_000,
                    "rooms": 2, "room_capacity": 2}],
        "requests": [{"id": f"R{k}", "adults": 1, "children": 0, "gender": "female",
                      "lat": 40.0, "lon": -75.0, "earliest": 0, "latest": 0, "nights": 1,
                      "priority": "normal"} for k in range(2)]})


def test_a_balance_that_binds_is_solved_again_even_when_no_stay_is_gained():
    """At 15,000 points one of two 10,000-point stays fits; at 20,000 both do. No stay is
    new, but the base's proof needed its balance (the relaxation places both)."""
    problem = two_stays_and_points_for_one(15_000)
    low, high = evaluate(problem, raised(problem, "p", [0, 5_000]), Config(time_limit=10))
    assert (len(low.unplaced), len(high.unplaced)) == (1, 0)
    assert high.start != "reused" and high.parent == "+0"
    assert high.cost == pytest.approx(cold_cost(problem, Scenario("", {"p": 20_000})))
    assert high.cost < low.cost


def test_a_lower_scenarios_bound_rises_to_a_higher_ones_proven_bound():
    """opt(lower balance) ≥ opt(higher balance) ≥ the higher one's bound."""
    def result(name: str, balance: int, cost: float, bound: float) -> ScenarioResult:
        plan = Plan(cost=cost, bound=bound, status="optimal" if cost == bound else "feasible")
        return ScenarioResult(name=name, balance={"m": balance}, plan=plan)

    low, mid, high = result("low", 0, 120.0, 90.0), result("mid", 5, 110.0, 95.0), \
        result("high", 9, 110.0, 110.0)
    share_bounds([low, mid, high])
    assert (low.bound, low.status) == (110.0, "feasible")
    assert (mid.bound, mid.status) == (110.0, "optimal")
    assert (mid.plan.bound, mid.plan.status) == (110.0, "optimal")
    other = result("other", 7, 100.0, 100.0)
    other.balance = {"m": 7, "h": 1}
    lone = result("lone", 8, 105.0, 104.0)
    lone.balance = {"m": 8, "h": 0}
    share_bounds([lone, other])
    assert lone.bound == 104.0  # 'other' has more of m but less of h: no relation


# Small generated instances: one program, two hotels and a shelter around one town.
@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    nights = 4
    hotels = [{"id": f"H{k}", "program": "p", "lat": 40.0, "lon": -75.0 + 0.01 * k,
               "points": draw(st.lists(st.sampled_from([5000, 10000, 20000, 35000]),
                                       min_size=nights, max_size=nights)),
               "rooms": draw(st.integers(1, 2)), "room_capacity": draw(st.integers(2, 4))}
              for k in range(2)]
    requests = []
    for k in range(draw(st.integers(3, 7))):
        earliest = draw(st.integers(0, 2))
        requests.append({
            "id": f"R{k}", "adults": draw(st.integers(1, 2)), "children": draw(st.integers(0, 2)),
            "gender": draw(st.sampled_from(["female", "male"])), "lat": 40.0, "lon": -75.0,
            "earliest": earliest, "latest": draw(st.integers(earliest, 3)),
            "nights": draw(st.integers(1, 3)),
            "priority": draw(st.sampled_from(["critical", "high", "normal"]))})
    return Problem.from_dict({
        "format": "placement-instance/1", "horizon": {"start": "2026-12-01", "nights": nights},
        "programs": [{"id": "p", "balance": draw(st.integers(0, 60_000))}],
        "shelters": [{"id": "S", "lat": 40.0, "lon": -75.0, "beds": draw(st.integers(0, 3))}],
        "hotels": hotels, "requests": requests})


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(),
       steps=st.lists(st.integers(0, 80_000), min_size=2, max_size=4, unique=True))
def test_more_points_never_raise_the_proven_optimal_cost(problem, steps):
    scenarios = raised(problem, "p", sorted(steps))
    results = evaluate(problem, scenarios, Config(time_limit=20))
    costs = [r.cost for r in results]
    assert all(r.status == "optimal" for r in results)
    assert costs == sorted(costs, reverse=True)
    for scenario, result in zip(scenarios, results, strict=True):
        assert_valid(with_balances(problem, dict(scenario.balance)), result.plan)
        assert result.cost == pytest.approx(cold_cost(problem, scenario), abs=1e-6)


def test_scenarios_may_set_several_balances_and_come_back_in_the_order_given():
    problem = problem_of("tiny-1")
    scenarios = [Scenario("both", {"marriott": 446_000, "ihg": 196_000}),
                 Scenario("as is", {}),
                 Scenario("marriott", {"marriott": 446_000})]
    results = evaluate(problem, scenarios, Config(time_limit=30))
    assert [r.name for r in results] == ["both", "as is", "marriott"]
    assert results[0].parent == "marriott" and results[2].parent == "as is"
    for scenario, result in zip(scenarios, results, strict=True):
        assert result.cost == pytest.approx(cold_cost(problem, scenario), abs=1e-6)
    assert results[0].cost <= results[2].cost <= results[1].cost


@pytest.mark.parametrize(("scenarios", "message"), [
    ([], "no scenario"),
    ([Scenario("a", {"hilton": 5})], "unknown program 'hilton'"),
    ([Scenario("a", {"ihg": -1})], "balance must be a whole number ≥ 0"),
    ([Scenario("a", {"ihg": 1.5})], "balance must be a whole number ≥ 0"),
    ([Scenario("a", {}), Scenario("a", {"ihg": 5})], "scenario 'a' is named twice"),
])
def test_a_bad_scenario_is_refused_in_one_line(scenarios, message):
    with pytest.raises(ScenarioError, match=message) as caught:
        evaluate(problem_of("tiny-1"), scenarios, Config(time_limit=1))
    assert "\n" not in str(caught.value)


def test_shadow_prices_are_the_difference_of_two_proven_solves_per_1000_points():
    problem = problem_of("tiny-1")
    prices = shadow_prices(problem, 50_000, config=Config(time_limit=30))
    assert set(prices) == {"choice", "ihg", "marriott", "wyndham"}
    marriott = prices["marriott"]
    saving = (cold_cost(problem, Scenario("", {}))
              - cold_cost(problem, Scenario("", {"marriott": 246_000})))
    assert marriott.exact and marriott.limited and marriott.meaningful
    assert marriott.per_1000 == pytest.approx(saving * 1000 / 50_000, abs=1e-9)
    assert marriott.per_1000 > 0
    assert (marriott.low, marriott.high) == (marriott.per_1000, marriott.per_1000)
    rich = shadow_prices(tight("tiny-1", 10), 50_000, ["choice"], Config(time_limit=30))
    choice = rich["choice"]  # 770,000 points where all its stays cost 170,500
    assert not choice.limited and not choice.meaningful
    assert choice.per_1000 == 0
    assert choice.note.startswith("No request could use more choice points")


def test_the_command_line_prints_the_scenarios_as_json(shared, capsys):
    code = main(["scenarios", str(shared / "instances/tiny-1.json"), "--program", "marriott",
                 "--steps", "0,250000", "--time-limit", "20", "--json"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["+0", "+250,000"]
    assert [r["status"] for r in rows] == ["optimal", "optimal"]
    assert rows[0]["cost"] == pytest.approx(112208.963)
    assert rows[1]["balance"]["marriott"] == 446_000


def test_the_command_line_prints_a_table_and_the_load_it_ran_under(shared, capsys):
    code = main(["scenarios", str(shared / "instances/tiny-1.json"), "--program", "marriott",
                 "--steps", "0,50000,250000", "--time-limit", "20"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("| +")]
    assert [r.split(" | ")[0] for r in rows] == ["| +0", "| +50,000", "| +250,000"]
    assert "| 749.914 |" in rows[1]  # saved against the first
    assert out[-1].startswith("3 scenarios in ") and "load average" in out[-1]


def test_the_command_line_prints_shadow_prices_as_json(shared, capsys):
    code = main(["shadow", str(shared / "instances/tiny-1.json"), "--delta", "50000",
                 "--time-limit", "20", "--json"])
    assert code == 0
    prices = json.loads(capsys.readouterr().out)
    assert prices["marriott"]["per_1000"] == pytest.approx(749.914 / 50)
    assert prices["marriott"]["meaningful"] is True


def test_the_command_line_refuses_an_unknown_program_in_one_line(shared, capsys):
    code = main(["scenarios", str(shared / "instances/tiny-1.json"), "--program", "hilton"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_the_api_tells_progress_as_each_scenario_ends():
    problem = problem_of("tiny-1")
    heard = []
    results = evaluate_scenarios(problem, raised(problem, "marriott", [0, 50_000]),
                                 time_limit=20, progress=heard.append)
    assert [(h["scenario"], h["done"], h["of"], h["cost"]) for h in heard] == \
        [(r.name, k + 1, 2, r.cost) for k, r in enumerate(results)]
