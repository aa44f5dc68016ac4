"""Survivor-specific needs (spec: `needs` on requests, `offers` on places) are hard rules.

A place is eligible only when its offers contain every need of the request, in every phase:
parsing, options, pruning and bounds, the validator (which agrees with the shared checker)
and the why-unplaced sentences, which name the missing need by its raw string.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random

import pytest
from opt_support import OPTIMUM, PLAIN, assert_valid, load_data, problem_of

from optimizer import lagrange
from optimizer.api import check_stay, solve
from optimizer.explain import explain_request
from optimizer.geo import miles
from optimizer.heuristic import assignments, first_fit
from optimizer.options import build_options, plan_units
from optimizer.plan import Assignment, Plan
from optimizer.problem import Hotel, InstanceError, Problem, Program, Request, Shelter, load_problem
from optimizer.solver import Config, solve_problem
from optimizer.validate import policy_refusal, validate

H = 7


def request(**kw) -> Request:
    base = dict(id="R1", adults=1, children=0, gender="female", lat=0.0, lon=0.0, earliest=0,
                latest=0, nights=3, priority="critical", max_miles=30)
    base.update(kw)
    return Request(**base)


def shelter(**kw) -> Shelter:
    base = dict(id="S1", lat=0.1, lon=0.0, beds=(2,) * H)
    base.update(kw)
    return Shelter(**base)


def hotel(**kw) -> Hotel:
    base = dict(id="H1", program="marriott", lat=0.0, lon=0.2, points=(20000,) * H,
                rooms=(3,) * H, room_capacity=2)
    base.update(kw)
    return Hotel(**base)


def problem(requests, shelters=(), hotels=()) -> Problem:
    return Problem(start="2026-12-01", nights=H, requests=tuple(requests),
                   programs=(Program("marriott", 1_000_000),), shelters=tuple(shelters),
                   hotels=tuple(hotels))


def _strip_needs(data: dict) -> dict:
    data = copy.deepcopy(data)
    for r in data["requests"]:
        r.pop("needs", None)
    return data


# --- the rule ---------------------------------------------------------------------------------


def test_a_need_no_place_offers_leaves_the_request_unplaced_and_names_the_need():
    p = problem([request(needs=frozenset({"lang:es"}))],
                [shelter(offers=frozenset({"no-id", "lang:vi"}))],
                [hotel(offers=frozenset({"under-21"}))])
    plan = solve(p, time_limit=5)
    assert_valid(p, plan)
    assert plan.unplaced == ["R1"]
    assert plan.reasons["R1"] == "no place within 30 miles offers 'lang:es'"
    reason = explain_request(p, plan, "R1")
    assert reason.kind == "needs"
    assert reason.needs == ["lang:es"]
    assert sorted(reason.places) == ["H1", "S1"]
    # Offer it at the hotel and the request is placed there.
    offered = dataclasses.replace(p, hotels=(hotel(offers=frozenset({"lang:es"})),))
    again = solve(offered, time_limit=5)
    assert_valid(offered, again)
    assert again.placed["R1"].resource == "H1"


def test_a_place_is_eligible_only_when_it_offers_every_need():
    needs = frozenset({"lang:es", "no-id"})
    cheap_but_partial = shelter(offers=frozenset({"lang:es", "lgbtq-affirming"}))
    dear_and_complete = hotel(offers=frozenset({"no-id", "lang:es", "under-21"}))
    p = problem([request(needs=needs)], [cheap_but_partial], [dear_and_complete])
    opts = build_options(p, prune=False)
    assert {o.place for o in opts.by_request[0]} == {"H1"}
    plan = solve(p, time_limit=5)
    assert_valid(p, plan)
    assert plan.placed["R1"].resource == "H1"
    # Once the shelter offers both, the cheaper shelter wins.
    both = dataclasses.replace(p, shelters=(shelter(offers=needs),))
    assert solve(both, time_limit=5).placed["R1"].resource == "S1"


def test_needs_are_compared_exactly():
    p = problem([request(needs=frozenset({"lang:es"}))],
                [shelter(offers=frozenset({"lang:ES", "lang:es ", "lang"}))])
    assert build_options(p, prune=False).by_request[0] == []
    assert "no place within 30 miles offers 'lang:es'" in solve(p, time_limit=5).reasons["R1"]


def test_the_reason_names_every_need_that_together_keeps_the_places_out():
    p = problem([request(needs=frozenset({"no-id", "lang:es"}))],
                [shelter(offers=frozenset({"lgbtq-affirming"}))])
    plan = solve(p, time_limit=5)
    reason = explain_request(p, plan, "R1")
    assert reason.text == "no place within 30 miles offers all of 'lang:es', 'no-id'"
    assert reason.kind == "needs"
    assert reason.needs == ["lang:es", "no-id"]


def test_a_need_with_another_rule_is_named_beside_it():
    p = problem([request(needs=frozenset({"lang:es"}), pets=1)], [shelter()])
    reason = explain_request(p, solve(p, time_limit=5), "R1")
    assert reason.text == "no place within 30 miles both admits a pet and offers 'lang:es'"
    assert reason.kind == "pets+needs"


def test_check_stay_names_the_missing_need():
    p = problem([request(needs=frozenset({"lang:es", "no-id"}))],
                [shelter(offers=frozenset({"no-id"}))])
    assert check_stay(p, "R1", "S1", 0) == ["the place does not offer 'lang:es'"]
    p = problem([request(needs=frozenset({"lang:es", "no-id"}))], [shelter()])
    assert check_stay(p, "R1", "S1", 0) == ["the place does not offer 'lang:es' or 'no-id'"]


def test_places_that_differ_only_in_offers_are_not_pooled_as_one_kind():
    assert lagrange._kind(shelter(offers=frozenset({"lang:es"}))) != lagrange._kind(shelter())
    assert lagrange._kind(shelter(id="S2")) == lagrange._kind(shelter())


# --- the validator ----------------------------------------------------------------------------


def test_the_validator_refuses_a_stay_at_a_place_lacking_a_need():
    p = problem([request(needs=frozenset({"trafficking-specialized"}))], [shelter()])
    plan = Plan([Assignment("R1", "S1", 0, 3, 0, 0)], [])
    errors = validate(p, plan).errors
    assert errors == ["assignment R1->S1: the place does not offer 'trafficking-specialized'"]


def test_the_plain_optimum_breaks_needs_and_the_validator_says_so():
    """needs/city-1 is city-1 with needs: the plan that ignores them is refused."""
    data = load_data("needs-city-1")
    with_needs = Problem.from_dict(data)
    without = Problem.from_dict(_strip_needs(data))
    plan = solve_problem(without, Config(time_limit=20)).plan
    assert_valid(without, plan)
    errors = validate(with_needs, plan).errors
    assert errors and all("does not offer" in e for e in errors)


def test_needs_city_1_is_proven_at_the_readme_optimum():
    p = problem_of("needs-city-1")
    plan = solve(p, time_limit=30)
    assert_valid(p, plan)
    assert plan.status == "optimal"
    assert plan.cost == pytest.approx(OPTIMUM["needs-city-1"], abs=1e-6)
    needs = {r.id: r.needs for r in p.requests}
    for a in plan.assignments:
        assert needs[a.request] <= p.places[a.resource].offers
    assert set(plan.reasons) == set(plan.unplaced)
    assert any("offers '" in text for text in plan.reasons.values())


def test_needs_city_1_pipeline_and_plain_model_prove_the_same_optimum():
    p = problem_of("needs-city-1")
    plain = solve_problem(p, Config(time_limit=60, **PLAIN)).plan
    assert_valid(p, plain)
    assert plain.status == "optimal"
    assert plain.cost == pytest.approx(OPTIMUM["needs-city-1"], abs=1e-6)


def test_every_option_of_a_needs_instance_offers_every_need():
    p = problem_of("needs-city-1")
    opts = build_options(p, prune=False)
    checked = 0
    for i, req_opts in enumerate(opts.by_request):
        for o in req_opts:
            assert p.requests[i].needs <= p.places[o.place].offers
            checked += 1
    assert checked > 100
    # ...and needs do cut options: the same instance without them has more.
    plain = build_options(Problem.from_dict(_strip_needs(load_data("needs-city-1"))),
                          prune=False)
    assert sum(map(len, plain.by_request)) > checked


def _claim_holds(p: Problem, r: Request, reason) -> None:
    """"No place within N miles [both admits a pet and] offers 'x'": every place in reach that
    the other named rules let in lacks one of the needs named (checked apart from explain)."""
    others = set(reason.kind.split("+")) - {"needs"}
    assert others <= {"pets", "accessible", "policy", "max_stay"}, reason.kind
    for place in (*p.shelters, *p.hotels):
        if r.max_miles is not None and miles(r.lat, r.lon, place.lat, place.lon) > r.max_miles:
            continue
        if ("pets" in others and r.needs_pet_place and not place.pets
                or "accessible" in others and r.accessible and not place.accessible
                or "policy" in others and (policy_refusal(place, r) is not None
                                           if isinstance(place, Shelter) else r.adults == 0)
                or "max_stay" in others and isinstance(place, Shelter)
                and (place.max_stay or r.nights) < r.nights):
            continue
        assert not set(reason.needs) <= place.offers, (r.id, reason.text, place.id)


def test_every_need_named_in_a_reason_is_real_on_needs_city_1():
    """The sentence is true of every place in reach, and giving the named places the
    request's needs lets the request fit beside the plan."""
    p = problem_of("needs-city-1")
    plan = solve(p, time_limit=30)
    named = 0
    for rid in plan.unplaced:
        reason = explain_request(p, plan, rid)
        if "needs" not in reason.kind.split("+"):
            continue
        named += 1
        assert all(f"'{n}'" in reason.text for n in reason.needs)
        r = p.request_by_id[rid]
        assert set(reason.needs) <= r.needs
        _claim_holds(p, r, reason)
        if reason.kind != "needs":
            continue
        places = set(reason.places)
        freed = dataclasses.replace(
            p,
            shelters=tuple(dataclasses.replace(s, offers=s.offers | r.needs)
                           if s.id in places else s for s in p.shelters),
            hotels=tuple(dataclasses.replace(h, offers=h.offers | r.needs)
                         if h.id in places else h for h in p.hotels))
        after = explain_request(freed, plan, rid)
        assert after.kind in ("fits", "costly"), (rid, reason.text, after.text)
    assert named >= 3


# --- the formats ------------------------------------------------------------------------------


def test_needs_and_offers_round_trip_through_the_dict_form():
    p = problem_of("needs-city-1")
    assert any(r.needs for r in p.requests)
    assert any(s.offers for s in p.shelters) and any(h.offers for h in p.hotels)
    data = json.loads(json.dumps(p.to_dict()))
    assert Problem.from_dict(data) == p
    assert sorted(data["requests"][0].get("needs", [])) == data["requests"][0].get("needs", [])


def test_moves_fields_are_read_and_written_without_being_used():
    data = load_data("tiny-1")
    data["requests"][0].update(max_moves=1, move_cost=5.5)
    p = Problem.from_dict(data)
    r = p.requests[0]
    assert (r.max_moves, r.move_cost) == (1, 5.5)
    assert Problem.from_dict(json.loads(json.dumps(p.to_dict()))) == p


BAD = {
    "needs not a list": (lambda d: d["requests"][0].update(needs="lang:es"),
                         "needs must be a list of strings"),
    "needs not strings": (lambda d: d["requests"][0].update(needs=["lang:es", 3]),
                          "needs must be a list of strings"),
    "shelter offers not a list": (lambda d: d["shelters"][0].update(offers={"a": 1}),
                                  "offers must be a list of strings"),
    "hotel offers not strings": (lambda d: d["hotels"][0].update(offers=[None]),
                                 "offers must be a list of strings"),
    "negative max_moves": (lambda d: d["requests"][0].update(max_moves=-1), "max_moves"),
    "fractional max_moves": (lambda d: d["requests"][0].update(max_moves=1.5), "max_moves"),
    "negative move_cost": (lambda d: d["requests"][0].update(move_cost=-1), "move_cost"),
    "infinite move_cost": (lambda d: d["requests"][0].update(move_cost=float("inf")),
                           "move_cost"),
    # Not a needs field, but the spec's other parse rule the parser missed: a longer horizon
    # would have expanded one-number beds into a list of that length first.
    "horizon over 3660 nights": (lambda d: d["horizon"].update(nights=10**9),
                                 "nights must be at most 3660"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_needs_offers_or_moves_field_is_refused_by_name(name):
    change, words = BAD[name]
    data = load_data("tiny-1")
    change(data)
    with pytest.raises(InstanceError) as err:
        Problem.from_dict(data)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_a_problem_built_in_memory_with_a_bare_string_of_needs_is_refused():
    with pytest.raises(InstanceError, match="needs"):
        problem([request(needs="lang:es")], [shelter()])


# --- against the shared checker ---------------------------------------------------------------


def _first_fit_plan(problem_: Problem) -> dict:
    opts = build_options(problem_)
    chosen = first_fit(opts)
    placed = {problem_.requests[i].id for i in chosen}
    return Plan(assignments(problem_, chosen),
                [r.id for r in problem_.requests if r.id not in placed],
                cost=plan_units(opts, chosen) / 1000).to_dict()


def _wrong_place(data: dict, plan: dict, rng: random.Random) -> list[dict]:
    """Plans that move one placed request with needs to a place lacking one of them."""
    places = data["shelters"] + data["hotels"]
    needs = {r["id"]: set(r.get("needs", [])) for r in data["requests"]}
    out = []
    for a in plan["assignments"]:
        if not needs[a["request"]]:
            continue
        lacking = [p["id"] for p in places if not needs[a["request"]] <= set(p.get("offers", []))]
        mutant = copy.deepcopy(plan)
        for b in mutant["assignments"]:
            if b["request"] == a["request"]:
                b["resource"] = rng.choice(lacking)
                b.pop("rooms", None)
                b.pop("points", None)
        out.append(mutant)
        if len(out) == 5:
            break
    return out


@pytest.mark.parametrize("name", ["city-1", "state-1"])
def test_validator_and_checker_agree_on_the_needs_instances(name, shared, checker):
    path = shared / "instances/needs" / f"{name}.json"
    data = json.loads(path.read_text())
    problem_ = load_problem(path)
    rng = random.Random(name)
    good = _first_fit_plan(problem_)
    ignoring = _first_fit_plan(Problem.from_dict(_strip_needs(data)))
    mutants = _wrong_place(data, good, rng)
    assert len(mutants) == 5
    refused = 0
    for plan in [good, ignoring, *mutants]:
        errors, cost = checker.check(copy.deepcopy(data), json.loads(json.dumps(plan)))
        verdict = validate(problem_, Plan.from_dict(plan))
        assert bool(errors) == bool(verdict.errors), (errors, verdict.errors)
        assert abs(cost - verdict.cost) < 1e-6
        refused += bool(errors)
    assert not checker.check(data, good)[0]
    assert refused == 6


def test_the_moves_instances_parse_and_a_single_stay_plan_passes_the_checker(shared, checker):
    for name in ("city-1", "state-1"):
        path = shared / "instances/moves" / f"{name}.json"
        data = json.loads(path.read_text())
        problem_ = load_problem(path)
        assert any(r.max_moves for r in problem_.requests)
        plan = _first_fit_plan(problem_)
        errors, cost = checker.check(data, json.loads(json.dumps(plan)))
        assert not errors and not validate(problem_, Plan.from_dict(plan)).errors
        assert abs(cost - validate(problem_, Plan.from_dict(plan)).cost) < 1e-6


def test_the_emergency_benchmark_runs_the_needs_instances_against_their_proven_optima(shared):
    from optimizer.bench import EMERGENCY, best_known

    known = best_known(shared / "instances/README.md")
    for name in ("needs/city-1", "needs/state-1"):
        assert name in EMERGENCY and (shared / "instances" / f"{name}.json").is_file()
    assert known["needs/city-1"] == OPTIMUM["needs-city-1"]
    assert known["needs/state-1"] == 1973933.092
    assert known["city-1"] == OPTIMUM["city-1"]
