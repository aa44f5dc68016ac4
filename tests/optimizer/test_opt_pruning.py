"""Pruning, decomposition and the points relaxation never cut off the optimum.

The plain model (every option that fits alone, one model, no pruning) and the full pipeline
must prove the same optimum, also when the points balances are tight enough to bind.
"""

from __future__ import annotations

import pytest
from opt_support import PLAIN, assert_valid, tight

from optimizer.solver import Config, solve_problem


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
