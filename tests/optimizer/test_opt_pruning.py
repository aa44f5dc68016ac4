"""Pruning, decomposition and the points relaxation never cut off the optimum.

The plain model (every option that fits alone, one model, no pruning) and the full pipeline
must prove the same optimum, also when the points balances are tight enough to bind.
"""

from __future__ import annotations

import pytest
from opt_support import PLAIN, assert_valid, problem_of, tight

from optimizer.geo import miles
from optimizer.options import build_options
from optimizer.solver import Config, solve_problem
from optimizer.validate import cost_units


@pytest.mark.parametrize(("name", "factor"), [("tiny-1", 1.0), ("tiny-1", 0.3),
                                              ("city-1", 0.25), ("ihtc-i01", 1.0)])
def test_the_pipeline_and_the_plain_model_prove_the_same_optimum(name, factor):
    p = tight(name, factor)
    fast = solve_problem(p, Config(time_limit=60)).plan
    plain = solve_problem(p, Config(time_limit=60, **PLAIN)).plan
    assert_valid(p, fast)
    assert_valid(p, plain)
    assert fast.status == plain.status == "optimal"
    assert fast.cost == pytest.approx(plain.cost, abs=1e-6)


def test_tight_balances_make_the_relaxation_fail_and_the_exact_phase_repair_it():
    p = tight("city-1", 0.25)
    outcome = solve_problem(p, Config(time_limit=60))
    assert_valid(p, outcome.plan)
    spent: dict[str, int] = {}
    for a in outcome.plan.assignments:
        place = p.places[a.resource]
        if hasattr(place, "program"):
            spent[place.program] = spent.get(place.program, 0) + (a.points or 0)
    assert all(spent.get(g.id, 0) <= g.balance for g in p.programs)
    assert outcome.stats.get("relaxation_breaks_balances")


@pytest.mark.parametrize("name", ["tiny-1", "city-1", "ihtc-i01"])
def test_every_option_costs_what_the_validator_charges_for_that_stay(name):
    """build_options computes costs inline for speed: they must stay the validator's."""
    p = problem_of(name)
    opts = build_options(p, prune=False)
    checked = 0
    for i, req_opts in enumerate(opts.by_request):
        r = p.requests[i]
        for o in req_opts:
            place = p.places[o.place]
            d = miles(r.lat, r.lon, place.lat, place.lon)
            assert o.cost == cost_units(r, o.check_in, o.points, d)
            checked += 1
    assert checked > 50
