"""Solve a Problem: a pipeline of named phases, each safe on its own (none can cut off every
optimal plan).

1. options: every (request, place, check-in) that fits alone and beats leaving it out;
2. a first plan: the hint (repaired), first-fit or urgent-first, whichever is cheapest: an
   upper bound;
3. pruning by gap: options that would push any plan above that upper bound go;
4. the points-relaxed phase: with no balance to share, requests meet only on nightly beds
   and rooms, so the problem falls apart into components (`schedule.py`), each solved
   within its share of the time;
5. the exact phase, with the balances, when the relaxed plan breaks one or was not proven;
6. the plan: never worse than the first, optimal when every component was proven.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .budget import Budget
from .config import Config, Progress
from .heuristic import assignments, complete, first_fit, urgent_first
from .options import (
    Option,
    Options,
    build_options,
    generate_options,
    keeps_balances,
    lower_bound,
    movers,
    plan_units,
    prune_by_gap,
    relax_points,
    settle,
    stay_key,
)
from .plan import Plan
from .problem import Problem
from .schedule import Phase, solve_components

__all__ = ["Config", "Outcome", "Progress", "clock", "plan_units", "repair_hint", "solve_options",
           "solve_problem"]


@dataclass
class Outcome:
    plan: Plan
    stats: dict[str, Any] = field(default_factory=dict)


def solve_problem(problem: Problem, config: Config | None = None) -> Outcome:
    config = config or Config()
    run = clock(config)  # counts from the start
    if movers(problem):
        return solve_bridged(generate_options(problem, config.prune), config, run)
    return solve_options(build_options(problem, prune=config.prune), config, run)


def solve_bridged(raw: Options, config: Config, run: Budget) -> Outcome:
    """Solve a problem some of whose requests may move (spec: Moves), from its generated
    single stays `raw`, on the clock `run`: the chains that a better plan could use are
    listed first (`chains.py`), then the options are settled and solved as any others.

    1. prices by column generation and the Lagrangian bound L over every option;
    2. the single stays and the LP's chains solved as a problem of their own, in
       `bridge_share` of the time: a plan of the whole, UB;
    3. the chains that a plan below UB could use (with UB's and the hint's own), then the
       usual pipeline, started from UB's plan. The bound is max(L, min(bound, ceiling)).
    """
    from .chains import Bridges  # only where requests may move

    stats: dict[str, Any] = {}
    bridges = Bridges(raw)
    keep = bridges.from_plan(config.hint) if config.hint is not None else []
    if not config.prune:  # every chain, as every single stay
        opts, _ = bridges.listed(None, keep=keep, max_chains=None)
        return solve_options(settle(opts, prune=False), config, run)
    priced = bridges.price(run.wall_limit(0.25))
    stats["bridges"] = {"stays": bridges.stays(), "lp_rounds": priced.rounds,
                        "lp": round(priced.lp_bound, 3), "lagrangian": priced.bound / 1000,
                        "lp_chains": sum(len(c) for c in priced.columns.values()),
                        "price_seconds": round(priced.seconds, 2)}
    share = min(config.time_limit * config.bridge_share, run.left)
    first = settle(bridges.with_columns(priced), prune=True)
    sub = dataclasses.replace(config, time_limit=share, progress=None)
    start = solve_options(first, sub, run.part(share)).plan
    run.charge(share)
    upper = round((start.cost or 0) * 1000)
    kept = [*keep, *bridges.from_plan(start)]
    # At most a thousand chains per second of the limit: listing and settling them is pure
    # Python (60,000 take seconds); fewer only lower the ceiling, never the truth of a bound.
    most = min(config.max_chains, max(1_000, int(1_000 * config.time_limit)))
    opts, ceiling = bridges.listed(priced, upper, kept, most)
    opts.proven, opts.ceiling = priced.bound, ceiling
    stats["bridges"].update(first_plan=start.cost, first_status=start.status,
                            listed=opts.stats["chains"], ceiling=None if ceiling is None
                            else ceiling / 1000, seconds=round(run.elapsed, 2))
    # The phases share what the first steps left, as a plain solve shares its whole limit.
    rest = dataclasses.replace(config, time_limit=max(0.0, run.left))
    outcome = solve_options(settle(opts, prune=True), rest, run, starts=[start])
    outcome.stats.update(stats)
    return outcome


def clock(config: Config) -> Budget:
    """The budget of a run of `config.time_limit` seconds: wall-clock, or deterministic
    with a seed and one worker (the one place that choice is read)."""
    return Budget(config.time_limit, config.deterministic)


def solve_options(opts: Options, config: Config, run: Budget,
                  starts: Sequence[Plan] = ()) -> Outcome:
    """Solve the problem whose options `build_options` made (`opts.problem`), on the clock
    `run` (started before the options were built, so preparing them counts); `starts` are
    plans to start from besides the hint."""
    stats: dict[str, Any] = {}
    stats.update(opts.stats)
    stats["prepare_seconds"] = round(run.elapsed, 3)
    best = first_plan(opts, config.hint, stats, starts)
    upper = plan_units(opts, best)
    if config.gap_prune:
        opts = prune_by_gap(opts, upper)
        stats.update(opts.stats)
    bound = lower_bound(opts)
    coupled = bool(opts.programs)  # some balance can run out
    found = relaxed_phase(opts, best, coupled, config, run, stats)
    bound = max(bound, found.bound)
    if plan_units(opts, found.chosen) < upper:
        best, upper = found.chosen, plan_units(opts, found.chosen)
    if coupled and not found.optimal and run.left > 0.1 * run.seconds:
        found = exact_phase(opts, best, upper, config, run, stats)
        bound = max(bound, found.bound)
    plan = final_plan(opts.problem, opts, found, best, bound, run)
    if config.progress:
        config.progress({"cost": plan.cost, "bound": plan.bound, "elapsed": plan.seconds,
                         "done": True})
    return Outcome(plan, stats)


def first_plan(opts: Options, hint: Plan | None, stats: dict[str, Any],
               starts: Sequence[Plan] = ()) -> dict[int, Option]:
    """The cheapest of first-fit, urgent-first, the repaired hint and the repaired `starts`:
    the first upper bound."""
    best = first_fit(opts)
    stats["first_fit"] = plan_units(opts, best) / 1000
    stats["start"] = "first_fit"
    urgent = urgent_first(opts)
    stats["urgent_first"] = plan_units(opts, urgent) / 1000
    if plan_units(opts, urgent) < plan_units(opts, best):
        best = urgent
        stats["start"] = "urgent_first"
    for name, plan in [("hint", hint), *(("bridges", p) for p in starts)]:
        if plan is None:
            continue
        repaired = repair_hint(opts, plan)
        stats[name] = plan_units(opts, repaired) / 1000
        if plan_units(opts, repaired) < plan_units(opts, best):
            best = repaired
            stats["start"] = name
    return best


def repair_hint(opts: Options, hint: Plan) -> dict[int, Option]:
    """The hint's stays that still fit (in its order), then first-fit for everybody else."""
    index = {r.id: i for i, r in enumerate(opts.problem.requests)}
    seeds = []
    for rid, stays in hint.chains.items():  # a chain is kept whole or not at all
        i = index.get(rid)
        if i is None:
            continue
        key = tuple((a.resource, a.check_in) for a in stays)
        for o in opts.by_request[i]:
            if o.place == key[0][0] and o.check_in == key[0][1] and (
                    len(key) == 1 and not o.tail or stay_key(o) == key):
                seeds.append((i, o))
                break
    return complete(opts, seeds)


def relaxed_phase(opts: Options, best: dict[int, Option], coupled: bool, config: Config,
                  run: Budget, stats: dict[str, Any]) -> Phase:
    """The points balances relaxed (when some can run out; else simply the problem), in
    `relaxed_share` of the time. The relaxation's optimum bounds the real one; if it also
    keeps every balance, it is the real optimum. If not, first-fit repairs it."""
    relaxed = relax_points(opts) if coupled else opts
    seconds = min(config.time_limit * (config.relaxed_share if coupled else 1.0), run.left)
    found = solve_components(relaxed, best, run.part(seconds), config, run, stats,
                             "relaxed" if coupled else "exact")
    run.charge(seconds)
    if coupled and not keeps_balances(opts, found.chosen):
        stats["relaxation_breaks_balances"] = True
        repaired = complete(opts, sorted(found.chosen.items(), key=lambda kv: kv[1].cost))
        return Phase(repaired, found.bound, False)
    return found


def exact_phase(opts: Options, best: dict[int, Option], upper: int, config: Config,
                run: Budget, stats: dict[str, Any]) -> Phase:
    """The exact model with the balances, on what the better plan leaves, in the time left."""
    if config.gap_prune:
        opts = prune_by_gap(opts, upper)
    return solve_components(opts, best, run.part(run.left), config, run, stats, "exact")


def final_plan(problem: Problem, opts: Options, found: Phase, best: dict[int, Option],
               bound: int, run: Budget) -> Plan:
    """The phases' plan, or the first plan if that is cheaper; its bound and status."""
    chosen, units = found.chosen, plan_units(opts, found.chosen)
    upper = plan_units(opts, best)
    if units > upper:  # never worse than the first plan
        chosen, units = best, upper
    if found.optimal:
        bound = units
    if opts.ceiling is not None:  # proven for the listed options only below the ceiling
        bound = min(bound, opts.ceiling)
    bound = min(max(bound, opts.proven), units)
    placed_ids = {problem.requests[i].id for i in chosen}
    return Plan(
        assignments=assignments(problem, chosen),
        unplaced=[r.id for r in problem.requests if r.id not in placed_ids],
        cost=units / 1000,
        bound=bound / 1000,
        status="optimal" if bound == units else "feasible",
        seconds=round(run.elapsed, 3),
    )
