"""Pruning, decomposition and the points relaxation never cut off the optimum.

The plain model (every option that fits alone, one model, no pruning) and the full pipeline
must prove the same optimum, also when the points balances are tight enough to bind.
"""

from __future__ import annotations

import pytest
from opt_support import PLAIN, assert_valid, tight

from optimizer.budget import Budget
from optimizer.heuristic import first_fit
from optimizer.options import (
    build_options,
    lower_bound,
    plan_units,
    prune_by_gap,
    relax_points,
)
from optimizer.schedule import solve_components
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


def _state(opts) -> tuple:
    return ([(id(o), tuple(o)) for o in opts.by_request], set(opts.cap_rows), set(opts.gender_rows),
            set(opts.programs), set(opts.forced), {k: list(v) for k, v in opts.binding.items()})


def test_the_phases_leave_the_option_sets_they_are_given_as_they_were():
    """Pruning by gap and relaxing return new option sets, and the component scheduler
    prunes a copy: an option set, once made, never changes under its holder."""
    p = tight("city-1", 0.25)
    opts = build_options(p)
    made = _state(opts)
    narrow = prune_by_gap(opts, lower_bound(opts) + 5_000)
    assert sum(map(len, narrow.by_request)) < sum(map(len, opts.by_request))
    best = first_fit(opts)
    relaxed = relax_points(prune_by_gap(opts, plan_units(opts, best)))
    given = _state(relaxed)
    stats: dict = {}
    assert solve_components(relaxed, best, Budget(20), Config(), Budget(20), stats, "r").optimal
    assert stats["r"]["dropped_on_the_way"] + stats["r"]["lp_fixed"] > 0  # in its copy
    assert _state(relaxed) == given
    assert _state(opts) == made
