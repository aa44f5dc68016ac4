"""Beside each why-unplaced sentence, the solve gives its kind (explain.Reason.kind), so that
the app can keep the reason as a code for its reports."""

from __future__ import annotations

from optimizer.api import solve
from optimizer.plan import Plan
from optimizer.problem import Problem, Request, Shelter


def test_each_unplaced_request_has_the_kind_of_its_reason():
    near = dict(adults=1, children=0, gender="female", earliest=0, latest=0, nights=2,
                priority="critical", max_miles=40)
    problem = Problem(start="2026-12-01", nights=4, shelters=(
        Shelter(id="S1", lat=0.1, lon=0.0, beds=(1,) * 4),), requests=(
        Request(id="R1", lat=0.0, lon=0.0, **near),
        Request(id="R2", lat=0.0, lon=0.0, **near),  # one bed: one of the two is unplaced
        Request(id="R3", lat=30.0, lon=0.0, **near)))  # nothing within 40 miles
    plan = solve(problem, time_limit=5, workers=1, seed=1)
    [taken] = set(plan.unplaced) - {"R3"}
    assert plan.reason_kinds == {"R3": "distance", taken: "taken"}
    assert set(plan.reasons) == set(plan.reason_kinds)
    # Kept in memory for the app, not in the plan's JSON format.
    assert "reason_kinds" not in plan.to_dict()
    assert Plan.from_dict(plan.to_dict()).reason_kinds == {}
