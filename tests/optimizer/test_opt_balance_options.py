"""Options generated once for the largest balances serve every lower one: `with_balance` gives
exactly what `build_options` builds from scratch for the lower balances."""

from __future__ import annotations

import dataclasses

from opt_support import tight

from optimizer.options import build_options, generate_options, with_balance
from optimizer.problem import Problem
from optimizer.solver import Config, clock, solve_options, solve_problem


def with_balances(problem: Problem, balance: dict[str, int]) -> Problem:
    programs = tuple(dataclasses.replace(g, balance=balance[g.id]) for g in problem.programs)
    return dataclasses.replace(problem, programs=programs)


def test_options_for_a_lower_balance_are_those_built_for_it_from_scratch():
    problem = tight("city-1", 0.25)
    top = with_balances(problem, {g.id: g.balance + 300_000 for g in problem.programs})
    raw = generate_options(top)
    for extra in (0, 20_000, 150_000, 300_000):
        lower = with_balances(problem, {g.id: g.balance + extra for g in problem.programs})
        reused, fresh = with_balance(raw, lower), build_options(lower)
        assert reused.by_request == fresh.by_request
        assert (reused.programs, reused.cap_rows, reused.gender_rows, reused.forced) == \
            (fresh.programs, fresh.cap_rows, fresh.gender_rows, fresh.forced)
        assert reused.balance == fresh.balance and reused.problem == lower
    assert raw.balance == top.balance  # left as it was


def test_the_stats_say_where_the_first_plan_came_from():
    problem = tight("tiny-1", 1.0)
    cold = solve_problem(problem, Config(time_limit=20))
    assert cold.stats["start"] in ("first_fit", "urgent_first")
    assert cold.plan.cost < cold.stats["first_fit"]  # so the optimum beats first-fit
    warm = solve_options(build_options(problem), Config(time_limit=20, hint=cold.plan),
                         clock(Config(time_limit=20)))
    assert (warm.stats["start"], warm.stats["hint"]) == ("hint", cold.plan.cost)
    assert (warm.plan.cost, warm.plan.status) == (cold.plan.cost, "optimal")
