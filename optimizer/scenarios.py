"""What more points would do: several balance scenarios solved against one problem.

A hotline asks, per loyalty program, how many more people its pending requests would get
placed with N more points, and what a point is worth. Each answer is an exact re-solve with
the raised balance; solved together they cost far less than one by one:

- the options are generated once, for the largest balance any scenario has, and each
  scenario keeps what its balances allow (`options.with_balance`: exactly the options a cold
  solve builds, so every scenario is the same problem a cold solve would see);
- scenarios are solved from the lowest balances up. A plan that keeps lower balances keeps
  higher ones, so the cheapest plan found for a scenario whose balances are all at most
  this one's (its *parent*) is the hint: an upper bound from the start, and a cost that
  never rises with more points, proven or not;
- the parent's plan is taken without a solve (`start` "reused") where a solve could add
  nothing: no request could spend more of a raised program than the parent's balance
  already allows (the same problem), or the raised programs gain no stay (no option costs
  points between the two balances) and the parent's points relaxation kept its balances
  (the relaxation ignores balances, so it is the same here, with the same bound; see
  `_reused`). national-1 is such a case: its largest stay is far below any balance;
- a proven bound of a scenario bounds every scenario below it too (fewer points never cost
  less), which may prove a lower scenario optimal (`share_bounds`);
- one `Budget` for all of it (options included): each scenario gets its share of what is
  left when it starts, weighted by `WEIGHTS`; on the wall clock what one leaves unused goes
  to the next.

Shadow prices are differences of two such solves (`shadow_prices`), not LP duals: the
LP prices in `lagrange.py` are per component and only on the exact phase's binding
programs (none on instances whose relaxed optimum keeps every balance), and a dual prices
the last point of a fractional plan, while stays come in lumps of 5,000-100,000 points.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .budget import Budget
from .config import Config
from .options import Options, balanced, generate_options, movers, settle
from .plan import Plan
from .problem import Hotel, Problem
from .solver import clock, solve_bridged, solve_options

PRIORITIES = ("critical", "high", "normal")
# Shares of the time: a scenario with no parent's plan starts cold; one whose raised programs
# gain no stay over a parent's is usually reused (`_reused`) and needs none (national-1's
# four steps: the cold one gets 95% of what generating the options leaves).
WEIGHTS = {"cold": 4.0, "warm": 1.0, "same options": 0.05}
ScenarioProgress = Callable[[dict[str, Any]], None]


class ScenarioError(ValueError):
    """A scenario the problem cannot take; the message is one line naming it."""


@dataclass(frozen=True)
class Scenario:
    name: str
    balance: Mapping[str, int] = field(default_factory=dict)  # program -> balance; others as is


@dataclass
class ScenarioResult:
    """One scenario's plan and what it means. `cost`, `bound` and `status` are the plan's."""

    name: str
    balance: dict[str, int]  # every program's balance in this scenario
    plan: Plan
    placed: dict[str, int] = field(default_factory=dict)  # requests placed, by priority
    people: int = 0  # persons in the placed parties
    unplaced: list[str] = field(default_factory=list)  # request ids
    points: dict[str, int] = field(default_factory=dict)  # spent, per program
    delay_nights: int = 0  # Σ (check-in − earliest) over the placed requests
    seconds: float = 0.0  # wall seconds of its solve
    granted: float = 0.0  # its share of the budget (deterministic seconds with a seed, 1 worker)
    parent: str | None = None  # the scenario whose plan started its solve
    start: str = ""  # its first plan: hint, first_fit, urgent_first; reused: no solve at all
    relaxation_bound: float = 0.0  # proven for the points relaxation of these options
    relaxation_broke: bool = False  # the relaxation's plan spent more than some balance

    @property
    def cost(self) -> float:
        return self.plan.cost or 0.0

    @property
    def bound(self) -> float:
        return self.plan.bound or 0.0

    @property
    def status(self) -> str:
        return self.plan.status or "feasible"

    def to_dict(self) -> dict[str, Any]:
        """Everything but the plan, with cost, bound and status, for JSON."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "plan"}
        return {**out, "cost": self.cost, "bound": self.bound, "status": self.status}


def raised(problem: Problem, program: str, steps: Sequence[int]) -> list[Scenario]:
    """One scenario per step: `program`'s balance raised by it, named "+0", "+50,000", ..."""
    base = problem.balance
    if program not in base:
        raise ScenarioError(f"unknown program '{program}'")
    return [Scenario(f"+{step:,}", {program: base[program] + step}) for step in steps]


def evaluate(problem: Problem, scenarios: Sequence[Scenario], config: Config | None = None,
             progress: ScenarioProgress | None = None) -> list[ScenarioResult]:
    """Solve `problem` under each scenario's balances within `config.time_limit` seconds in
    all; results in the order given. `config.hint` (the current plan, say) starts the
    scenarios that have no parent. `progress`, if given, hears of each scenario as it ends."""
    config = config or Config()
    balances = [_balances(problem, s) for s in _checked(problem, scenarios)]
    total = clock(config)  # counts the options' generation too
    top = _with(problem, {k: max(b[k] for b in balances) for k in problem.balance})
    stays = Stays(generate_options(top, prune=config.prune))
    order = sorted(range(len(scenarios)), key=lambda k: (sum(balances[k].values()), k))
    done: dict[int, ScenarioResult] = {}
    for n, k in enumerate(order):
        parent = _parent([done[j] for j in order[:n]], balances[k])
        weight = [_weight(stays, balances, order[:m], done, order[m])
                  for m in range(n, len(order))]
        mine = max(weight[0], WEIGHTS["warm"])  # should it need a solve after all
        share = max(0.0, total.left) * mine / (mine + sum(weight[1:]))
        # The first is a cold solve whose limit counts the options' generation, as a plain
        # solve's does (its relaxed phase gets its usual part of that limit).
        run = dataclasses.replace(total, seconds=total.used + share) if n == 0 else \
            total.part(share)
        done[k] = _solve(stays, _with(problem, balances[k]), scenarios[k].name, parent, config,
                         run)
        # Deterministic budgets count the whole share as spent (a solve does not report all
        # it used), so the shares add up to the total; on the wall clock what is left flows on.
        total.charge(done[k].granted)
        if progress:
            progress({"scenario": scenarios[k].name, "done": n + 1, "of": len(order),
                      "cost": done[k].cost, "status": done[k].status,
                      "elapsed": round(total.elapsed, 3)})
    results = [done[k] for k in range(len(scenarios))]
    share_bounds(results)
    return results


def _weight(stays: Stays, balances: list[dict[str, int]], before: list[int],
            done: dict[int, ScenarioResult], k: int) -> float:
    """How much of the time scenario `k` is likely to need (`WEIGHTS`), given the scenarios
    before it (`done`: those solved so far, whose relaxation may have broken a balance)."""
    below = [j for j in before if _at_most(balances[j], balances[k])]
    if not below:
        return WEIGHTS["cold"]
    if any(not stays.gained(balances[j], balances[k]) and
           not (j in done and done[j].relaxation_broke) for j in below):
        return WEIGHTS["same options"]  # likely reused (`_reused`)
    return WEIGHTS["warm"]


def _solve(stays: Stays, problem: Problem, name: str, parent: ScenarioResult | None,
           config: Config, run: Budget) -> ScenarioResult:
    """One scenario on the clock `run`: its parent's plan where a solve could add nothing
    (`_reused`), else a solve hinted by that plan (or by the caller's)."""
    reused = _reused(stays, problem, name, parent)
    if reused is not None:
        return reused
    share = run.left
    hint = parent.plan if parent is not None else config.hint
    sub = dataclasses.replace(config, time_limit=run.seconds, hint=hint, progress=None)
    raw = balanced(stays.raw, problem)
    outcome = (solve_bridged(raw, sub, run) if stays.chains
               else solve_options(settle(raw, config.prune), sub, run))
    phase = outcome.stats["relaxed" if "relaxed" in outcome.stats else "exact"]
    relaxation = phase["bound"]  # the points relaxation's (the whole solve's if no program binds)
    if parent is not None and not stays.gained(parent.balance, problem.balance):
        relaxation = max(relaxation, parent.relaxation_bound)  # the same relaxation
        _raise_bound(outcome.plan, relaxation)
    return _result(problem, name, outcome.plan, parent=parent.name if parent else None,
                   start=outcome.stats["start"], granted=share, relaxation_bound=relaxation,
                   relaxation_broke=outcome.stats.get("relaxation_breaks_balances", False))


def _reused(stays: Stays, problem: Problem, name: str, parent: ScenarioResult | None
            ) -> ScenarioResult | None:
    """The parent's plan, where a solve could add nothing:

    - the same problem (`Stays.same_problem`): the parent's plan, bound and status;
    - no stay gained, and the parent's points relaxation kept its balances: the relaxation
      (which ignores balances) is the same problem here, and what a solve adds to it is the
      exact model with the balances, which only mattered if the relaxation broke one. Any
      plan cheaper than the parent's is a plan of that relaxation, so the relaxation's bound
      holds (a bound the parent owes to its balances does not): proven where it meets the
      cost, else a proven range the next solve would only repeat.
    """
    if parent is None:
        return None
    how = {"parent": parent.name, "start": "reused", "relaxation_bound": parent.relaxation_bound,
           "relaxation_broke": parent.relaxation_broke}
    if stays.same_problem(parent.balance, problem.balance):
        return _result(problem, name, dataclasses.replace(parent.plan, seconds=0.0), **how)
    if parent.relaxation_broke or stays.gained(parent.balance, problem.balance):
        return None
    plan = dataclasses.replace(parent.plan, seconds=0.0, bound=0.0, status="feasible")
    _raise_bound(plan, parent.relaxation_bound)
    return _result(problem, name, plan, **how)


def _result(problem: Problem, name: str, plan: Plan, **how: Any) -> ScenarioResult:
    by_id, places = problem.request_by_id, problem.places
    placed = [by_id[rid] for rid in plan.chains]  # a chain's stays are one placement
    priorities = Counter(r.priority for r in placed)
    points: Counter[str] = Counter()
    for a in plan.assignments:
        place = places[a.resource]
        if isinstance(place, Hotel):
            points[place.program] += a.points or 0
    return ScenarioResult(
        name=name, balance=problem.balance, plan=plan,
        placed={p: priorities[p] for p in PRIORITIES}, people=sum(r.persons for r in placed),
        unplaced=list(plan.unplaced), points=dict(points),
        delay_nights=sum(a.check_in - by_id[rid].earliest for rid, a in plan.placed.items()),
        seconds=plan.seconds or 0.0, **how)


def share_bounds(results: Sequence[ScenarioResult]) -> None:
    """Raise each scenario's bound to the proven bound of any scenario with at least its
    balances (fewer points never cost less), and call it optimal where the bound meets
    its cost. In place, on the results' plans."""
    bounds = [r.bound for r in results]
    for r in results:
        _raise_bound(r.plan, max((b for other, b in zip(results, bounds, strict=True)
                                  if _at_most(r.balance, other.balance)), default=0.0))


def _raise_bound(plan: Plan, bound: float) -> None:
    """A bound proven otherwise: the plan's bound is at least that (never above its cost),
    and the plan is optimal where it meets the cost (in thousandths, the costs' unit)."""
    cost = round((plan.cost or 0.0) * 1000)
    units = min(cost, max(round(bound * 1000), round((plan.bound or 0.0) * 1000)))
    plan.bound = units / 1000
    if units == cost:
        plan.bound, plan.status = plan.cost, "optimal"


def _checked(problem: Problem, scenarios: Sequence[Scenario]) -> Sequence[Scenario]:
    if not scenarios:
        raise ScenarioError("no scenario to evaluate")
    known, names = problem.balance, set()
    for s in scenarios:
        if s.name in names:
            raise ScenarioError(f"scenario '{s.name}' is named twice")
        names.add(s.name)
        for program, value in s.balance.items():
            if program not in known:
                raise ScenarioError(f"scenario '{s.name}': unknown program '{program}'")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ScenarioError(f"scenario '{s.name}', program '{program}': balance must "
                                    f"be a whole number ≥ 0, got {value!r}")
    return scenarios


def _balances(problem: Problem, scenario: Scenario) -> dict[str, int]:
    return {**problem.balance, **scenario.balance}


def _with(problem: Problem, balance: Mapping[str, int]) -> Problem:
    programs = tuple(dataclasses.replace(g, balance=balance[g.id]) for g in problem.programs)
    return dataclasses.replace(problem, programs=programs)


def _at_most(low: Mapping[str, int], high: Mapping[str, int]) -> bool:
    return all(v <= high[k] for k, v in low.items())


def _parent(solved: list[ScenarioResult], balance: dict[str, int]) -> ScenarioResult | None:
    """The cheapest plan among scenarios with at most these balances (it keeps them); of
    equal ones the closest (the most points), likeliest to be the same problem."""
    below = [r for r in solved if _at_most(r.balance, balance)]
    return min(below, key=lambda r: (round(r.cost * 1000), -sum(r.balance.values())),
               default=None)


class Stays:
    """The options generated once, for the largest balances (`generate_options`), and the
    points of each program's stays among them (sorted, distinct) to compare balances by."""

    def __init__(self, raw: Options) -> None:
        self.raw = raw
        # Chains (Moves) are listed per solve, not generated here: where some request may
        # move, a raised balance is never taken for the same problem (see `gained`).
        self.chains = bool(movers(raw.problem))
        points: dict[str, set[int]] = {k: set() for k in raw.balance}
        for req_opts in raw.by_request:
            for o in req_opts:
                if o.program is not None:
                    points[o.program].add(o.points)
        self.points = {k: sorted(v) for k, v in points.items()}

    def gained(self, low: Mapping[str, int], high: Mapping[str, int]) -> bool:
        """Whether balances `high` ≥ `low` admit a stay that `low` does not: one whose
        points fit in a raised program's `high` balance but not in its `low` one (any raise,
        where requests may move: chains are not among the stays generated here)."""
        if self.chains and any(high[k] > v for k, v in low.items()):
            return True
        for k, v in low.items():
            prices = self.points[k]
            i = bisect.bisect_right(prices, v)
            if high[k] > v and i < len(prices) and prices[i] <= high[k]:
                return True
        return False

    def same_problem(self, low: Mapping[str, int], high: Mapping[str, int]) -> bool:
        """Whether balances `high` ≥ `low` make the same problem: for every raised program,
        the most any plan could spend at `high` (each request at its dearest stay there)
        fits in `low`. Then no stay is gained and neither balance can bind."""
        if self.chains and any(high[k] > v for k, v in low.items()):
            return False
        return all(self._worst(k, high[k]) <= v for k, v in low.items() if high[k] > v)

    def _worst(self, program: str, balance: int) -> int:
        total = 0
        for req_opts in self.raw.by_request:
            total += max((o.points for o in req_opts
                          if o.program == program and o.points <= balance), default=0)
        return total


@dataclass(frozen=True)
class ShadowPrice:
    """Cost saved per 1,000 more points of a program: proven to lie in [low, high]."""

    program: str
    delta: int  # points added for the second solve
    low: float
    high: float
    limited: bool  # some request could spend more of the program than its balance
    note: str  # one plain sentence: what the figure is, or why it says little

    @property
    def exact(self) -> bool:
        return self.low == self.high

    @property
    def per_1000(self) -> float | None:
        return self.low if self.exact else None

    @property
    def meaningful(self) -> bool:
        """Proven, and about points that could matter."""
        return self.limited and self.exact


def shadow_prices(problem: Problem, delta: int = 50_000, programs: Sequence[str] | None = None,
                  config: Config | None = None) -> dict[str, ShadowPrice]:
    """Per program (all by default): (optimum − optimum with `delta` more of its points)
    per 1,000 points, from one base solve and one raised solve each, all in one budget.
    An average over `delta`, not the last point's value: stays cost points in lumps."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta <= 0:
        raise ScenarioError(f"delta must be a whole number of points > 0, got {delta!r}")
    balance = problem.balance
    names = sorted(balance) if programs is None else list(programs)
    for p in names:
        if p not in balance:
            raise ScenarioError(f"unknown program '{p}'")
    base, *up = evaluate(problem, [Scenario("base"), *(
        Scenario(f"{p} +{delta:,}", {p: balance[p] + delta}) for p in names)], config)
    return {p: _price(p, delta, base, r) for p, r in zip(names, up, strict=True)}


def _price(program: str, delta: int, base: ScenarioResult, up: ScenarioResult) -> ShadowPrice:
    if up.start == "reused":
        return ShadowPrice(program, delta, 0.0, 0.0, False,
                           f"No request could use more {program} points than it has, so more "
                           "would change nothing.")
    low = max(0, round(base.bound * 1000) - round(up.cost * 1000)) / delta
    high = max(0, round(base.cost * 1000) - round(up.bound * 1000)) / delta
    if low == high == 0:
        note = f"Proven: {delta:,} more {program} points would change nothing now."
    elif low == high:
        note = (f"Proven: {delta:,} more {program} points would lower the cost by "
                f"{low * delta / 1000:,.3f}.")
    else:
        note = "One of the two plans was not proven optimal in time, so this is a range."
    return ShadowPrice(program, delta, low, high, True, note)


__all__ = ["Scenario", "ScenarioError", "ScenarioProgress", "ScenarioResult", "ShadowPrice",
           "evaluate", "raised", "shadow_prices", "share_bounds"]
