"""The exact model for one component: build it, set CP-SAT's workers and limits, solve,
and keep the better of what it finds and the hint it was given."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from ortools.sat.python import cp_model

from . import model as cpmodel
from .budget import Budget
from .config import Config, Progress
from .options import Option, Options, plan_units, trivial


class Solved(NamedTuple):
    chosen: dict[int, Option]
    bound: int  # thousandths, proven for the component
    optimal: bool  # proven optimal


@dataclass
class Report:
    """Where a component's improving solutions go: the caller's callback, with the cost of
    everybody outside the component (as far as known) and the run's clock."""

    progress: Progress
    base: int
    run: Budget


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Report, constant: int) -> None:
        super().__init__()
        self.report, self.constant = report, constant

    def on_solution_callback(self) -> None:
        units = self.report.base + self.constant + round(self.objective_value)
        self.report.progress({"cost": units / 1000, "bound": None,
                              "elapsed": self.report.run.elapsed})


def solve_component(opts: Options, group: list[int], hint: dict[int, Option], budget: Budget,
                    config: Config, floor: int = 0, report: Report | None = None) -> Solved:
    """Solve one component within `budget` (building the model counts). `floor` is a bound
    proven otherwise (the LP prices'). Never worse than `hint`."""
    built = cpmodel.build(opts, group, hint)
    seconds = budget.left
    solver = cp_model.CpSolver()
    _parameters(solver.parameters, config, built.stats["gender_rows"])
    budget.limit(solver.parameters, max(0.01, seconds),
                 safety_net=10 * max(seconds, 1.0) + 30)
    fallback = plan_units(opts, hint, group)
    simple = max(floor, trivial(opts, group))
    if report is not None:
        status = solver.solve(built.model, _Reporter(report, built.constant))
    else:
        status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Without a solution CP-SAT's bound field is not a proven bound: keep the simple one.
        return Solved(hint, min(simple, fallback), False)
    found = cpmodel.chosen(solver, built)
    units = plan_units(opts, found, group)
    bound = max(simple, _bound(solver, built.constant))
    if units > fallback:
        found, units = hint, fallback
    optimal = status == cp_model.OPTIMAL and units == built.constant + round(
        solver.objective_value)
    return Solved(found, min(bound, units), optimal)


def _parameters(params: Any, config: Config, gender_rows: int) -> None:
    """CP-SAT's workers for one component (its limits come from the budget)."""
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
        if not gender_rows:
            # Where no gender indicators weaken the LP, both workers search the full problem
            # (max_lp + pseudo_costs, no interleaved LNS): city-1's largest component proven
            # in 1.07-1.08 s wall instead of 1.42-1.52 s; region-1's two largest unchanged.
            params.subsolvers.append("pseudo_costs")
            params.num_full_subsolvers = 2
    if config.seed is not None:
        params.random_seed = config.seed


def _bound(solver: cp_model.CpSolver, constant: int) -> int:
    value = solver.best_objective_bound
    if not math.isfinite(value):
        return 0
    return constant + math.ceil(value - 1e-6)
