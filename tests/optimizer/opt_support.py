"""Helpers for the optimizer tests: bundled instances, the validator every test runs."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.validate import validate

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"

# Proven optima from shared/instances/README.md (copied so the core tests run without it).
OPTIMUM = {"tiny-1": 112208.963, "city-1": 200323.426, "state-1": 744468.802,
           "needs-city-1": 413258.512}


# The pipeline's shortcuts off: every option that fits alone, one model, no pruning.
PLAIN = dict(prune=False, gap_prune=False, decompose=False, lns=False, lp=False, probe=False)


def load_data(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def problem_of(name: str) -> Problem:
    return Problem.from_dict(load_data(name))


def tight(name: str, factor: float) -> Problem:
    """A bundled instance with every points balance scaled by `factor` (tight ones bind)."""
    p = problem_of(name)
    programs = tuple(dataclasses.replace(g, balance=int(g.balance * factor)) for g in p.programs)
    return dataclasses.replace(p, programs=programs)


def assert_valid(problem: Problem, plan: Plan) -> None:
    """Every optimizer test runs the solver-agnostic validator on what it gets back."""
    verdict = validate(problem, plan)
    assert verdict.feasible, verdict.errors
    assert plan.cost is not None and abs(plan.cost - verdict.cost) < 0.0005
    assert plan.bound is not None and plan.bound <= plan.cost + 1e-9
    ids = list(plan.chains) + list(plan.unplaced)  # a chain's stays are one placement
    assert sorted(ids) == sorted(r.id for r in problem.requests)


def judged_alike(checker, data: dict, problem: Problem, plan: dict) -> bool:
    """The validator and the checker give `plan` the same verdict and cost; True if it is
    feasible."""
    errors, cost = checker.check(copy.deepcopy(data), json.loads(json.dumps(plan)))
    verdict = validate(problem, Plan.from_dict(plan))
    assert bool(errors) == bool(verdict.errors), (plan, errors, verdict.errors)
    assert abs(cost - verdict.cost) < 1e-6, (cost, verdict.cost)
    return not errors
