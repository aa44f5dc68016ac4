"""The Python API the web app calls: solve, check one stay, explain who is unplaced."""

from __future__ import annotations

from .explain import check_stay, explain_unplaced
from .plan import Plan
from .problem import Problem
from .solver import Config, Progress, solve_problem


def solve(problem: Problem, time_limit: float = 60.0, workers: int = 2, seed: int | None = None,
          hint: Plan | None = None, progress: Progress | None = None,
          explain: bool = True) -> Plan:
    """The best plan found within `time_limit` seconds of search; always a feasible plan.

    `status` is "optimal" only when proven; `bound` is a proven lower bound on every plan's
    cost. With a `seed` and `workers=1` the search is deterministic (the limit is then
    CP-SAT's deterministic time), so the same problem gives the same plan. `progress`, if
    given, is called with {"cost", "bound", "elapsed"} on each improving solution. With
    `explain`, `plan.reasons` says why each unplaced request is unplaced.
    """
    config = Config(time_limit=time_limit, workers=workers, seed=seed, hint=hint,
                    progress=progress)
    plan = solve_problem(problem, config).plan
    if explain and plan.unplaced:
        plan.reasons = explain_unplaced(problem, plan)
    return plan


__all__ = ["Config", "Plan", "Problem", "check_stay", "explain_unplaced", "solve"]
