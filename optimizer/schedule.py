"""The component scheduler: every component of an option set solved in its share of a budget.

Components share no binding row or program, so each is solved on its own, smallest first
(by options), with a share of what is left in proportion to its size. Each is first pruned
by its own gap (its cost in the plan so far minus its requests' cheapest choices) and split
again when that frees rows; then a strategy runs on it: the probe for a big one (`probe.py`),
LNS for one too big to solve outright (`lns.py`), and always LP pricing (`pricing.py`) and
the exact model (`component.py`).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any

from . import lns, probe
from .budget import Budget
from .component import Report, solve_component
from .config import Config
from .options import (
    Option,
    Options,
    components,
    plan_units,
    prune_dominated,
    prune_requests,
    rebind,
    spending,
    stand_in,
    trivial,
)
from .pricing import priced

# How far a component got with the probe: not yet, a restricted optimum, nothing better.
NOT_PROBED, PROBED_OPTIMUM, PROBED_NOTHING = 0, 1, 2


@dataclass
class Phase:
    """What solving the components gave: the choice, a proven bound, proven optimal."""

    chosen: dict[int, Option]
    bound: int
    optimal: bool


def solve_components(opts: Options, best: dict[int, Option], budget: Budget, config: Config,
                     run: Budget, stats: dict[str, Any], label: str) -> Phase:
    """Solve every component of `opts` within `budget`, starting from the plan `best`;
    `stats[label]` says how (`run` is the whole solve's clock, for its reports). `opts` is
    left as it is: components are pruned in a copy."""
    opts = opts.copy()
    scheduler = Scheduler(opts, best, budget, config, run)
    groups = components(opts) if config.decompose else [list(range(len(opts.by_request)))]
    for g in groups:
        scheduler.push(g)
    largest_options = max((entry[0] for entry in scheduler.queue), default=0)
    scheduler.run()
    stats[label] = {**scheduler.counts, "components": len(groups),
                    "largest": max((len(g) for g in groups), default=0),
                    "largest_options": largest_options,
                    "kept": sum(len(o) for o in opts.by_request),
                    "optimal": scheduler.optimal, "bound": scheduler.bound / 1000,
                    "cost": plan_units(opts, scheduler.chosen) / 1000,
                    "seconds": round(run.elapsed, 2)}
    if scheduler.lns_stats.rounds:
        stats[label]["lns"] = vars(scheduler.lns_stats)
    return Phase(scheduler.chosen, scheduler.bound, scheduler.optimal)


class Scheduler:
    """A heap of components, smallest first; `run` solves them one by one."""

    def __init__(self, opts: Options, best: dict[int, Option], budget: Budget,
                 config: Config, run: Budget) -> None:
        self.opts, self.budget, self.config, self.run_clock = opts, budget, config, run
        self.best = dict(best)  # the best plan known, improved component by component
        self.chosen: dict[int, Option] = {}  # the components solved so far
        self.bound = 0  # their proven bounds, summed
        self.optimal = True  # every one of them proven
        self.queue: list[tuple[int, int, list[int], int]] = []  # (options, order, group, probed)
        self.order = itertools.count()
        self.counts = {"dropped_on_the_way": 0, "lp_fixed": 0, "splits": 0, "probes": 0,
                       "probes_proven": 0}
        self.lns_stats = lns.LnsStats()

    def push(self, group: list[int], probed: int = NOT_PROBED) -> None:
        """Queue a component for the model, or settle it at once if nothing is shared."""
        if _needs_model(self.opts, group):
            self._enqueue(group, probed)
            return
        unplaced = self.opts.unplaced
        for i in group:  # nothing shared: the request takes its cheapest option
            req_opts = self.opts.by_request[i]
            if req_opts and req_opts[0].cost < unplaced[i]:
                self.chosen[i] = req_opts[0]
        self.bound += plan_units(self.opts, self.chosen, group)

    def run(self) -> None:
        while self.queue:
            size, _, group, probed = heapq.heappop(self.queue)
            share = self.budget.slice(size, size + sum(entry[0] for entry in self.queue))
            self._solve(group, size, probed, share)

    def _enqueue(self, group: list[int], probed: int) -> None:
        heapq.heappush(self.queue, (self._weight(group), next(self.order), group, probed))

    def _weight(self, group: list[int]) -> int:
        return sum(len(self.opts.by_request[i]) for i in group)

    def _solve(self, group: list[int], size: int, probed: int, share: float) -> None:
        """One component in `share` seconds: pruned by its gap (and split, or re-queued),
        then probed, improved by LNS or straight to the exact model."""
        hint = {i: self.best[i] for i in group if i in self.best}
        if self.config.gap_prune and self._shrink(group, hint):
            self.best.update(hint)
            if self._split(group, probed):
                return
            size = self._weight(group)
        if not probed and probe.wanted(self.opts, group, size, self.config):
            self._probe(group, hint, share)
            return
        if self.config.lns and probed != PROBED_OPTIMUM and lns.wanted(self.opts, group,
                                                                         self.config):
            # Too big to solve outright in time: improve the hint by LNS first.
            lns_part = share * self.config.lns_share
            hint = self._improve(group, hint, lns_part)
            share -= lns_part
        self._exact(group, hint, share)

    def _shrink(self, group: list[int], hint: dict[int, Option]) -> int:
        dropped, freed = shrink(self.opts, group, hint)
        self.counts["dropped_on_the_way"] += dropped
        return dropped + freed

    def _split(self, group: list[int], probed: int) -> bool:
        """Queue the parts of a component that pruning split; False if it is still one."""
        parts = components(self.opts, group) if self.config.decompose else [group]
        if len(parts) == 1:
            return False
        self.counts["splits"] += 1
        for part in parts:
            self.push(part, probed)
        return True

    def _probe(self, group: list[int], hint: dict[int, Option], share: float) -> None:
        self.counts["probes"] += 1
        found = probe.probe(self.opts, group, hint, self.budget.part(share * probe.PROBE_SHARE),
                            self.config, self._report(group))
        self.budget.charge(found.used)
        if found.proven:
            self.counts["probes_proven"] += 1
            self.chosen.update(found.chosen)
            self.bound += found.units
            return
        if found.units < plan_units(self.opts, hint, group):
            for i in group:
                self.best.pop(i, None)
            self.best.update(found.chosen)
        # The restricted optimum is rarely beaten by LNS: straight to the exact model.
        self._enqueue(group, PROBED_OPTIMUM if found.optimal else PROBED_NOTHING)

    def _improve(self, group: list[int], hint: dict[int, Option], seconds: float
                 ) -> dict[int, Option]:
        hint = lns.improve(self.opts, group, hint, self.budget.part(seconds),
                           self.config.workers, self.config.seed, self.lns_stats)
        self.budget.charge(seconds)
        if self.config.gap_prune:  # the improved hint lowers the upper bound: prune again
            self._shrink(group, hint)
        return hint

    def _exact(self, group: list[int], hint: dict[int, Option], seconds: float) -> None:
        """LP prices, then the exact model, in `seconds`."""
        budget = self.budget.part(seconds)
        hint, floor, fixed = priced(self.opts, group, hint, budget, self.config)
        self.counts["lp_fixed"] += fixed
        solved = solve_component(self.opts, group, hint, budget, self.config, floor,
                                 self._report(group))
        self.budget.charge(budget.seconds)
        self.chosen.update(solved.chosen)
        self.bound += solved.bound
        self.optimal &= solved.optimal

    def _report(self, group: list[int]) -> Report | None:
        """Progress reports for `group`'s solutions, with the cost of everybody else as far
        as known (only when someone listens)."""
        if not self.config.progress:
            return None
        inside = set(group)
        outside = [i for i in range(len(self.opts.by_request)) if i not in inside]
        base = plan_units(self.opts, {**self.best, **self.chosen}, outside)
        return Report(self.config.progress, base, self.run_clock)


def shrink(opts: Options, group: list[int], hint: dict[int, Option]) -> tuple[int, int]:
    """Prune `group` by its own gap (`hint`'s cost on it minus its trivial bound), then find
    the rows that stop binding and the options that become dominated. `hint` is updated in
    place where dominance took its stay (the free stay that replaced it is no dearer).
    Returns (options dropped, rows freed): either non-zero, the group may split."""
    gap = plan_units(opts, hint, group) - trivial(opts, group)
    dropped = prune_requests(opts, group, gap, keep=hint)
    freed = rebind(opts, group)  # also rows left stale by an earlier `prune_by_gap`
    if dropped or freed:
        prune_dominated(opts, group)
        for i, o in list(hint.items()):
            k = stand_in(opts, i, o)  # what dominance kept in its place, no dearer
            if k is None:
                del hint[i]
            else:
                hint[i] = k
    return dropped, freed


def _needs_model(opts: Options, group: list[int]) -> bool:
    """Whether a component shares anything: two requests or more, or a binding program."""
    if len(group) > 1:
        return True
    i = group[0]
    return any(prog in opts.programs for o in opts.by_request[i] for prog, _ in spending(o))
