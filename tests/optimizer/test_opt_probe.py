"""Pruning a component by its own gap, splitting it again, and the restricted solve (probe)
never cut off the optimum; `rebind` never forgets a row that still binds."""

from __future__ import annotations

import copy
import random

import pytest
from opt_support import PLAIN, assert_valid, problem_of, tight

from optimizer import probe
from optimizer.budget import Budget
from optimizer.component import solve_component
from optimizer.heuristic import first_fit
from optimizer.options import (
    _binding,
    build_options,
    components,
    plan_units,
    rebind,
    relax_points,
    restricted,
    trivial,
)
from optimizer.problem import Problem, Program, Request, Shelter
from optimizer.schedule import shrink
from optimizer.solver import Config, solve_problem


def _binding_rows(opts) -> set:
    return {(place, n) for place, pre in opts.binding.items()
            for n in range(len(pre) - 1) if pre[n + 1] != pre[n]}


@pytest.mark.parametrize(("name", "factor"), [("city-1", 1.0), ("city-1", 0.25),
                                              ("ihtc-i02", 1.0)])
def test_rebind_keeps_every_row_a_full_recount_finds_binding(name, factor):
    """Thin out one component at a time at random, rebind it, and compare with `_binding`
    over everything: every row that still binds must still be bound (a superset is safe),
    including other components' rows at the same place on other nights."""
    opts = relax_points(build_options(tight(name, factor)))
    rng = random.Random(11)
    groups = [g for g in components(opts) if len(g) > 1]
    assert groups
    freed = 0
    for g in groups:
        for i in g:
            req_opts = opts.by_request[i]
            opts.by_request[i] = req_opts[:1] + [o for o in req_opts[1:]
                                                 if rng.random() < 0.2]
        freed += rebind(opts, g)
        fresh = copy.copy(opts)
        _binding(fresh)
        assert _binding_rows(fresh) <= _binding_rows(opts)
        assert fresh.gender_rows <= opts.gender_rows
        assert fresh.cap_rows <= opts.cap_rows | _binding_rows(opts)
        # On the rows the group touches, rebind is exact, not just safe.
        touched = {(o.place, n) for i in g for o in opts.by_request[i] for n in o.rows()}
        assert _binding_rows(fresh) & touched == _binding_rows(opts) & touched
    assert freed > 0  # the test thinned enough to free rows, so it checks something


def test_rebind_of_one_component_leaves_anothers_rows_at_the_same_place_alone():
    """One bed, two pairs of people wanting it a week apart: two components at one place.
    Thinning the first pair frees its nights and nothing else. (Rows a group no longer
    touches at all stay marked: no option uses them, so they cannot matter.)"""
    beds = Shelter(id="S1", lat=0.1, lon=0.0, beds=(1,) * 14)
    near = Shelter(id="S2", lat=0.2, lon=0.0, beds=(5,) * 14)
    p = Problem(start="2026-12-01", nights=14, programs=(Program("marriott", 0),),
                shelters=(beds, near), hotels=(),
                requests=(_req("A1", 0), _req("A2", 0), _req("B1", 8), _req("B2", 8)), fixed=())
    opts = build_options(p)
    first, second = components(opts)
    assert sorted(first) == [0, 1] and sorted(second) == [2, 3]
    rows_b = {("S1", n) for n in range(8, 11)}
    assert rows_b <= _binding_rows(opts)
    a2 = first[1]  # one of the first pair gives up the contested bed: it is A1's alone
    opts.by_request[a2] = [o for o in opts.by_request[a2] if o.place != "S1"]
    assert rebind(opts, first) > 0
    assert not {("S1", n) for n in range(0, 3)} & _binding_rows(opts)
    assert rows_b <= _binding_rows(opts)
    assert components(opts, second) == [second]


def _req(rid, earliest, latest=None, **kw):
    base = dict(id=rid, adults=1, children=0, gender="female", lat=0.0, lon=0.0,
                earliest=earliest, latest=earliest + 1 if latest is None else latest, nights=3,
                priority="high", max_miles=40)
    base.update(kw)
    return Request(**base)


def test_a_component_pruned_by_its_own_gap_splits_where_it_stops_sharing_rows():
    """A one-bed shelter wanted by a pair early (nights 0-2) and a pair late (8-10); L, who
    stays 6 nights from any night 0-8 and can go nowhere else, links the two pairs. With a
    plan in which L comes on night 2, L's later check-ins cost more than that whole plan's
    gap: they go, L no longer reaches the late nights, and the component splits in two."""
    one_bed = Shelter(id="S1", lat=0.1, lon=0.0, beds=(1,) * 14)
    roomy = Shelter(id="S2", lat=0.2, lon=0.0, beds=(5,) * 14)
    link = _req("L", 0, 8, nights=6, priority="normal", exclude=frozenset({"S2"}))
    p = Problem(start="2026-12-01", nights=14, programs=(Program("marriott", 0),),
                shelters=(one_bed, roomy), hotels=(), fixed=(),
                requests=(_req("A1", 0), _req("A2", 0), _req("B1", 8), _req("B2", 8), link))
    opts = build_options(p)
    (group,) = [g for g in components(opts) if len(g) > 1]
    assert sorted(group) == [0, 1, 2, 3, 4]

    def at(i, place, check_in):
        return next(o for o in opts.by_request[i] if (o.place, o.check_in) == (place, check_in))

    hint = {0: at(0, "S2", 0), 1: at(1, "S2", 0), 2: at(2, "S1", 8), 3: at(3, "S2", 8),
            4: at(4, "S1", 2)}
    dropped, _ = shrink(opts, group, hint)
    assert dropped == 6  # L's check-ins 3-8
    assert max(o.check_in for o in opts.by_request[4]) == 2
    assert components(opts, group) == [[0, 1, 4], [2, 3]]
    outcome = solve_problem(p, Config(time_limit=20))
    assert_valid(p, outcome.plan)
    assert outcome.plan.status == "optimal"


def test_restricted_keeps_only_options_within_the_gap_and_leaves_the_original_alone():
    opts = relax_points(build_options(problem_of("city-1")))
    group = max(components(opts), key=len)
    sizes = [len(opts.by_request[i]) for i in group]
    unplaced = opts.unplaced
    sub = restricted(opts, group, 50_000)
    assert [len(opts.by_request[i]) for i in group] == sizes
    assert sum(len(sub.by_request[i]) for i in group) < sum(sizes)
    for i in group:
        cheapest = min(unplaced[i], opts.by_request[i][0].cost)
        assert all(o.cost - cheapest <= 50_000 for o in sub.by_request[i])
        assert sub.by_request[i][0] is opts.by_request[i][0]
    assert trivial(sub, group) == trivial(opts, group)


@pytest.mark.parametrize(("name", "factor"), [("city-1", 1.0), ("city-1", 0.25)])
def test_with_small_thresholds_the_probe_runs_and_the_optimum_is_the_plain_models(
        name, factor, monkeypatch):
    monkeypatch.setattr(probe, "PROBE_THRESHOLD", 100)
    monkeypatch.setattr(probe, "PROBE_MIN", 20)
    p = tight(name, factor)
    outcome = solve_problem(p, Config(time_limit=60))
    plain = solve_problem(p, Config(time_limit=60, **PLAIN)).plan
    assert_valid(p, outcome.plan)
    assert outcome.plan.status == plain.status == "optimal"
    assert outcome.plan.cost == pytest.approx(plain.cost, abs=1e-6)
    phases = [outcome.stats[k] for k in ("relaxed", "exact") if k in outcome.stats]
    assert sum(ph["probes"] for ph in phases) >= 1
    # Both ways out are covered: with the balances as given the probe proves the largest
    # component; with tight balances it only supplies plans and the exact model proves.
    assert sum(ph["probes_proven"] for ph in phases) == (1 if factor == 1.0 else 0)


def test_the_probe_claims_a_proof_only_for_the_components_optimum(monkeypatch):
    """Whatever rung of gaps gives the first better plan, the probe may call it proven only
    if it is the component's true optimum (the exact model on every option says so)."""
    monkeypatch.setattr(probe, "PROBE_KEEP", 0.0)
    monkeypatch.setattr(probe, "PROBE_MIN", 1)
    opts = relax_points(build_options(problem_of("city-1")))
    best = first_fit(opts)
    group = max(components(opts), key=lambda g: sum(len(opts.by_request[i]) for i in g))
    hint = {i: best[i] for i in group if i in best}
    unplaced = opts.unplaced
    before = sum(hint[i].cost if i in hint else unplaced[i] for i in group)
    probed = probe.probe(opts, group, hint, Budget(30.0), Config())
    found, units, proven = probed.chosen, probed.units, probed.proven
    assert units == sum(found[i].cost if i in found else unplaced[i] for i in group)
    assert units < before  # first-fit is far from optimal on this component
    exact, bound, optimal = solve_component(opts, group, hint, Budget(60.0), Config())
    assert optimal
    assert units >= bound
    if proven:
        assert units == bound
    assert plan_units(opts, {**best, **found}) >= plan_units(opts, {**best, **exact})
