"""LP prices: the Lagrangian bound is a true lower bound and reduced-cost fixing keeps every
plan cheaper than the one it was given, for the LP's prices and for arbitrary ones."""

from __future__ import annotations

import random

import pytest
from opt_support import PLAIN, problem_of, tight

from optimizer import lagrange
from optimizer.heuristic import first_fit
from optimizer.options import build_options, components, lower_bound, plan_units, relax_points
from optimizer.solver import Config, solve_problem


def _optimum(p) -> int:
    plan = solve_problem(p, Config(time_limit=60, **PLAIN)).plan
    assert plan.status == "optimal"
    return round(plan.cost * 1000)


def _rows(opts, group):
    return sorted({key for i in group for o in opts.by_request[i]
                   for key, _ in lagrange._rows(opts, o)}, key=str)


@pytest.mark.parametrize(("name", "factor"), [("tiny-1", 0.3), ("city-1", 0.25),
                                              ("city-1", 1.0), ("ihtc-i01", 1.0)])
def test_every_price_vector_bounds_the_optimum_from_below(name, factor):
    p = tight(name, factor)
    optimum = _optimum(p)
    opts = build_options(p)
    everyone = list(range(len(p.requests)))
    rows = _rows(opts, everyone)
    assert rows
    lp = lagrange.prices(opts, everyone, None)
    assert lp is not None
    assert lower_bound(opts) <= lp.bound <= optimum
    pooled = lagrange.prices(opts, everyone, None, aggregate=True)
    assert pooled is not None
    assert lower_bound(opts) <= pooled.bound <= optimum
    rng = random.Random(7)
    for scale in (1, 100, 10_000, 1_000_000):
        lam = {k: rng.randrange(scale * lagrange.SCALE) for k in rows}
        assert lagrange.bound(opts, everyone, lagrange.Prices(lam, 0, 0.0)) <= optimum


def test_lp_prices_beat_the_trivial_bound_where_beds_bind():
    p = problem_of("city-1")
    opts = relax_points(build_options(p))
    group = max(components(opts), key=len)
    trivial = sum(min([opts.unplaced[i]] + [o.cost for o in opts.by_request[i][:1]])
                  for i in group)
    lp = lagrange.prices(opts, group, None)
    assert lp is not None and lp.bound > trivial


@pytest.mark.parametrize("random_prices", [False, True])
def test_fixing_against_first_fit_keeps_the_optimal_plan(random_prices):
    p = problem_of("city-1")
    best = solve_problem(p, Config(time_limit=60, **PLAIN)).plan
    assert best.status == "optimal"
    opts = relax_points(build_options(p))  # city-1's optimum keeps the balances
    ff = first_fit(opts)
    optimal = {(a.request, a.resource, a.check_in) for a in best.assignments}
    dropped = 0
    for group in components(opts):
        lp = lagrange.prices(opts, group, None)
        if lp is None:
            continue
        if random_prices:
            rng = random.Random(3)
            lp = lagrange.Prices({k: rng.randrange(50 * lagrange.SCALE)
                                  for k in _rows(opts, group)}, 0, 0.0)
        upper = sum(ff[i].cost if i in ff else opts.unplaced[i] for i in group)
        dropped += lagrange.fix(opts, group, lp, upper, {i: ff[i] for i in group if i in ff})
    assert dropped > 0
    kept = {(p.requests[o.req].id, o.place, o.check_in) for o in opts.all()}
    assert optimal <= kept  # every option of a plan cheaper than first-fit survives
    assert plan_units(opts, ff) > round(best.cost * 1000)  # (first-fit is dearer here)


def test_pooled_rooms_give_fewer_columns_and_real_prices():
    """IHTC rooms of one kind are pooled: fewer LP columns, prices only on real rows."""
    p = problem_of("ihtc-i01")
    opts = build_options(p)
    everyone = list(range(len(p.requests)))
    columns, _, _ = lagrange._columns(opts, everyone, True)
    assert len(columns) < len(opts.all())
    assert lagrange.poolable(opts, everyone)
    city = build_options(problem_of("city-1"))  # places all over town: nothing to pool
    assert not lagrange.poolable(city, list(range(len(city.by_request))))
    pooled = lagrange.prices(opts, everyone, None, aggregate=True)
    assert pooled is not None and pooled.lam
    real = set(_rows(opts, everyone))
    assert set(pooled.lam) <= real
    assert pooled.bound == lagrange.bound(opts, everyone, pooled)
