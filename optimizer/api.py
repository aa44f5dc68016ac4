"""The Python API the web app calls: solve, check one stay, explain who is unplaced, and what
more points would do (balance scenarios, shadow prices)."""

from __future__ import annotations

from collections.abc import Sequence

from . import scenarios as _scenarios
from .explain import (
    check_chain,
    check_stay,
    describe_placement,
    explain_unplaced,
    unplaced_reasons,
)
from .plan import Plan
from .problem import Problem
from .scenarios import (
    Scenario,
    ScenarioError,
    ScenarioProgress,
    ScenarioResult,
    ShadowPrice,
    raised,
)
from .solver import Config, Progress, solve_problem


def solve(problem: Problem, time_limit: float = 60.0, workers: int = 2, seed: int | None = None,
          hint: Plan | None = None, progress: Progress | None = None,
          explain: bool = True) -> Plan:
    """The best plan found within `time_limit` seconds of search; always a feasible plan.

    `status` is "optimal" only when proven; `bound` is a proven lower bound on every plan's
    cost. With a `seed` and `workers=1` the search is deterministic (the limit is then
    CP-SAT's deterministic time), so the same problem gives the same plan. `progress`, if
    given, is called with {"cost", "bound", "elapsed"} on each improving solution. With
    `explain`, `plan.reasons` says why each unplaced request is unplaced, and
    `plan.reason_kinds` the kind of each reason, `plan.reason_needs` the needs a reason
    about needs names.
    """
    config = Config(time_limit=time_limit, workers=workers, seed=seed, hint=hint,
                    progress=progress)
    plan = solve_problem(problem, config).plan
    if explain and plan.unplaced:
        reasons = unplaced_reasons(problem, plan)
        plan.reasons = {rid: reason.text for rid, reason in reasons.items()}
        plan.reason_kinds = {rid: reason.kind for rid, reason in reasons.items()}
        plan.reason_needs = {rid: reason.needs for rid, reason in reasons.items()
                             if reason.needs}
    return plan


def evaluate_scenarios(problem: Problem, scenarios: Sequence[Scenario], time_limit: float = 60.0,
                       workers: int = 2, seed: int | None = None, hint: Plan | None = None,
                       progress: ScenarioProgress | None = None) -> list[ScenarioResult]:
    """`problem` solved under each scenario's balances (`raised(problem, program, steps)`
    makes one program's steps), within `time_limit` seconds for all of them; results in the
    order given (see `scenarios.evaluate`). `hint` (the current plan) starts the lowest.
    `progress`, if given, is called with {"scenario", "done", "of", "cost", "status",
    "elapsed"} as each scenario ends. Raises `ScenarioError` for a scenario the problem
    cannot take (unknown program, negative balance, a name given twice)."""
    config = Config(time_limit=time_limit, workers=workers, seed=seed, hint=hint)
    return _scenarios.evaluate(problem, scenarios, config, progress)


def shadow_prices(problem: Problem, delta: int = 50_000, programs: Sequence[str] | None = None,
                  time_limit: float = 60.0, workers: int = 2, seed: int | None = None,
                  hint: Plan | None = None) -> dict[str, ShadowPrice]:
    """Per program, the cost `delta` more of its points would save, per 1,000 points: the
    difference of two solves, proven where `exact` (else a proven range), and `meaningful`
    only where some request could spend more of its points than the balance allows."""
    config = Config(time_limit=time_limit, workers=workers, seed=seed, hint=hint)
    return _scenarios.shadow_prices(problem, delta, programs, config)


__all__ = ["Config", "Plan", "Problem", "Scenario", "ScenarioError", "ScenarioResult",
           "ShadowPrice", "check_chain", "check_stay", "describe_placement",
           "evaluate_scenarios", "explain_unplaced", "raised", "shadow_prices", "solve"]
