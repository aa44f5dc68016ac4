"""Solve a Problem: prepare options, get a first plan, prune, decompose, run CP-SAT.

The steps, each safe on its own (none can cut off every optimal plan):
1. options: every (request, place, check-in) that fits alone and beats leaving it out;
2. a first plan: the hint (repaired) or first-fit, whichever is cheaper: an upper bound;
3. pruning by gap: options that would push any plan above that upper bound go;
4. decomposition: requests that share no binding row or program are solved apart;
5. CP-SAT per component, hinted with the first plan, within the time left.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from . import lagrange
from . import model as cpmodel
from .budget import Budget
from .heuristic import assignments, complete, first_fit, urgent_first
from .lns import LnsStats, improve
from .options import (
    Option,
    Options,
    build_options,
    components,
    keeps_balances,
    lower_bound,
    plan_units,
    prune_by_gap,
    prune_dominated,
    prune_requests,
    rebind,
    relax_points,
    restricted,
    trivial,
)
from .plan import Plan
from .problem import Problem

Progress = Callable[[dict[str, Any]], None]
LNS_THRESHOLD = 30_000  # options; below this the exact model alone is fast enough
GENDER_LNS_THRESHOLD = 5_000  # the same where two genders may meet in a room (weak LP)
LP_RANGE = (1_000, 70_000)  # options: components whose LP prices are worth their time
PROBE_THRESHOLD = 20_000  # options: components first solved restricted to cheaper options
PROBE_KEEP = 0.25  # of a component's options that the restricted solve keeps at least
PROBE_MIN = 10_000  # options the restricted solve keeps at least
PROBE_SHARE = 0.6  # of a component's time the restricted solve may take


@dataclass
class Config:
    time_limit: float = 60.0  # seconds of search (deterministic time with a seed and 1 worker)
    workers: int = 2
    seed: int | None = None
    hint: Plan | None = None
    progress: Progress | None = None
    decompose: bool = True
    prune: bool = True  # drop never-better options (cost ≥ U, dominated by a free option)
    gap_prune: bool = True
    lns: bool = True
    lns_share: float = 0.5  # of a large component's time, spent on LNS before the exact model
    lns_threshold: int = LNS_THRESHOLD  # options in a component above which LNS runs first
    subsolver: str | None = "max_lp"  # the full-problem CP-SAT worker with 2 workers
    lp: bool = True  # LP prices per component: a Lagrangian bound and reduced-cost fixing
    probe: bool = True  # big components: solve restricted to cheaper options first
    relaxed_share: float = 0.7  # of the time limit, for the points-relaxed phase
    log: bool = False

    @property
    def deterministic(self) -> bool:
        return self.seed is not None and self.workers == 1


@dataclass
class Outcome:
    plan: Plan
    stats: dict[str, Any] = field(default_factory=dict)


def repair_hint(opts: Options, hint: Plan) -> dict[int, Option]:
    """The hint's stays that still fit (in its order), then first-fit for everybody else."""
    index = {r.id: i for i, r in enumerate(opts.problem.requests)}
    seeds = []
    for a in hint.assignments:
        i = index.get(a.request)
        if i is None:
            continue
        for o in opts.by_request[i]:
            if o.place == a.resource and o.check_in == a.check_in:
                seeds.append((i, o))
                break
    return complete(opts, seeds)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, base: int, constant: int, run: Budget) -> None:
        super().__init__()
        self.progress, self.base, self.constant, self.run = progress, base, constant, run

    def on_solution_callback(self) -> None:
        self.progress({"cost": (self.base + self.constant + round(self.objective_value)) / 1000,
                       "bound": None, "elapsed": self.run.elapsed})


def solve_problem(problem: Problem, config: Config | None = None) -> Outcome:
    config = config or Config()
    run = Budget(config.time_limit, config.deterministic)  # counts from the start
    stats: dict[str, Any] = {}
    opts = build_options(problem, prune=config.prune)
    stats.update(opts.stats)
    stats["prepare_seconds"] = round(run.elapsed, 3)

    best = first_fit(opts)
    stats["first_fit"] = plan_units(opts, best) / 1000
    urgent = urgent_first(opts)
    stats["urgent_first"] = plan_units(opts, urgent) / 1000
    if plan_units(opts, urgent) < plan_units(opts, best):
        best = urgent
    if config.hint is not None:
        hinted = repair_hint(opts, config.hint)
        if plan_units(opts, hinted) < plan_units(opts, best):
            best = hinted
    upper = plan_units(opts, best)
    if config.gap_prune:
        prune_by_gap(opts, upper)
        stats.update(opts.stats)
    bound = lower_bound(opts)

    # Phase 1: the points balances relaxed. Requests then meet only where they share nightly
    # beds or rooms, so the problem falls apart into small components solved one by one.
    # The relaxation's optimum bounds the real one; if it also keeps every balance, it is
    # the real optimum.
    coupled = bool(opts.programs)
    relaxed = relax_points(opts) if coupled else opts
    phase1 = min(config.time_limit * (config.relaxed_share if coupled else 1.0), run.left)
    result, relaxed_bound, all_optimal = _solve_groups(relaxed, best, run.part(phase1), config,
                                                       run, stats,
                                                       "relaxed" if coupled else "exact")
    run.charge(phase1)
    bound = max(bound, relaxed_bound)
    if coupled and not keeps_balances(opts, result):
        stats["relaxation_breaks_balances"] = True
        result = complete(opts, sorted(result.items(), key=lambda kv: kv[1].cost))
        all_optimal = False
    if plan_units(opts, result) < upper:
        best, upper = result, plan_units(opts, result)
    if coupled and not all_optimal and run.left > 0.1 * run.seconds:
        # Phase 2: the exact model with the balances, on what the better plan leaves.
        if config.gap_prune:
            prune_by_gap(opts, upper)
        result, exact_bound, all_optimal = _solve_groups(opts, best, run.part(run.left), config,
                                                         run, stats, "exact")
        bound = max(bound, exact_bound)

    units = plan_units(opts, result)
    if units > upper:  # never worse than the first plan
        result, units = best, upper
    if all_optimal:
        bound = units
    bound = min(bound, units)
    placed_ids = {problem.requests[i].id for i in result}
    plan = Plan(
        assignments=assignments(problem, result),
        unplaced=[r.id for r in problem.requests if r.id not in placed_ids],
        cost=units / 1000,
        bound=bound / 1000,
        status="optimal" if bound == units else "feasible",
        seconds=round(run.elapsed, 3),
    )
    if config.progress:
        config.progress({"cost": plan.cost, "bound": plan.bound, "elapsed": plan.seconds,
                         "done": True})
    return Outcome(plan, stats)


def _solve_groups(opts: Options, best: dict[int, Option], budget: Budget, config: Config,
                  run: Budget, stats: dict[str, Any], label: str
                  ) -> tuple[dict[int, Option], int, bool]:
    """Solve every component of `opts` within `budget`; returns (choice, bound, optimal).

    Components are taken smallest first. Each is first pruned by its own gap (its cost in
    the plan so far minus its requests' cheapest choices) and split again when that frees
    rows; a big one is first solved restricted to its cheaper options (`_probe`), which
    often proves it outright and otherwise gives a much better plan to prune by.
    """
    best = dict(best)
    groups = components(opts) if config.decompose else [list(range(len(opts.by_request)))]
    unplaced = opts.unplaced
    result: dict[int, Option] = {}
    total_bound = 0
    all_optimal = True
    lns_stats = LnsStats()
    counts = {"dropped_on_the_way": 0, "lp_fixed": 0, "splits": 0, "probes": 0,
              "probes_proven": 0}
    # (options, order, group, probed: 0 not yet, 1 restricted optimum found, 2 nothing)
    queue: list[tuple[int, int, list[int], int]] = []
    order = itertools.count()

    def weight(g: list[int]) -> int:
        return sum(len(opts.by_request[i]) for i in g)

    def push(g: list[int], probed: int = 0) -> None:
        nonlocal total_bound
        if _needs_model(opts, g):
            heapq.heappush(queue, (weight(g), next(order), g, probed))
            return
        for i in g:  # nothing shared: the request takes its cheapest option
            if opts.by_request[i] and opts.by_request[i][0].cost < unplaced[i]:
                result[i] = opts.by_request[i][0]
        total_bound += plan_units(opts, result, g)

    for g in groups:
        push(g)
    largest = max((len(g) for g in groups), default=0)
    largest_options = max((e[0] for e in queue), default=0)
    while queue:
        size, _, g, probed = heapq.heappop(queue)
        share = budget.slice(size, size + sum(e[0] for e in queue))
        hint = {i: best[i] for i in g if i in best}
        if config.gap_prune and _shrink(opts, g, hint, counts):
            best.update(hint)
            parts = components(opts, g) if config.decompose else [g]
            if len(parts) > 1:
                counts["splits"] += 1
                for part in parts:
                    push(part, probed)
                continue
            size = weight(g)
        if (config.probe and not probed and size > PROBE_THRESHOLD
                and not _has_gender_rows(opts, g)):
            counts["probes"] += 1
            found, units, optimal, proven, used = _probe(
                opts, g, hint, budget.part(share * PROBE_SHARE), config, run,
                _base(opts, result, best, g, config))
            budget.charge(used)
            if proven:
                counts["probes_proven"] += 1
                result.update(found)
                total_bound += units
                continue
            if units < plan_units(opts, hint, g):
                for i in g:
                    best.pop(i, None)
                best.update(found)
            # The restricted optimum is rarely beaten by LNS: straight to the exact model.
            heapq.heappush(queue, (weight(g), next(order), g, 1 if optimal else 2))
            continue
        if config.lns and probed != 1 and _wants_lns(opts, g, config):
            # Too big to solve outright in time: improve the hint by LNS first.
            lns_part = share * config.lns_share
            hint = improve(opts, g, hint, budget.part(lns_part), config.workers, config.seed,
                           lns_stats)
            share -= lns_part
            budget.charge(lns_part)
            if config.gap_prune:  # the improved hint lowers the upper bound: prune again
                _shrink(opts, g, hint, counts)
        model_time = budget.part(share)
        hint, floor = _priced(opts, g, hint, model_time, config, counts)
        found, g_bound, optimal = _solve_component(opts, g, hint, model_time, config, run,
                                                   _base(opts, result, best, g, config), floor)
        budget.charge(model_time.seconds)
        result.update(found)
        total_bound += g_bound
        all_optimal &= optimal
    stats[label] = {**counts, "components": len(groups), "largest": largest,
                    "largest_options": largest_options,
                    "kept": sum(len(o) for o in opts.by_request), "optimal": all_optimal,
                    "bound": total_bound / 1000, "cost": plan_units(opts, result) / 1000,
                    "seconds": round(run.elapsed, 2)}
    if lns_stats.rounds:
        stats[label]["lns"] = vars(lns_stats)
    return result, total_bound, all_optimal


def _shrink(opts: Options, group: list[int], hint: dict[int, Option],
            counts: dict[str, int]) -> int:
    """Prune `group` by its own gap (`hint`'s cost on it minus its trivial bound), then find
    the rows that stop binding and the options that become dominated. `hint` is updated in
    place where dominance took its stay (the free stay that replaced it is no dearer).
    Returns the options dropped plus the rows freed (non-zero: the group may split)."""
    gap = plan_units(opts, hint, group) - trivial(opts, group)
    dropped = prune_requests(opts, group, gap, keep=hint)
    freed = rebind(opts, group)  # also rows left stale by an earlier `prune_by_gap`
    if dropped or freed:
        prune_dominated(opts, group)
        for i, o in list(hint.items()):
            if not any(k is o for k in opts.by_request[i]):
                hint[i] = opts.by_request[i][-1]  # the free option dominance kept
    counts["dropped_on_the_way"] += dropped
    return dropped + freed


def _priced(opts: Options, group: list[int], hint: dict[int, Option], budget: Budget,
            config: Config, counts: dict[str, int]) -> tuple[dict[int, Option], int]:
    """LP prices for a component of 1,000 options or more: a proven bound (the floor), the
    rounded LP plan when it beats the hint, and reduced-cost fixing against the better one.
    Returns (hint, floor); the LP's time comes out of `budget`."""
    size = sum(len(opts.by_request[i]) for i in group)
    if not config.lp or size < LP_RANGE[0]:
        return hint, 0
    limit = budget.wall_limit(0.3)
    # Interchangeable places pooled first (IHTC's rooms: i27's 244k options give 11k columns
    # and the same bound); the plain LP where pooling does not shrink it.
    prices = None
    if lagrange.poolable(opts, group):
        prices = lagrange.prices(opts, group, limit, aggregate=True, max_columns=size // 2)
    if prices is None and size <= LP_RANGE[1] and (
            limit is None or budget.used < 0.1 * budget.seconds):
        prices = lagrange.prices(opts, group, limit)
    floor = 0
    if prices is not None:
        floor = prices.bound
        upper = plan_units(opts, hint, group)
        lp_plan = lagrange.rounded(opts, group, prices) if prices.values else hint
        if plan_units(opts, lp_plan, group) < upper:
            hint = lp_plan  # the rounded LP plan: a better hint, a smaller model
            upper = plan_units(opts, hint, group)
        counts["lp_fixed"] += lagrange.fix(opts, group, prices, upper, hint)
    return hint, floor


def _probe(opts: Options, group: list[int], hint: dict[int, Option], budget: Budget,
           config: Config, run: Budget, base: int
           ) -> tuple[dict[int, Option], int, bool, bool, float]:
    """Solve `group` restricted to each request's options within some gap Δ of its cheapest
    choice. If the restricted optimum C has C − trivial ≤ Δ it is the group's optimum (every
    dropped option alone costs more than C). Δ starts at half of the hint's own gap (the
    optimum is usually far closer to the trivial bound than first-fit is), at least what
    keeps PROBE_KEEP of the options; it grows halfway to the hint's gap, or to twice the
    options, while the restricted problem gives nothing better than the hint (forced
    requests may not all fit). Returns (plan, its cost, optimal for the restricted problem,
    proven for the group, the time of `budget` used)."""
    unplaced = opts.unplaced
    low = trivial(opts, group)
    upper = plan_units(opts, hint, group)
    extras = sorted(o.cost - min(unplaced[i], opts.by_request[i][0].cost)
                    for i in group for o in opts.by_request[i])
    span = upper - low
    gap = max(extras[min(len(extras) - 1, max(PROBE_MIN, int(len(extras) * PROBE_KEEP)))],
              span // 2)
    while gap < span and budget.used < budget.seconds * 0.9:
        kept = bisect.bisect_right(extras, gap)
        if kept > 0.9 * len(extras):
            break  # hardly smaller than the component: the exact model itself is next
        sub = restricted(opts, group, gap)
        seeds = [(i, o) for i, o in hint.items() if any(k is o for k in sub.by_request[i])]
        sub_hint = complete(sub, seeds, group)
        part = budget.part(budget.left)
        sub_hint, floor = _priced(sub, group, sub_hint, part, config, {"lp_fixed": 0})
        found, _, optimal = _solve_component(sub, group, sub_hint, part, config, run, base,
                                             floor)
        units = plan_units(opts, found, group)
        budget.charge(part.seconds)
        if units < upper:
            return found, units, optimal, optimal and units - low <= gap, budget.used
        gap = max(extras[min(len(extras) - 1, 2 * kept)], (gap + span) // 2)
    return hint, upper, False, False, budget.used


def _has_gender_rows(opts: Options, group: list[int]) -> bool:
    rows = opts.gender_rows
    return bool(rows) and any(o.gender_row and any((o.place, n) in rows for n in o.rows())
                              for i in group for o in opts.by_request[i])


def _wants_lns(opts: Options, group: list[int], config: Config) -> bool:
    """LNS first for components too big to solve outright; with gender rows (IHTC's rooms)
    the LP is weak, proofs are out of reach and good plans matter, so from fewer options."""
    size = sum(len(opts.by_request[i]) for i in group)
    if size > config.lns_threshold:
        return True
    if size <= GENDER_LNS_THRESHOLD or not opts.gender_rows:
        return False
    return _has_gender_rows(opts, group)


def _needs_model(opts: Options, group: list[int]) -> bool:
    if len(group) > 1:
        return True
    i = group[0]
    return any(o.program in opts.programs for o in opts.by_request[i] if o.program)


def _base(opts: Options, result: dict[int, Option], best: dict[int, Option], group: list[int],
          config: Config) -> int:
    """Cost of everybody outside `group`, as far as known (for progress reports only)."""
    if not config.progress:
        return 0
    inside = set(group)
    outside = [i for i in range(len(opts.by_request)) if i not in inside]
    return plan_units(opts, {**best, **result}, outside)


def _solve_component(opts: Options, group: list[int], hint: dict[int, Option], budget: Budget,
                     config: Config, run: Budget, base: int, floor: int = 0
                     ) -> tuple[dict[int, Option], int, bool]:
    """Solve one component within `budget` (building the model counts); returns (chosen
    options, bound, proven optimal). `floor` is a bound proven otherwise (the LP prices')."""
    built = cpmodel.build(opts, group, hint)
    seconds = budget.left
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = max(1, config.workers)
    params.log_search_progress = config.log
    if params.num_workers == 1:
        # A single worker proves much sooner with full linearization (deterministic time on
        # city-1's largest component 3.3 -> 0.7; region-1's proven in 6.7 s instead of not
        # in 30 s). With two workers the default portfolio did better end to end.
        params.linearization_level = 2
    elif params.num_workers == 2 and config.subsolver:
        # Two workers: the full-problem worker with full linearization (max_lp) instead of
        # default_lp; the other worker still interleaves LNS and feasibility jump. City-1's
        # largest component: 3.0-3.4 -> 0.9 deterministic seconds to prove; region-1's largest
        # proven in 3.1 deterministic seconds (default: not proven in 40 s wall).
        params.subsolvers.append(config.subsolver)
        if not built.stats["gender_rows"]:
            # Where no gender indicators weaken the LP, both workers search the full problem
            # (max_lp + pseudo_costs, no interleaved LNS): city-1's largest component proven
            # in 1.07-1.08 s wall instead of 1.42-1.52 s; region-1's two largest unchanged.
            params.subsolvers.append("pseudo_costs")
            params.num_full_subsolvers = 2
    if config.seed is not None:
        params.random_seed = config.seed
    budget.limit(params, max(0.01, seconds), safety_net=10 * max(seconds, 1.0) + 30)
    fallback = plan_units(opts, hint, group)
    simple = max(floor, trivial(opts, group))
    if config.progress:
        status = solver.solve(built.model, _Reporter(config.progress, base, built.constant, run))
    else:
        status = solver.solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = cpmodel.chosen(solver, built)
        units = plan_units(opts, found, group)
        g_bound = max(simple, _bound(solver, built.constant))
        if units > fallback:
            found, units = hint, fallback
        optimal = status == cp_model.OPTIMAL and units == built.constant + round(
            solver.objective_value)
        return found, min(g_bound, units), optimal
    # Without a solution CP-SAT's bound field is not a proven bound: keep the simple one.
    return hint, min(simple, fallback), False


def _bound(solver: cp_model.CpSolver, constant: int) -> int:
    value = solver.best_objective_bound
    if not math.isfinite(value):
        return 0
    return constant + math.ceil(value - 1e-6)
