"""The validator restates every rule and agrees with the independent checker."""

from __future__ import annotations

import ast
import copy
import json
import random
import sys
from pathlib import Path

import pytest
from opt_support import assert_valid, judged_alike, load_data, problem_of

import optimizer
from optimizer import validate as validator
from optimizer.heuristic import assignments, first_fit
from optimizer.options import build_options, plan_units
from optimizer.plan import Plan
from optimizer.problem import Hotel
from optimizer.solver import Config, solve_problem
from optimizer.validate import validate

SMALL = ["tiny-1", "city-1", "ihtc-i01", "ihtc-i02"]


def _first_fit_plan(name: str) -> Plan:
    problem = problem_of(name)
    opts = build_options(problem)
    chosen = first_fit(opts)
    placed = {problem.requests[i].id for i in chosen}
    return Plan(assignments(problem, chosen), [r.id for r in problem.requests
                                              if r.id not in placed],
                cost=plan_units(opts, chosen) / 1000, bound=0.0, status="feasible")


@pytest.mark.parametrize("name", SMALL)
def test_first_fit_gives_a_feasible_plan(name):
    assert_valid(problem_of(name), _first_fit_plan(name))


def _mutants(data: dict, plan: dict, count: int, rng: random.Random) -> list[dict]:
    places = [p["id"] for p in data.get("shelters", []) + data.get("hotels", [])]
    requests = {r["id"]: r for r in data["requests"]}

    def placed(p):
        return p["assignments"]

    def shift(p):
        a = rng.choice(placed(p))
        a["check_in"] += rng.choice([-2, -1, 1, 2])

    def move(p):
        rng.choice(placed(p))["resource"] = rng.choice(places)

    def stretch(p):
        rng.choice(placed(p))["nights"] += rng.choice([-1, 1])

    def drop(p):
        placed(p).pop(rng.randrange(len(placed(p))))

    def twice(p):
        placed(p).append(copy.deepcopy(rng.choice(placed(p))))

    def unplace(p):
        a = placed(p).pop(rng.randrange(len(placed(p))))
        p["unplaced"].append(a["request"])

    def place(p):
        if not p["unplaced"]:
            return move(p)
        rid = p["unplaced"].pop(rng.randrange(len(p["unplaced"])))
        r = requests.get(rid, {"earliest": 0, "latest": 0, "nights": 1})
        p["assignments"].append({"request": rid, "resource": rng.choice(places),
                                 "check_in": rng.randint(r["earliest"], r["latest"]),
                                 "nights": r["nights"]})

    def rooms(p):
        rng.choice(placed(p))["rooms"] = rng.choice([0, 1, 2, 3])

    def points(p):
        rng.choice(placed(p))["points"] = rng.choice([0, 1000, 25000])

    def cost(p):
        p["cost"] = round(p["cost"] + rng.choice([-5, 0.005, 5]), 3)

    def bound(p):
        p["bound"] = p["cost"] + 1

    def status(p):
        p["status"] = "optimal"
        p["bound"] = 0

    def stranger(p):
        p["unplaced"].append("nobody")

    def crowd(p):  # everybody into one place on their earliest night
        k = rng.choice(places)
        for a in placed(p)[: rng.randint(2, 6)]:
            a["resource"] = k

    moves = [shift, move, stretch, drop, twice, unplace, place, rooms, points, cost, bound,
             status, stranger, crowd]
    out = []
    for _ in range(count):
        p = copy.deepcopy(plan)
        for _ in range(rng.randint(1, 3)):
            if not p["assignments"]:
                break
            rng.choice(moves)(p)
        out.append(p)
    return out


@pytest.mark.parametrize("name", SMALL)
def test_validator_and_checker_agree_on_mutated_plans(name, checker):
    data = load_data(name)
    problem = problem_of(name)
    base = solve_problem(problem, Config(time_limit=5, workers=1, seed=1)).plan
    rng = random.Random(name)
    feasible = infeasible = 0
    for mutant in _mutants(data, base.to_dict(), 40, rng) + [base.to_dict()]:
        ok = judged_alike(checker, data, problem, mutant)
        feasible += ok
        infeasible += not ok
    assert infeasible >= 20 and feasible >= 1


def test_validator_reads_fixed_stays_that_overfill_a_night():
    data = load_data("tiny-1")
    shelter = data["shelters"][0]
    data["fixed"] = [{"request": "F1", "resource": shelter["id"], "check_in": -2, "nights": 4,
                      "persons": 9, "gender": "female"}]
    problem = type(problem_of("tiny-1")).from_dict(data)
    plan = Plan([], [r.id for r in problem.requests])
    assert validate(problem, plan).feasible


def _shared_instances(shared) -> list:
    root = shared / "instances"
    return sorted(root.glob("*.json")) + sorted((root / "ihtc").glob("*.json"))


def test_validator_and_checker_agree_on_every_shared_instance(shared, checker):
    """First-fit plans (and one broken variant of each) on all 35 shared instances."""
    from optimizer.problem import load_problem

    rng = random.Random(5)
    paths = _shared_instances(shared)
    assert len(paths) >= 35
    for path in paths:
        data = json.loads(path.read_text())
        problem = load_problem(path)
        opts = build_options(problem)
        chosen = first_fit(opts)
        placed = {problem.requests[i].id for i in chosen}
        plan = Plan(assignments(problem, chosen),
                    [r.id for r in problem.requests if r.id not in placed],
                    cost=plan_units(opts, chosen) / 1000).to_dict()
        for mutant in [plan, *_mutants(data, plan, 2, rng)]:
            errors, cost = checker.check(data, json.loads(json.dumps(mutant)))
            verdict = validate(problem, Plan.from_dict(mutant))
            assert bool(errors) == bool(verdict.errors), (path.name, errors, verdict.errors)
            assert abs(cost - verdict.cost) < 1e-6, path.name
        assert not checker.check(data, plan)[0], path.name


# --- independence: a mistake in the model's rules must not reach the validator -------------

PACKAGE = Path(optimizer.__file__).parent


def _imports(path: Path) -> set[str]:
    """The modules a file imports, relative imports resolved inside the package."""
    package = ["optimizer", *path.relative_to(PACKAGE).parent.parts]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            if node.module:
                out.add(".".join([*base, node.module]))
            else:
                out.update(".".join([*base, a.name]) for a in node.names)
    return out


def test_the_validator_imports_only_the_data_schema_and_the_standard_library():
    schema = {"optimizer.problem", "optimizer.plan"}
    others = {m for m in _imports(PACKAGE / "validate.py")
              if m not in schema and m.split(".")[0] not in sys.stdlib_module_names}
    assert not others


def test_nothing_that_solves_or_explains_imports_the_validator():
    """Only the commands that check a plan (bench) may use it; the model has `rules.py`."""
    users = {str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
             if "optimizer.validate" in _imports(path)}
    assert users <= {"bench.py"}


@pytest.mark.parametrize("name", ["tiny-1", "city-1", "needs-city-1", "ihtc-i01"])
def test_every_option_costs_what_the_validator_charges_for_that_stay(name):
    """The model's cost of each option (`rules.stay_units`, its distance and points) and the
    validator's own, on every option that fits alone."""
    p = problem_of(name)
    opts = build_options(p, prune=False)
    checked = 0
    for i, req_opts in enumerate(opts.by_request):
        r = p.requests[i]
        for o in req_opts:
            place = p.places[o.place]
            points = 0
            if isinstance(place, Hotel):
                rooms = validator.rooms_needed(r.persons, place)
                points = sum(rooms * place.points[n]
                             for n in range(o.check_in, min(p.nights, o.check_in + r.nights)))
            d = validator.miles(r.lat, r.lon, place.lat, place.lon)
            assert (o.points, o.cost) == (points, validator.cost_units(r, o.check_in, points, d))
            checked += 1
    assert checked > 50
