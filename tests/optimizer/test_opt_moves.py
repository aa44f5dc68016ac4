"""Bridge stays (spec: Moves): chains are found, priced exactly, explained, and checked alike
by the validator and the independent checker; pruning them never changes an optimum."""

from __future__ import annotations

import copy
import dataclasses
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opt_support import PLAIN, assert_valid, judged_alike, load_data

from optimizer.chains import Bridges, movers
from optimizer.explain import check_chain, describe_placement, explain_request
from optimizer.options import generate_options, settle
from optimizer.plan import Assignment, Plan
from optimizer.problem import Problem
from optimizer.solver import Config, solve_problem
from optimizer.validate import validate

QUICK = Config(time_limit=10, workers=1, seed=1)


def bridge_data(max_moves: int = 1) -> dict:
    """A critical request for five nights from Tue Dec 1: the hotel has a room on the first
    two nights only, the shelter a bed from the third night on."""
    return {
        "format": "placement-instance/1",
        "horizon": {"start": "2026-12-01", "nights": 7},
        "programs": [{"id": "ihg", "balance": 100000}],
        "shelters": [{"id": "S1", "name": "Harbor House", "lat": 38.90, "lon": -77.03,
                      "beds": [0, 0, 1, 1, 1, 1, 1], "max_stay": 3}],
        "hotels": [{"id": "H1", "name": "Airport Holiday Lodge", "program": "ihg",
                    "lat": 38.88, "lon": -77.10, "points": 20000,
                    "rooms": [1, 1, 0, 0, 0, 0, 0], "room_capacity": 4}],
        "requests": [{"id": "R1", "adults": 1, "children": 0, "gender": "female",
                      "lat": 38.91, "lon": -77.04, "earliest": 0, "latest": 0, "nights": 5,
                      "priority": "critical", "max_moves": max_moves}],
    }


def test_a_bridge_places_who_no_single_stay_can_and_says_so_in_words():
    problem = Problem.from_dict(bridge_data())
    plan = solve_problem(problem, QUICK).plan
    assert_valid(problem, plan)
    assert plan.status == "optimal"
    stays = [(a.resource, a.check_in, a.nights) for a in plan.chains["R1"]]
    assert stays == [("H1", 0, 2), ("S1", 2, 3)]  # max_stay 3 counts the shelter's own nights
    assert describe_placement(problem, plan, "R1") == (
        "placed as a bridge: Airport Holiday Lodge for 2 nights, then Harbor House from "
        "Thu Dec 3")
    # 40,000 points and the miles on the first stay; the move, miles on the second.
    assert plan.assignments[0].points == 40000 and plan.assignments[1].points == 0


def test_a_request_that_may_not_move_is_never_bridged():
    problem = Problem.from_dict(bridge_data(max_moves=0))
    outcome = solve_problem(problem, QUICK)
    assert outcome.plan.unplaced == ["R1"] and "bridges" not in outcome.stats
    assert_valid(problem, outcome.plan)


def test_instances_without_moves_get_no_chains():
    problem = Problem.from_dict(load_data("tiny-1"))
    assert not movers(problem)
    outcome = solve_problem(problem, QUICK)
    assert "bridges" not in outcome.stats and "chains" not in outcome.stats
    assert all(len(stays) == 1 for stays in outcome.plan.chains.values())


def _chain_plan(stays: list[tuple[str, int, int]], unplaced: tuple[str, ...] = ()) -> Plan:
    return Plan([Assignment("R1", p, s, k) for p, s, k in stays], list(unplaced))


BROKEN = {
    "a gap": [("H1", 0, 2), ("S1", 3, 3)],
    "the same place twice in a row": [("H1", 0, 1), ("H1", 1, 1), ("S1", 2, 3)],
    "too many stays": [("H1", 0, 1), ("S1", 1, 1), ("H1", 2, 3)],
    "a stay breaking max_stay": [("H1", 0, 1), ("S1", 1, 4)],
    "a stay on a full night": [("H1", 0, 3), ("S1", 3, 2)],
    "nights short": [("H1", 0, 2), ("S1", 2, 2)],
    "a late first check-in": [("H1", 1, 1), ("S1", 2, 4)],
    "overlapping stays": [("H1", 0, 3), ("S1", 2, 3)],
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_chain_and_the_validator_refuse_a_broken_chain(name):
    problem = Problem.from_dict(bridge_data(max_moves=1 if name != "too many stays" else 1))
    stays = BROKEN[name]
    assert check_chain(problem, "R1", stays)
    assert not validate(problem, _chain_plan(stays)).feasible


def test_two_stays_where_no_move_is_allowed_are_refused():
    problem = Problem.from_dict(bridge_data(max_moves=0))
    stays = [("H1", 0, 2), ("S1", 2, 3)]
    assert check_chain(problem, "R1", stays) == ["the request may not move"]
    assert not validate(problem, _chain_plan(stays)).feasible


def test_check_chain_accepts_the_bridge_and_counts_the_plans_other_stays():
    problem = Problem.from_dict(bridge_data())
    good = [("H1", 0, 2), ("S1", 2, 3)]
    assert check_chain(problem, "R1", good) == []
    data = bridge_data()  # someone else already holds the shelter's bed on night 4
    data["requests"].append({**data["requests"][0], "id": "R2", "max_moves": 0,
                             "earliest": 4, "latest": 4, "nights": 1})
    other = Problem.from_dict(data)
    plan = Plan([Assignment("R2", "S1", 4, 1)], ["R1"])
    assert any("S1 has 0 beds free" in w for w in check_chain(other, "R1", good, plan))


@pytest.mark.parametrize("name", ["good", *sorted(BROKEN), "no move allowed"])
def test_validator_and_checker_agree_on_chains(name, checker):
    data = bridge_data(max_moves=0 if name == "no move allowed" else 1)
    stays = BROKEN.get(name, [("H1", 0, 2), ("S1", 2, 3)])
    plan = _chain_plan(stays)
    errors, cost = checker.check(copy.deepcopy(data), json.loads(json.dumps(plan.to_dict())))
    verdict = validate(Problem.from_dict(data), plan)
    assert bool(errors) == bool(verdict.errors), (errors, verdict.errors)
    assert bool(errors) == (name != "good")
    assert abs(cost - verdict.cost) < 1e-9


def _moves_tiny() -> dict:
    data = load_data("tiny-1")
    for r in data["requests"]:
        r["max_moves"] = 1
    return data


def _chain_mutants(data: dict, plan: dict, count: int, rng: random.Random) -> list[dict]:
    """Plans that split, move, stretch or shuffle stays, chains especially."""
    places = [p["id"] for p in data["shelters"] + data["hotels"]]

    def split(p):
        a = rng.choice(p["assignments"])
        if a["nights"] > 1:
            k = rng.randint(1, a["nights"] - 1)
            p["assignments"].append({**a, "resource": rng.choice(places),
                                     "check_in": a["check_in"] + k, "nights": a["nights"] - k})
            a["nights"] = k
            a.pop("rooms", None), a.pop("points", None)
            p["assignments"][-1].pop("rooms", None), p["assignments"][-1].pop("points", None)

    def move(p):
        a = rng.choice(p["assignments"])
        a["resource"] = rng.choice(places)
        a.pop("rooms", None), a.pop("points", None)

    def shift(p):
        rng.choice(p["assignments"])["check_in"] += rng.choice([-1, 1])

    def stretch(p):
        rng.choice(p["assignments"])["nights"] += rng.choice([-1, 1])

    def same(p):
        a = rng.choice(p["assignments"])
        twins = [b for b in p["assignments"] if b["request"] == a["request"] and b is not a]
        if twins:
            twins[0]["resource"] = a["resource"]

    out = []
    for _ in range(count):
        p = copy.deepcopy(plan)
        for _ in range(rng.randint(1, 2)):
            rng.choice([split, move, shift, stretch, same])(p)
        p.pop("cost", None), p.pop("bound", None), p.pop("status", None)
        out.append(p)
    return out


def test_validator_and_checker_agree_on_mutated_chain_plans(checker):
    data = _moves_tiny()
    problem = Problem.from_dict(data)
    base = solve_problem(problem, QUICK).plan
    assert_valid(problem, base)
    assert any(len(s) > 1 for s in base.chains.values())  # the optimum bridges someone
    feasible = 0
    for mutant in _chain_mutants(data, base.to_dict(), 60, random.Random(21)) + [
            base.to_dict()]:
        feasible += judged_alike(checker, data, problem, mutant)
    assert feasible >= 1


def test_an_approved_chain_held_as_fixed_stays_keeps_its_beds():
    """The app passes an approved chain as fixed stays, one per stay, under one id of its
    own; they are not decisions, only beds and rooms taken."""
    data = bridge_data()
    data["fixed"] = [{"request": "A7", "resource": "H1", "check_in": 0, "nights": 2,
                      "persons": 1},
                     {"request": "A7", "resource": "S1", "check_in": 2, "nights": 3,
                      "persons": 1, "gender": "female"}]
    problem = Problem.from_dict(data)
    plan = solve_problem(problem, QUICK).plan
    assert plan.unplaced == ["R1"]  # its chain's beds and room are the approved one's
    assert_valid(problem, plan)


def test_a_hinted_chain_is_kept_as_the_start():
    problem = Problem.from_dict(_moves_tiny())
    first = solve_problem(problem, QUICK).plan
    again = solve_problem(problem, dataclasses.replace(QUICK, hint=first))
    assert again.stats["hint"] == first.cost  # every chain of the hint found among options
    assert again.plan.cost == first.cost


def test_a_mover_left_out_is_told_whether_a_bridge_fits():
    problem = Problem.from_dict(bridge_data())
    empty = Plan([], ["R1"])
    reason = explain_request(problem, empty, "R1")
    assert reason.kind == "fits" and "a bridge fits now" in reason.text
    assert "H1 for 2 nights, then S1 from Thu Dec 3" in reason.text
    data = bridge_data()
    data["shelters"][0]["beds"] = 0  # no shelter bed at all: nothing bridges
    problem = Problem.from_dict(data)
    assert explain_request(problem, empty, "R1").text.endswith(
        "and no bridge of two stays fits either")


def test_with_few_chains_listed_the_bound_stays_true(checker):
    """A cap on the chains listed lowers the proof to a ceiling, never above the optimum."""
    data = _moves_tiny()
    problem = Problem.from_dict(data)
    optimum = solve_problem(problem, QUICK).plan
    capped = solve_problem(problem, dataclasses.replace(QUICK, max_chains=40)).plan
    assert_valid(problem, capped)
    assert capped.bound <= optimum.cost + 1e-9 <= capped.cost + 1e-9
    errors, cost = checker.check(data, json.loads(capped.to_json()))
    assert not errors and abs(cost - capped.cost) < 1e-9


def test_a_plan_on_the_shared_moves_city_passes_the_checker(shared, checker):
    """moves/state-1 is the benchmark's (`python -m optimizer bench`): too slow for here."""
    data = json.loads((shared / "instances/moves/city-1.json").read_text())
    problem = Problem.from_dict(data)
    plan = solve_problem(problem, Config(time_limit=3, workers=2, seed=1)).plan
    assert_valid(problem, plan)
    errors, cost = checker.check(data, json.loads(plan.to_json()))
    assert not errors and abs(cost - plan.cost) < 0.0005
    assert validate(problem, plan).cost == cost


# --- pruning is safe: the same optimum as every chain listed, on small random instances ---


@st.composite
def small_instances(draw: st.DrawFn) -> dict:
    H = draw(st.integers(4, 7))
    nightly = st.lists(st.integers(0, 2), min_size=H, max_size=H)
    shelters = [{"id": f"S{k}", "lat": 38.9 + 0.01 * k, "lon": -77.0, "beds": draw(nightly),
                 "max_stay": draw(st.sampled_from([2, 3, 30])),
                 "policy": draw(st.sampled_from(["any", "any", "women"]))}
                for k in range(draw(st.integers(1, 3)))]
    hotels = [{"id": f"H{k}", "program": "p", "lat": 38.9, "lon": -77.0 + 0.01 * k,
               "points": draw(st.lists(st.sampled_from([10000, 30000]), min_size=H,
                                       max_size=H)),
               "rooms": draw(nightly), "room_capacity": 2}
              for k in range(draw(st.integers(1, 2)))]
    requests = []
    for k in range(draw(st.integers(1, 4))):
        earliest = draw(st.integers(0, H - 2))
        requests.append({
            "id": f"R{k}", "adults": 1, "children": draw(st.integers(0, 2)),
            "gender": draw(st.sampled_from(["female", "male"])), "lat": 38.9, "lon": -77.0,
            "earliest": earliest, "latest": min(H - 1, earliest + draw(st.integers(0, 1))),
            "nights": draw(st.integers(2, 5)),
            "priority": draw(st.sampled_from(["critical", "high", "normal"])),
            "max_moves": draw(st.sampled_from([0, 1, 1, 2])),
            **({"move_cost": draw(st.sampled_from([0, 5]))} if draw(st.booleans()) else {})})
    return {"format": "placement-instance/1", "horizon": {"start": "2026-12-01", "nights": H},
            "programs": [{"id": "p", "balance": draw(st.sampled_from([30000, 200000]))}],
            "shelters": shelters, "hotels": hotels, "requests": requests}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_pruned_chains_keep_the_optimum_of_every_chain(data):
    problem = Problem.from_dict(data)
    pruned = solve_problem(problem, QUICK).plan
    every = solve_problem(problem, dataclasses.replace(QUICK, **PLAIN)).plan
    assert_valid(problem, pruned)
    assert_valid(problem, every)
    assert pruned.status == every.status == "optimal"
    assert pruned.cost == every.cost
    if movers(problem):  # the Lagrangian bound over every chain is a bound
        assert Bridges(generate_options(problem)).price(None).bound <= every.cost * 1000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_dominance_among_chains_keeps_an_optimum(data):
    """Settling every listed chain (dominance, shorter stays beating chains) and solving
    gives the optimum of the chains unsettled."""
    problem = Problem.from_dict(data)
    raw = generate_options(problem)
    listed, _ = Bridges(raw).listed(None)
    every = solve_problem(problem, dataclasses.replace(QUICK, **PLAIN)).plan
    from optimizer.solver import clock, solve_options

    config = dataclasses.replace(QUICK, gap_prune=False, lp=False, probe=False, lns=False)
    settled = solve_options(settle(listed, prune=True), config, clock(config)).plan
    assert_valid(problem, settled)
    assert settled.cost == every.cost
