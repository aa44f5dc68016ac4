"""Large-neighbourhood search: free a few related requests, fix the rest, re-solve exactly.

Related means: they could use the same places on overlapping nights, so moving one can make
room for another. Everybody else keeps their stay; what they take is subtracted from the
beds, rooms, genders and points the freed requests may use, and CP-SAT solves that small
problem exactly (hinted with the current stays). A neighbourhood is accepted when it is no
worse, so the plan never gets worse; its size adapts to how hard the last one was.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from . import model as cpmodel
from .budget import Budget
from .config import Config
from .options import Option, Options, _binding, has_gender_rows, parts, plan_units, spending

GENDER_LNS_THRESHOLD = 5_000  # options, where two genders may meet in a room (weak LP)


@dataclass
class LnsStats:
    rounds: int = 0
    improved: int = 0
    gained: int = 0  # thousandths


def wanted(opts: Options, group: list[int], config: Config) -> bool:
    """LNS first for components too big to solve outright (`config.lns_threshold`); with
    gender rows (IHTC's rooms) the LP is weak, proofs are out of reach and good plans
    matter, so from fewer options."""
    size = sum(len(opts.by_request[i]) for i in group)
    if size > config.lns_threshold:
        return True
    if size <= GENDER_LNS_THRESHOLD or not opts.gender_rows:
        return False
    return has_gender_rows(opts, group)


def restrict(opts: Options, current: dict[int, Option], freed: set[int],
             per_request: int | None = None) -> Options:
    """The problem left for `freed` once everybody else keeps their current stay.

    With `per_request`, each freed request keeps only that many of its cheapest stays that
    fit (plus its current one): a heuristic cut that keeps neighbourhood models small.
    """
    requests = opts.problem.requests
    touched = {p.place for i in freed for o in opts.by_request[i] for p in parts(o)}
    free = {k: list(opts.free[k]) for k in touched}  # only the places the freed could use
    genders = {row: set(gs) for row, gs in opts.fixed_genders.items() if row[0] in touched}
    balance = dict(opts.balance)
    for i, o in current.items():
        if i in freed:
            continue
        for p in parts(o) if o.tail else (o,):
            if p.program is not None:
                balance[p.program] -= p.points
            if p.place not in touched:
                continue
            for n in p.rows():
                free[p.place][n] -= p.amount
                if p.gender_row:
                    genders.setdefault((p.place, n), set()).add(requests[i].gender)
    by_request: list[list[Option]] = [[] for _ in requests]
    for i in freed:
        g = requests[i].gender
        keep = []
        for o in opts.by_request[i]:
            if any(any(free[p.place][n] < p.amount for n in p.rows())
                   or p.gender_row and any(genders.get((p.place, n), {g}) != {g}
                                           for n in p.rows())
                   for p in (parts(o) if o.tail else (o,))):
                continue
            if any(balance[prog] < pts for prog, pts in spending(o)):
                continue
            keep.append(o)
            if per_request is not None and len(keep) >= per_request:
                break
        mine = current.get(i)
        if mine is not None and mine not in keep:
            keep.append(mine)
        by_request[i] = keep
    sub = Options(opts.problem, by_request, free, genders, balance)
    _binding(sub)
    return sub


class Neighbourhoods:
    """Picks related requests around a seed request."""

    def __init__(self, opts: Options, requests: list[int], rng: random.Random) -> None:
        self.opts, self.rng = opts, rng
        self.requests = [i for i in requests if opts.by_request[i]]
        self.at: dict[str, list[int]] = defaultdict(list)
        self.places: dict[int, list[str]] = {}
        for i in self.requests:
            places = sorted({p.place for o in opts.by_request[i] for p in parts(o)})
            self.places[i] = places
            for p in places:
                self.at[p].append(i)

    def pick(self, current: dict[int, Option], size: int) -> set[int]:
        rng, reqs = self.rng, self.opts.problem.requests
        unplaced = [i for i in self.requests if i not in current]
        seed = rng.choice(unplaced) if unplaced and rng.random() < 0.5 else rng.choice(
            self.requests)
        r = reqs[seed]
        mid = (r.earliest + r.latest + r.nights) / 2
        related: set[int] = set()
        for p in rng.sample(self.places[seed], min(len(self.places[seed]), 8)):
            related.update(self.at[p])
        related.discard(seed)
        ranked = sorted(related, key=lambda j: (abs((reqs[j].earliest + reqs[j].latest
                                                     + reqs[j].nights) / 2 - mid)
                                                + rng.random() * 3))
        return {seed, *ranked[: size - 1]}


def improve(opts: Options, requests: list[int], current: dict[int, Option], budget: Budget,
            workers: int, seed: int | None, stats: LnsStats | None = None
            ) -> dict[int, Option]:
    """Improve `current` (a feasible choice for `requests`) within `budget`."""
    stats = stats or LnsStats()
    rng = random.Random(seed if seed is not None else 0)
    hood = Neighbourhoods(opts, requests, rng)
    if not hood.requests:
        return current
    current = dict(current)
    size = 40
    while True:
        left = budget.left
        if left < 0.05:
            break
        freed = hood.pick(current, min(size, len(hood.requests)))
        sub = restrict(opts, current, freed, max(30, 8000 // len(freed)))
        order = sorted(freed)
        hint = {i: current[i] for i in order if i in current}
        built = cpmodel.build(sub, order, hint)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = max(1, workers)
        params.random_seed = rng.randrange(1 << 30)
        step = min(left, 1.0)
        budget.limit(params, step, safety_net=10 * step + 5)
        status = solver.solve(built.model)
        budget.charge(solver.response_proto.deterministic_time)
        stats.rounds += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = cpmodel.chosen(solver, built)
            before = plan_units(opts, current, order)
            after = plan_units(opts, found, order)
            if after <= before:
                for i in order:
                    current.pop(i, None)
                current.update(found)
                if after < before:
                    stats.improved += 1
                    stats.gained += before - after
        if status == cp_model.OPTIMAL:
            size = min(int(size * 1.2) + 1, 400)
        else:
            size = max(10, int(size * 0.8))
    return current
