"""Bridge stays (spec: Moves): the chains of stays a request that may move could take.

A request with `max_moves` = m ≥ 1 may be placed as a chain of 2 to m + 1 stays without a
gap, each at a place not used before in the chain, each obeying every rule on its own; the
first stay pays the request's delay, each later one its points, miles and the move cost M.
Chains are options like any other (`Option` with a `tail`), but far too many to list: on
moves/state-1, 9 million chains of two have stays that each fit alone. So chains enter the
options in steps, each safe (none can cut off every optimal plan):

1. **Stays.** Per request, every stay a chain could use (`Segments`): the *first* ones, from
   a check-in of the window to a move night, and the *later* ones, from a move night; each
   fits alone (beds, rooms and genders left by fixed stays, `max_stay` on its own nights,
   its points within the balance). Tens of thousands, not millions.
2. **Prices.** GLOP solves the LP relaxation over the single stays and chains by column
   generation: chains enter as columns when their reduced cost is negative, found per request
   from the stays without listing chains. Its prices λ ≥ 0 on the shared rows give the
   Lagrangian bound L = Σ_i min(U_i, min_o c̃_o) − Σ_r λ_r cap_r over *every* option, chains
   included (the minimum over chains taken per pair of a first and a later stay, with the two
   best of each so the places differ), computed in integers as `lagrange.py` does: a proven
   bound whatever the LP solver's accuracy.
3. **Listing.** A plan that gives request i option o costs at least L − m_i + c̃_o. Given a
   plan of cost UB (the solver's: the single stays and the LP's chains solved as a problem of
   their own), chains with L − m_i + c̃_o ≥ UB are in no better plan and are never listed.
   If more than `Config.max_chains` remain, only those below a lower floor C are listed
   (C found by counting pairs of stays, `_threshold`): C is the *ceiling*, every plan below
   C uses only listed chains, so a solve of the listed options proves min(its bound, C)
   (`Options.ceiling`).

A chain of two is priced exactly; with m ≥ 2 the minimum over chains relaxes "a place not
used before" to nothing and the count of moves to the nights (a smaller minimum: still a
bound), and the listing checks both.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from . import lagrange
from .options import (
    Option,
    Options,
    PlaceTable,
    _prefix,
    eligible_places,
    movers,
    parts,
    spending,
    stay_key,
)
from .plan import Plan
from .problem import Hotel, Problem, Request, Shelter
from .rules import move_units, stay_units

SCALE = lagrange.SCALE
CG_ROUNDS = 12  # column-generation rounds at most
CG_PER_REQUEST = 4  # chains added per request and round at most


@dataclass
class Stop:
    """A place one request's stays may use, and what a stay there takes."""

    id: str
    miles: float
    amount: int  # persons (shelter) or rooms (hotel) each night
    program: str | None
    price: list[int] | None  # prefix sums of points per room per night (hotels)
    blocked: list[int]  # prefix counts of nights it cannot take the party even alone
    max_stay: float
    gender_row: bool


@dataclass
class Group:
    """The stays of one request that share check-in a and check-out b, as arrays."""

    a: int
    b: int
    stop: np.ndarray  # index into Segments.stops
    cost: np.ndarray  # thousandths
    points: np.ndarray


@dataclass
class Segments:
    """One request's possible stays of a chain (step 1 of the module).

    `first[(s, t)]`: stays from check-in s (in the window) to move night t. `later[(a, b)]`:
    stays from move night a to b, the chain's end (check-in + nights) or, with m ≥ 2, a later
    move night."""

    i: int
    request: Request
    stops: list[Stop]
    horizon: int
    where: np.ndarray  # each stop's index among the problem's places
    amounts: np.ndarray  # each stop's amount
    first: dict[tuple[int, int], Group] = field(default_factory=dict)
    later: dict[tuple[int, int], Group] = field(default_factory=dict)
    _options: dict[tuple[int, int, int], Option] = field(default_factory=dict, repr=False)

    def starts(self) -> range:
        r = self.request
        return range(r.earliest, r.latest + 1)

    def option(self, a: int, b: int, k: int, first: bool) -> Option:
        """Stay k of group (a, b) as an Option (one object per stay, shared by chains)."""
        key = (a, b, k) if first else (a, -b - 1, k)
        o = self._options.get(key)
        if o is None:
            g = (self.first if first else self.later)[(a, b)]
            stop = self.stops[int(g.stop[k])]
            o = self._options[key] = Option(
                self.i, stop.id, a, int(g.cost[k]), stop.amount, a, min(self.horizon, b),
                int(g.points[k]), stop.program, stop.gender_row)
        return o


def segments(problem: Problem, free: dict[str, list[int]],
             fixed_genders: dict[tuple[str, int], set[str]], i: int,
             table: PlaceTable, index: dict[str, int]) -> Segments:
    """Every stay request i's chains could use (each fits alone; see the module)."""
    r = problem.requests[i]
    H = problem.nights
    balance = problem.balance
    stops = []
    # Every static rule but max_stay, which each stay meets on its own nights.
    for p, d in eligible_places(dataclasses.replace(r, nights=1), table):
        hotel = isinstance(p, Hotel)
        amount = p.rooms_for(r.persons) if hotel else r.persons
        same = isinstance(p, Shelter) and p.same_gender
        bad = [c < amount for c in free[p.id]]
        if same:
            bad = [x or fixed_genders.get((p.id, n), {r.gender}) != {r.gender}
                   for n, x in enumerate(bad)]
        max_stay = p.max_stay if isinstance(p, Shelter) and p.max_stay is not None else math.inf
        stops.append(Stop(p.id, d, amount, p.program if hotel else None,
                          _prefix(list(p.points)) if hotel else None, _prefix(bad), max_stay,
                          same))
    seg = Segments(i, r, stops, H, np.array([index[st.id] for st in stops], dtype=np.int64),
                   np.array([st.amount for st in stops], dtype=np.int64))
    weight, move, m, nights = r.delay_weight, r.move_weight, r.max_moves, r.nights
    ends = {s + nights for s in seg.starts()}
    for s in seg.starts():
        for t in range(s + 1, min(s + nights, H)):
            _group(seg.first, stops, s, t, H, balance,
                   lambda pts, d, s=s: stay_units(weight, s - r.earliest, pts, d))
    moves = range(r.earliest + 1, min(r.latest + nights, H))  # nights a later stay starts
    for a in moves:
        for b in range(a + 1, r.latest + nights + 1):
            if b in ends and b - nights < a or m >= 2 and b < H:
                _group(seg.later, stops, a, b, H, balance,
                       lambda pts, d: move_units(pts, d, move))
    return seg


def _group(into: dict[tuple[int, int], Group], stops: list[Stop], a: int, b: int, H: int,
           balance: dict[str, int], price) -> None:
    inside = min(H, b)
    k_, c_, p_ = [], [], []
    for k, st in enumerate(stops):
        if st.blocked[inside] != st.blocked[a] or b - a > st.max_stay:
            continue
        pts = st.amount * (st.price[inside] - st.price[a]) if st.price is not None else 0
        if st.program is not None and pts > balance[st.program]:
            continue
        k_.append(k)
        c_.append(price(pts, st.miles))
        p_.append(pts)
    if k_:
        into[(a, b)] = Group(a, b, np.array(k_, dtype=np.int64), np.array(c_, dtype=np.int64),
                             np.array(p_, dtype=np.int64))


# --- prices ----------------------------------------------------------------------------------


@dataclass
class Lam:
    """Prices λ ≥ 0 on nightly rows and programs, per place as prefix sums over the nights
    (floats for the LP, or integers × SCALE for exact bounds)."""

    rows: dict[tuple[str, int], float]  # (place, night) -> λ
    programs: dict[str, float]
    pre: np.ndarray  # place index × (H + 1): Σ λ of the place's nights before n
    prog: np.ndarray  # place index: its program's λ (0 at shelters)
    integer: bool

    @classmethod
    def of(cls, problem: Problem, index: dict[str, int], rows: dict[tuple[str, int], float],
           programs: dict[str, float], integer: bool) -> Lam:
        H = problem.nights
        kind = np.int64 if integer else float
        nightly = np.zeros((len(index), H + 1), dtype=kind)
        for (place, n), v in rows.items():
            nightly[index[place], n + 1] = v
        prog = np.zeros(len(index), dtype=kind)
        for h in problem.hotels:
            prog[index[h.id]] = programs.get(h.program, 0)
        return cls(rows, programs, np.cumsum(nightly, axis=1), prog, integer)

    def scaled(self, problem: Problem, index: dict[str, int]) -> Lam:
        """The same prices rounded down to multiples of 1/SCALE, as integers × SCALE (any
        λ ≥ 0 gives a valid bound, and integer sums are exact)."""
        rows = {k: int(v * SCALE) for k, v in self.rows.items() if int(v * SCALE)}
        programs = {k: int(v * SCALE) for k, v in self.programs.items() if int(v * SCALE)}
        return Lam.of(problem, index, rows, programs, integer=True)


def _reduced(seg: Segments, lam: Lam | None
             ) -> tuple[dict[tuple[int, int], np.ndarray], dict[tuple[int, int], np.ndarray]]:
    """c̃ of every stay of `seg` under prices λ: its cost (× SCALE for integer prices) plus λ
    on the rows and the program it takes."""
    H = seg.horizon
    if lam is None:
        return ({k: g.cost * SCALE for k, g in seg.first.items()},
                {k: g.cost * SCALE for k, g in seg.later.items()})
    pre, prog = lam.pre[seg.where], lam.prog[seg.where]
    amounts = seg.amounts
    scale = SCALE if lam.integer else 1

    def tilde(g: Group) -> np.ndarray:
        inside = min(H, g.b)
        return (g.cost * scale + amounts[g.stop] * (pre[g.stop, inside] - pre[g.stop, g.a])
                + prog[g.stop] * g.points)

    return ({k: tilde(g) for k, g in seg.first.items()},
            {k: tilde(g) for k, g in seg.later.items()})


def best_chain(seg: Segments, first: dict[tuple[int, int], np.ndarray],
               later: dict[tuple[int, int], np.ndarray]) -> float:
    """The least c̃ of a chain of the request: exact for chains of two; with m ≥ 2 a
    relaxation (see the module)."""
    r = seg.request
    if r.max_moves == 1:
        return min((v for v, _ in _pair_bests(seg, first, later)), default=math.inf)
    best = math.inf
    for s in seg.starts():
        h = _rest(seg, later, s + r.nights)
        for t in range(s + 1, s + r.nights):
            f = first.get((s, t))
            if f is not None and h[t] < math.inf:
                best = min(best, float(f.min()) + h[t])
    return best


def _pair_bests(seg: Segments, first: dict[tuple[int, int], np.ndarray],
                later: dict[tuple[int, int], np.ndarray]
                ) -> Iterator[tuple[float, tuple[tuple[int, int, int, bool], ...]]]:
    """Per check-in and move night, the chain of two with the least c̃ (and its stays)."""
    nights = seg.request.nights
    for (s, t), f in first.items():
        lk = (t, s + nights)
        g = later.get(lk)
        if g is None:
            continue
        v, (x, y) = _two_best(seg, (s, t), f, lk, g)
        if v < math.inf:
            yield float(v), ((s, t, x, True), (t, s + nights, y, False))


def _two_best(seg: Segments, fk: tuple[int, int], f: np.ndarray, lk: tuple[int, int],
              g: np.ndarray) -> tuple[float, tuple[int, int]]:
    """min over a first stay and a later stay at different places of their c̃ sum."""
    fs, ls = seg.first[fk].stop, seg.later[lk].stop
    f2 = np.argsort(f, kind="stable")[:2]
    g2 = np.argsort(g, kind="stable")[:2]
    best, ks = math.inf, (-1, -1)
    for x in f2:
        for y in g2:
            if fs[x] != ls[y] and f[x] + g[y] < best:
                best, ks = f[x] + g[y], (int(x), int(y))
    return best, ks


def _rest(seg: Segments, later: dict[tuple[int, int], np.ndarray], end: int) -> list[float]:
    """h[a]: the least c̃ of one or more later stays covering [a, end) (places and count of
    moves relaxed); h[end] = 0."""
    h = [math.inf] * (end + 1)
    h[end] = 0.0
    for a in range(end - 1, seg.request.earliest, -1):
        best = math.inf
        for b in range(a + 1, end + 1):
            g = later.get((a, b))
            if g is not None and h[b] < math.inf:
                best = min(best, float(g.min()) + h[b])
        h[a] = best
    return h


def cheapest(seg: Segments, first: dict[tuple[int, int], np.ndarray],
             later: dict[tuple[int, int], np.ndarray], limit: float, k: int
             ) -> list[tuple[float, tuple]]:
    """Up to k of the request's cheapest chains by c̃ below `limit` (for m = 1 the best
    of each pair of nights, so the LP sees different moves)."""
    if seg.request.max_moves >= 2:
        return heapq.nsmallest(k, chains_below(seg, first, later, Limit(limit)),
                               key=lambda x: x[0])
    return heapq.nsmallest(k, ((v, stays) for v, stays in _pair_bests(seg, first, later)
                               if v < limit), key=lambda x: x[0])


# --- listing ---------------------------------------------------------------------------------


@dataclass
class Limit:
    """A bound that may fall while chains are listed below it."""

    value: float


def chains_below(seg: Segments, first: dict[tuple[int, int], np.ndarray],
                 later: dict[tuple[int, int], np.ndarray], limit: Limit
                 ) -> Iterator[tuple[float, tuple[tuple[int, int, int, bool], ...]]]:
    """Every chain of the request with c̃ < `limit.value` (read as it falls), as (c̃, its
    stays as (a, b, k, first)), places all different, at most m moves."""
    r = seg.request
    m = r.max_moves
    order = {key: np.argsort(v, kind="stable") for key, v in later.items()}
    for s in seg.starts():
        end = s + r.nights
        h = _rest(seg, later, end) if m >= 2 else None
        for t in range(s + 1, end):
            f = first.get((s, t))
            if f is None:
                continue
            fstop = seg.first[(s, t)].stop
            for x in np.argsort(f, kind="stable"):
                v = float(f[x])
                floor = h[t] if h is not None else (
                    float(later[(t, end)][order[(t, end)][0]]) if (t, end) in later else math.inf)
                if v + floor >= limit.value:
                    break
                head = ((s, t, int(x), True),)
                yield from _complete(seg, later, order, h, end, t, v, head,
                                     {int(fstop[x])}, 0, m, limit)


def _complete(seg: Segments, later: dict[tuple[int, int], np.ndarray],
              order: dict[tuple[int, int], np.ndarray], h: list[float] | None, end: int,
              a: int, acc: float, chain: tuple, used: set[int], moves: int, m: int,
              limit: Limit) -> Iterator[tuple[float, tuple]]:
    for b in range(end, a, -1):
        last = b == end
        if not last and (moves + 2 > m or h is None or b >= seg.horizon):
            continue
        g = later.get((a, b))
        if g is None:
            continue
        stops = seg.later[(a, b)].stop
        rest = 0.0 if last else h[b]
        for y in order[(a, b)]:
            v = acc + float(g[y])
            if v + rest >= limit.value:
                break
            k = int(stops[y])
            if k in used:
                continue
            step = (*chain, (a, b, int(y), False))
            if last:
                yield v, step
            else:
                yield from _complete(seg, later, order, h, end, b, v, step, used | {k},
                                     moves + 1, m, limit)


def chain_option(seg: Segments, stays: tuple[tuple[int, int, int, bool], ...],
                 balance: dict[str, int]) -> Option | None:
    """The Option for a chain of `seg`'s stays; None if its points overrun a balance."""
    opts = [seg.option(a, b, k, first) for a, b, k, first in stays]
    h = opts[0]
    chain = Option(h.req, h.place, h.check_in, sum(o.cost for o in opts), h.amount, h.first,
                   h.last, h.points, h.program, h.gender_row, tuple(opts[1:]))
    if any(pts > balance[prog] for prog, pts in spending(chain)):
        return None
    return chain


def chain_of(seg: Segments, stays: list[tuple[str, int, int]], balance: dict[str, int]
             ) -> Option | None:
    """The Option for a given chain of (place, check-in, nights), if it is one of `seg`'s."""
    r = seg.request
    if not 2 <= len(stays) <= r.max_moves + 1 or len({p for p, _, _ in stays}) < len(stays):
        return None
    start = stays[0][1]
    if not r.earliest <= start <= r.latest or sum(k for _, _, k in stays) != r.nights:
        return None
    index = {st.id: k for k, st in enumerate(seg.stops)}
    out = []
    for j, (place, a, k) in enumerate(stays):
        if j and a != stays[j - 1][1] + stays[j - 1][2]:
            return None
        groups = seg.first if j == 0 else seg.later
        g = groups.get((a, a + k))
        if g is None or place not in index:
            return None
        hit = np.nonzero(g.stop == index[place])[0]
        if not len(hit):
            return None
        out.append((a, a + k, int(hit[0]), j == 0))
    return chain_option(seg, tuple(out), balance)


# --- the whole problem -----------------------------------------------------------------------


@dataclass
class Priced:
    """What the prices give (step 2): the bound L (thousandths) and per request
    (L − m_i) · SCALE (`rest`), m_i being the request's least c̃ (or U), under the integer
    prices `lam` (None: no prices, the bound of each request at its cheapest)."""

    bound: int
    rest: dict[int, int]
    lam: Lam | None
    columns: dict[int, list[Option]]  # chains the LP used, per request
    rounds: int = 0
    lp_bound: float = 0.0
    seconds: float = 0.0


class Bridges:
    """The chains of one problem's movers, from generated single stays (`raw`: options as
    `generate_options` makes them, not settled)."""

    def __init__(self, raw: Options) -> None:
        problem = raw.problem
        self.raw, self.problem = raw, problem
        self.index = {p.id: k for k, p in enumerate((*problem.shelters, *problem.hotels))}
        table = PlaceTable([*problem.shelters, *problem.hotels])
        self.segs = {i: segments(problem, raw.free, raw.fixed_genders, i, table, self.index)
                     for i in movers(problem)}

    def stays(self) -> int:
        return sum(len(g.stop) for seg in self.segs.values()
                   for groups in (seg.first, seg.later) for g in groups.values())

    def shared(self) -> tuple[set[tuple[str, int]], set[str]]:
        """The rows and programs that single stays and chains together could overfill: per
        request, its single stays' nights and, at every place its chains may use, all the
        nights its chains cover (an overestimate, so rows outside cannot bind)."""
        problem = self.problem
        H = problem.nights
        demand: dict[str, list[int]] = {}
        spend: dict[str, int] = {}
        for i, req_opts in enumerate(self.raw.by_request):
            spans = {place: list(sp) for place, sp in _spans_of(req_opts).items()}
            top = {prog: pts for o in req_opts for prog, pts in spending(o)}
            for o in req_opts:
                for prog, pts in spending(o):
                    top[prog] = max(top[prog], pts)
            seg = self.segs.get(i)
            if seg is not None:
                _add_chain_spans(seg, spans, top, problem)
            for place, (f, last, a) in spans.items():
                d = demand.setdefault(place, [0] * (H + 1))
                d[f] += a
                d[last] -= a
            for prog, pts in top.items():
                spend[prog] = spend.get(prog, 0) + pts
        rows = set()
        for place, d in demand.items():
            run = 0
            free = self.raw.free[place]
            for n in range(H):
                run += d[n]
                if run > free[n]:
                    rows.add((place, n))
        return rows, {p for p, v in spend.items() if v > self.raw.balance[p]}

    def price(self, seconds: float | None) -> Priced:
        """Step 2: LP prices by column generation, and the Lagrangian bound over every option
        under them (the trivial bound with chains, should GLOP fail)."""
        start = time.monotonic()
        raw, problem = self.raw, self.problem
        master = _Master(raw, *self.shared())
        chosen: dict[int, list[Option]] = {}
        seen: set[tuple] = set()
        lam, rounds, lp_value = None, 0, 0.0
        while rounds < CG_ROUNDS:
            left = None if seconds is None else seconds - (time.monotonic() - start)
            if left is not None and left <= 0:
                break
            solved = master.solve(None if left is None else max(0.1, left))
            if solved is None:
                break
            rounds += 1
            lp_value, duals, rows, programs = solved
            lam = Lam.of(problem, self.index, rows, programs, integer=False)
            added = 0
            for i, seg in self.segs.items():
                first, later = _reduced(seg, lam)
                target = raw.unplaced[i] + duals[i] - 1e-6  # a column enters below this
                for _, stays in cheapest(seg, first, later, target, CG_PER_REQUEST):
                    o = chain_option(seg, stays, raw.balance) if (i, stays) not in seen else None
                    seen.add((i, stays))
                    if o is not None:
                        chosen.setdefault(i, []).append(o)
                        master.add(i, o)
                        added += 1
            if not added:
                break
        exact = lam.scaled(problem, self.index) if lam is not None else None
        bound, rest = self.lagrangian(exact)
        return Priced(bound, rest, exact, chosen, rounds, lp_value / 1000,
                      time.monotonic() - start)

    def lagrangian(self, lam: Lam | None) -> tuple[int, dict[int, int]]:
        """L (thousandths, rounded up) over every option, chains included, and per request
        (L − m_i) · SCALE, in integers (see `lagrange.reduced`)."""
        raw = self.raw
        mins = _single_floors(raw, self.index, lam)
        for i, seg in self.segs.items():
            v = best_chain(seg, *_reduced(seg, lam))
            mins[i] = min(mins[i], int(v)) if v < math.inf else mins[i]
        total = sum(mins)
        if lam is not None:
            total -= sum(v * raw.free[k[0]][k[1]] for k, v in lam.rows.items())
            total -= sum(v * raw.balance[k] for k, v in lam.programs.items())
        return -((-total) // SCALE), {i: total - m for i, m in enumerate(mins)}

    def listed(self, priced: Priced | None, upper: int = 0, keep: Iterable[Option] = (),
               max_chains: int | None = None) -> tuple[Options, int | None]:
        """Step 3: the generated options plus every chain that a plan below `upper`
        (thousandths) could use, at most `max_chains` of them (the lowest floors), and
        `keep`'s chains; and the ceiling (thousandths) if some were left out. Without
        `priced`, every chain (the pipeline's shortcuts off)."""
        raw = self.raw
        heap: list[tuple[int, int, int, tuple]] = []  # (−floor, order, i, stays): max-heap
        ceiling, order = math.inf, 0
        reduced = {i: _reduced(seg, None if priced is None else priced.lam)
                   for i, seg in self.segs.items()}
        top = math.inf
        if priced is not None:
            top = upper * SCALE
            if max_chains is not None:  # the floor below which about max_chains are
                top = _threshold(self.segs, reduced, priced.rest, top, max_chains)
                if top < upper * SCALE:
                    ceiling = top
        for i, seg in self.segs.items():
            rest = 0 if priced is None else priced.rest[i]
            own = top - rest
            limit = Limit(own)
            if max_chains is not None and len(heap) >= max_chains:
                limit.value = min(own, -heap[0][0] - rest)
            first, later = reduced[i]
            for v, stays in chains_below(seg, first, later, limit):
                floor = rest + int(v)
                item = (-floor, order, i, stays)
                order += 1
                if max_chains is None or len(heap) < max_chains:
                    heapq.heappush(heap, item)
                    continue
                ceiling = min(ceiling, -heapq.heappushpop(heap, item)[0])
                limit.value = min(own, -heap[0][0] - rest)  # below the dearest listed
            if max_chains is not None and len(heap) >= max_chains:
                ceiling = min(ceiling, limit.value + rest)  # chains at the limit, unlisted
        extra = self._options(heap, priced is None, keep)
        out = raw.copy()
        for i, chains in extra.items():
            out.by_request[i] = sorted([*raw.by_request[i], *chains],
                                       key=lambda o: (o.cost, stay_key(o)))
        out.chained = frozenset(extra)
        out.stats["chains"] = sum(len(c) for c in extra.values())
        out.stats["feasible_alone"] = sum(len(o) for o in out.by_request)
        cap = None if ceiling == math.inf else -((-int(ceiling)) // SCALE)
        return out, cap

    def _options(self, heap: list[tuple[int, int, int, tuple]], every: bool,
                 keep: Iterable[Option]) -> dict[int, list[Option]]:
        """The listed chains as options per request, in listing order, with `keep`'s; a
        chain dearer than leaving its request out is never better (unless `every`)."""
        raw = self.raw
        extra: dict[int, list[Option]] = {}
        for _, _, i, stays in sorted(heap, key=lambda x: x[1]):
            o = chain_option(self.segs[i], stays, raw.balance)
            if o is not None and (every or o.cost < raw.unplaced[i]):
                extra.setdefault(i, []).append(o)
        for o in keep:
            if o.tail and not any(stay_key(k) == stay_key(o) for k in extra.get(o.req, [])):
                extra.setdefault(o.req, []).append(o)
        return extra

    def with_columns(self, priced: Priced) -> Options:
        """The generated options plus only the chains the LP used: a problem of its own whose
        every plan is a plan of the whole (for a first upper bound)."""
        out = self.raw.copy()
        for i, chains in priced.columns.items():
            out.by_request[i] = sorted([*self.raw.by_request[i], *chains],
                                       key=lambda o: (o.cost, stay_key(o)))
        out.chained = frozenset(priced.columns)
        return out

    def from_plan(self, plan: Plan) -> list[Option]:
        """The chains of `plan` (a hint, say) that are chains of this problem."""
        index = {r.id: i for i, r in enumerate(self.problem.requests)}
        out = []
        for rid, stays in plan.chains.items():
            i = index.get(rid)
            if i is None or len(stays) < 2 or i not in self.segs:
                continue
            o = chain_of(self.segs[i], [(a.resource, a.check_in, a.nights) for a in stays],
                         self.raw.balance)
            if o is not None:
                out.append(o)
        return out


def _threshold(segs: dict[int, Segments], reduced: dict[int, tuple[dict, dict]],
               rest: dict[int, int], top: int, most: int) -> int:
    """The highest floor T ≤ `top` below which at most about `most` chains lie, by bisection
    on counts (chains of two counted as pairs of a first and a later stay, places alike
    included: an overcount; longer chains are not counted, the caller's cap holds them)."""
    pairs: list[tuple[int, np.ndarray, np.ndarray]] = []  # (rest, first c̃, sorted later c̃)
    for i, seg in segs.items():
        if seg.request.max_moves != 1:
            continue
        first, later = reduced[i]
        for (s, t), f in first.items():
            g = later.get((t, s + seg.request.nights))
            if g is not None:
                pairs.append((rest[i], f, np.sort(g)))

    def count(floor: int) -> int:
        return sum(int(np.searchsorted(g, floor - r - f, side="left").sum())
                   for r, f, g in pairs)

    if count(top) <= most:
        return top
    low = min((r + int(f.min()) + int(g[0]) for r, f, g in pairs), default=top)
    high = top  # count(high) > most ≥ count(low) once low is below every chain
    while high - low > SCALE:  # to a thousandth
        mid = (low + high) // 2
        if count(mid) <= most:
            low = mid
        else:
            high = mid
    return low


def _spans_of(req_opts: list[Option]) -> dict[str, tuple[int, int, int]]:
    spans: dict[str, tuple[int, int, int]] = {}
    for o in req_opts:
        sp = spans.get(o.place)
        spans[o.place] = (o.first, o.last, o.amount) if sp is None else (
            min(sp[0], o.first), max(sp[1], o.last), o.amount)
    return spans


def _add_chain_spans(seg: Segments, spans: dict[str, list[int]], top: dict[str, int],
                     problem: Problem) -> None:
    """Every place a request's chains may use, over all the nights its chains cover; and
    per program at most the dearest room of each of those nights."""
    H = problem.nights
    r = seg.request
    lo, hi = r.earliest, min(H, r.latest + r.nights)
    peak: dict[str, list[int]] = {}
    for st in seg.stops:
        sp = spans.get(st.id)
        spans[st.id] = [lo, hi, st.amount] if sp is None else [
            min(sp[0], lo), max(sp[1], hi), st.amount]
        if st.program is not None:
            nightly = peak.setdefault(st.program, [0] * H)
            points = problem.places[st.id].points
            for n in range(lo, hi):
                nightly[n] = max(nightly[n], st.amount * points[n])
    for prog, nightly in peak.items():
        top[prog] = max(top.get(prog, 0), sum(nightly))


def _single_floors(raw: Options, index: dict[str, int], lam: Lam | None) -> list[int]:
    """Per request, min(U, its single stays' least c̃) · SCALE, in integers."""
    mins = [u * SCALE for u in raw.unplaced]
    for i, req_opts in enumerate(raw.by_request):
        if not req_opts:
            continue
        if lam is None:
            mins[i] = min(mins[i], req_opts[0].cost * SCALE)
            continue
        where = np.array([index[o.place] for o in req_opts], dtype=np.int64)
        first = np.array([o.first for o in req_opts], dtype=np.int64)
        last = np.array([o.last for o in req_opts], dtype=np.int64)
        amount = np.array([o.amount for o in req_opts], dtype=np.int64)
        points = np.array([o.points for o in req_opts], dtype=np.int64)
        cost = np.array([o.cost for o in req_opts], dtype=np.int64)
        c = (cost * SCALE + amount * (lam.pre[where, last] - lam.pre[where, first])
             + lam.prog[where] * points)
        mins[i] = min(mins[i], int(c.min()))
    return mins


class _Master:
    """The LP over the single stays and the chains added so far (column generation): one
    row per request (at most one column), one per shared row and program."""

    def __init__(self, raw: Options, rows: set[tuple[str, int]], programs: set[str]) -> None:
        self.raw, self.rows, self.programs = raw, rows, programs
        cap: dict[object, int] = {r: raw.free[r[0]][r[1]] for r in rows}
        cap.update({p: raw.balance[p] for p in programs})
        columns = [(i, o.cost, _option_rows(o, rows, programs))
                   for i, req_opts in enumerate(raw.by_request) for o in req_opts]
        self.proto, self.row_index = lagrange._lp(raw, list(range(len(raw.by_request))),
                                                  columns, cap, sorted(cap, key=str))

    def add(self, i: int, o: Option) -> None:
        """A chain of request i as a new column."""
        var = len(self.proto.variable)
        v = self.proto.variable.add()
        v.lower_bound, v.upper_bound = 0.0, 1.0
        v.objective_coefficient = float(o.cost - self.raw.unplaced[i])
        cons = self.proto.constraint
        cons[i].var_index.append(var)
        cons[i].coefficient.append(1.0)
        for key, a in _option_rows(o, self.rows, self.programs):
            r = self.row_index[key]
            cons[r].var_index.append(var)
            cons[r].coefficient.append(float(a))

    def solve(self, seconds: float | None
              ) -> tuple[float, list[float], dict[tuple[str, int], float], dict[str, float]] | None:
        """(LP optimum in thousandths, request duals, λ per row, λ per program), or None."""
        response = lagrange._solve(self.proto, seconds)
        if response is None:
            return None
        duals = response.dual_value
        rows = {k: -duals[r] for k, r in self.row_index.items()
                if isinstance(k, tuple) and duals[r] < 0}
        programs = {k: -duals[r] for k, r in self.row_index.items()
                    if not isinstance(k, tuple) and duals[r] < 0}
        return (response.objective_value + sum(self.raw.unplaced),
                list(duals[:len(self.raw.by_request)]), rows, programs)


def _option_rows(o: Option, rows: set[tuple[str, int]], programs: set[str]
                 ) -> list[tuple[object, int]]:
    out: list[tuple[object, int]] = [((p.place, n), p.amount) for p in parts(o)
                                     for n in p.rows() if (p.place, n) in rows]
    out.extend((prog, pts) for prog, pts in spending(o) if prog in programs)
    return out
