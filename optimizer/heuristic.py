"""First-fit: the baseline a careful person achieves by hand, and the fallback plan.

Requests go in priority order (critical, high, normal), then in arrival order; each takes its
cheapest stay that still fits beside the stays already chosen, if that beats leaving it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .options import Option, Options, parts, spending
from .plan import Assignment
from .problem import Problem

PRIORITY_ORDER = {"critical": 0, "high": 1, "normal": 2}


class Usage:
    """Beds, rooms, genders and points taken so far, on top of the fixed stays."""

    def __init__(self, opts: Options) -> None:
        self.problem = opts.problem
        self.free = {k: list(v) for k, v in opts.free.items()}
        self.genders: dict[tuple[str, int], Counter[str]] = {
            row: Counter(gs) for row, gs in opts.fixed_genders.items()
        }
        self.left = dict(opts.balance or opts.problem.balance)

    def fits(self, o: Option) -> bool:
        if o.tail:  # a chain: every stay fits, and the points of all of them
            return all(self._room(p) for p in parts(o)) and all(
                self.left[prog] >= pts for prog, pts in spending(o))
        free = self.free[o.place]
        if any(free[n] < o.amount for n in o.rows()):
            return False
        if o.program is not None and self.left[o.program] < o.points:
            return False
        return not o.gender_row or self._one_gender(o)

    def _room(self, o: Option) -> bool:
        """Beds or rooms and genders for one stay."""
        free = self.free[o.place]
        if any(free[n] < o.amount for n in o.rows()):
            return False
        return not o.gender_row or self._one_gender(o)

    def _one_gender(self, o: Option) -> bool:
        g = self.problem.requests[o.req].gender
        for n in o.rows():
            there = self.genders.get((o.place, n))
            if there and (len(there) > 1 or g not in there):
                return False
        return True

    def take(self, o: Option) -> None:
        if o.tail:  # a chain: each of its stays
            for p in parts(o):
                self._take_stay(p)
            return
        self._take_stay(o)

    def _take_stay(self, o: Option) -> None:
        free = self.free[o.place]
        g = self.problem.requests[o.req].gender
        for n in o.rows():
            free[n] -= o.amount
            if o.gender_row:
                self.genders.setdefault((o.place, n), Counter())[g] += 1
        if o.program is not None:
            self.left[o.program] -= o.points


def first_fit(opts: Options, order: list[int] | None = None) -> dict[int, Option]:
    """Chosen option per placed request index."""
    problem = opts.problem
    if order is None:
        order = sorted(range(len(problem.requests)),
                       key=lambda i: (PRIORITY_ORDER[problem.requests[i].priority], i))
    usage = Usage(opts)
    unplaced = opts.unplaced
    chosen: dict[int, Option] = {}
    for i in order:
        for o in opts.by_request[i]:  # sorted by cost
            if o.cost >= unplaced[i]:
                break
            if usage.fits(o):
                usage.take(o)
                chosen[i] = o
                break
    return chosen


def complete(opts: Options, seeds: Iterable[tuple[int, Option]],
             requests: Iterable[int] | None = None) -> dict[int, Option]:
    """Take the seed stays that fit, in order (one per request); then first-fit for the
    other requests (all of them, or these), each its cheapest stay that fits and beats
    leaving it out."""
    usage = Usage(opts)
    chosen: dict[int, Option] = {}
    for i, o in seeds:
        if i not in chosen and usage.fits(o):
            usage.take(o)
            chosen[i] = o
    unplaced = opts.unplaced
    for i in range(len(opts.by_request)) if requests is None else requests:
        if i in chosen:
            continue
        for o in opts.by_request[i]:
            if o.cost < unplaced[i] and usage.fits(o):
                usage.take(o)
                chosen[i] = o
                break
    return chosen


def urgent_first(opts: Options) -> dict[int, Option]:
    """First-fit in another order: the dearest to leave out first, then the earliest due
    (latest check-in), then the tightest window. Where leaving someone out is very costly
    (mandatory patients) this places far more than arrival order does."""
    problem = opts.problem
    unplaced = opts.unplaced
    order = sorted(range(len(problem.requests)),
                   key=lambda i: (-unplaced[i], problem.requests[i].latest,
                                  problem.requests[i].latest - problem.requests[i].earliest,
                                  len(opts.by_request[i]), i))
    return first_fit(opts, order)


def assignments(problem: Problem, chosen: dict[int, Option]) -> list[Assignment]:
    """The plan's assignments: one per stay (a chain's segments in order)."""
    out = []
    for i in sorted(chosen):
        o = chosen[i]
        r = problem.requests[i]
        if not o.tail:
            out.append(Assignment(r.id, o.place, o.check_in, r.nights,
                                  o.amount if o.program is not None else 0, o.points))
            continue
        segs = parts(o)
        ends = [s.check_in for s in segs[1:]] + [o.check_in + r.nights]
        for s, end in zip(segs, ends, strict=True):
            out.append(Assignment(r.id, s.place, s.check_in, end - s.check_in,
                                  s.amount if s.program is not None else 0, s.points))
    return out
