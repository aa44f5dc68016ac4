"""Data preparation: every stay a request could take, integer-valued, with the impossible and
the never-better ones pruned before any model sees them.

An `Option` is one (request, place, check-in). Its cost is in thousandths, exactly the spec's
rounding, so the model's objective equals the checker's cost. Pruning is *safe*: an option is
dropped only when some optimal plan never needs it (see `prune_dominated`).

A request's list of options is never changed once stored: pruning stores a new list. So
option sets can share them (a copy costs one list of references), and what is cached per
request (`_summary`) holds exactly while the same list is there. (Lists, not tuples: on
national-1 tuples made building the options 15% slower, measured A/B.)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .geo import EARTH_MILES, SLACK, miles
from .problem import Hotel, Place, Problem, Request, Shelter
from .rules import fixed_load, policy_refusal, stay_units, unplaced_units

Row = tuple[str, int]  # (place id, night): one nightly capacity


@dataclass(slots=True)
class Option:
    """One stay, or a chain of stays (spec: Moves): its first stay's fields here, the later
    ones in `tail` (Options of the same request, each with its own cost term), and the whole
    chain's cost in `cost`. Everything that looks at beds, rooms, genders or points goes
    through `parts` and `spending`, so a chain counts every stay it takes."""

    req: int  # index into problem.requests
    place: str
    check_in: int
    cost: int  # thousandths (a chain's: every stay's term)
    amount: int  # persons (shelter) or rooms (hotel) taken on each night inside the horizon
    first: int  # nights [first, last) inside the horizon
    last: int
    points: int = 0
    program: str | None = None
    gender_row: bool = False  # the place is same_gender
    tail: tuple[Option, ...] = ()  # a chain's later stays, in order

    def rows(self) -> range:
        return range(self.first, self.last)


def parts(o: Option) -> tuple[Option, ...]:
    """The stays an option takes: itself, or a chain's every stay in order."""
    return (o, *o.tail) if o.tail else (o,)


def spending(o: Option) -> list[tuple[str, int]]:
    """Points per program an option spends (a chain's stays added up)."""
    if not o.tail:
        return [] if o.program is None else [(o.program, o.points)]
    out: dict[str, int] = {}
    for s in parts(o):
        if s.program is not None:
            out[s.program] = out.get(s.program, 0) + s.points
    return list(out.items())


def stay_key(o: Option) -> tuple:
    """What identifies an option within its request: (place, check-in) of every stay."""
    if not o.tail:
        return ((o.place, o.check_in),)
    return tuple((s.place, s.check_in) for s in parts(o))


@dataclass
class Options:
    """Options per request plus the constraints that can actually bind."""

    problem: Problem
    by_request: list[list[Option]]  # per request, sorted by cost; never changed in place
    free: dict[str, list[int]]  # what fixed stays leave, clipped at 0
    fixed_genders: dict[Row, set[str]]
    balance: dict[str, int] = field(default_factory=dict)  # points each program may spend
    cap_rows: set[Row] = field(default_factory=set)  # rows where demand can exceed capacity
    gender_rows: set[Row] = field(default_factory=set)  # same_gender rows with >1 gender possible
    programs: set[str] = field(default_factory=set)  # programs whose balance can bind
    binding: dict[str, list[int]] = field(default_factory=dict)  # prefix counts of bound rows
    forced: set[int] = field(default_factory=set)  # requests that some optimal plan places
    chained: frozenset[int] = frozenset()  # requests with chains among their options (Moves)
    # Bounds proven before these options were made (chains listed below an upper bound):
    # every plan costs at least `proven`, and at least min(the optimum over these options,
    # `ceiling`) (thousandths; see chains.py).
    proven: int = 0
    ceiling: int | None = None
    stats: dict[str, int] = field(default_factory=dict)
    summaries: dict[int, tuple] = field(default_factory=dict, repr=False)  # see `_summary`

    def copy(self) -> Options:
        """An option set that prunes and rebinds apart from this one (the lists of options,
        the capacities and the cached summaries are shared: none of them is ever changed)."""
        return Options(self.problem, list(self.by_request), self.free, self.fixed_genders,
                       self.balance, set(self.cap_rows), set(self.gender_rows),
                       set(self.programs), dict(self.binding), set(self.forced),
                       self.chained, self.proven, self.ceiling, dict(self.stats),
                       dict(self.summaries))

    @cached_property
    def unplaced(self) -> list[int]:
        """U per request, in thousandths (read-only)."""
        return [unplaced_units(r) for r in self.problem.requests]

    def all(self) -> list[Option]:
        return [o for opts in self.by_request for o in opts]


def _np_miles(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_MILES * np.arcsin(np.minimum(1.0, np.sqrt(h)))


class PlaceTable:
    """The places' static fields as numpy arrays, so a request's rules filter all places at
    once; only the places left get the exact `miles()` (bit for bit the checker's)."""

    def __init__(self, places: list[Place]) -> None:
        self.places = places
        self.lats = np.array([p.lat for p in places], dtype=float)
        self.lons = np.array([p.lon for p in places], dtype=float)
        self.pets = np.array([p.pets for p in places], dtype=bool)
        self.accessible = np.array([p.accessible for p in places], dtype=bool)
        self.max_stay = np.array([p.max_stay if isinstance(p, Shelter) and p.max_stay is not None
                                  else np.inf for p in places], dtype=float)
        self._policy: dict[tuple, np.ndarray] = {}
        self._offers: dict[str, np.ndarray] = {}

    def policy_ok(self, r: Request) -> np.ndarray:
        """Places whose policy takes this party (hotels: any party with an adult)."""
        key = (r.adults == 0, r.gender, r.children >= 1)
        ok = self._policy.get(key)
        if ok is None:
            ok = self._policy[key] = np.array([
                policy_refusal(p, r) is None if isinstance(p, Shelter) else r.adults > 0
                for p in self.places], dtype=bool)
        return ok

    def offers(self, need: str) -> np.ndarray:
        """Places whose offers contain `need` (compared exactly)."""
        ok = self._offers.get(need)
        if ok is None:
            ok = self._offers[need] = np.array([need in p.offers for p in self.places],
                                               dtype=bool)
        return ok


def eligible_places(r: Request, table: PlaceTable) -> list[tuple[Place, float]]:
    """Places that pass every static rule for `r`, with their distance.

    The same rules as `rules.place_refusals`; numpy filters by the rules and prefilters by
    distance (with a margin), and the exact `miles()` decides.
    """
    mask = table.policy_ok(r) & (table.max_stay >= r.nights)
    if r.needs_pet_place:
        mask &= table.pets
    if r.accessible:
        mask &= table.accessible
    for need in r.needs:  # a place must offer every need
        mask &= table.offers(need)
    if r.max_miles is not None:
        mask &= _np_miles(r.lat, r.lon, table.lats, table.lons) <= r.max_miles + 0.01
    index = np.nonzero(mask)[0]
    near_zone = [np.nonzero(_np_miles(z.lat, z.lon, table.lats[index], table.lons[index])
                            <= z.miles + 0.01)[0] for z in r.avoid]
    doubtful = {int(k) for hits in near_zone for k in hits}
    out = []
    places = table.places
    for k, j in enumerate(index.tolist()):
        p = places[j]
        if p.id in r.exclude:
            continue
        d = miles(r.lat, r.lon, p.lat, p.lon)
        if r.max_miles is not None and d > r.max_miles + SLACK:
            continue
        if k in doubtful and any(miles(z.lat, z.lon, p.lat, p.lon) <= z.miles - SLACK
                                 for z in r.avoid):
            continue
        out.append((p, d))
    return out


def movers(problem: Problem) -> list[int]:
    """The requests that may be placed as a chain of stays (spec: Moves): max_moves ≥ 1 and
    two nights or more. Where there are none, nothing of `chains.py` runs (or is imported)."""
    return [i for i, r in enumerate(problem.requests) if r.max_moves >= 1 and r.nights >= 2]


def build_options(problem: Problem, prune: bool = True) -> Options:
    """Every option of `problem` that fits alone, its binding rows, and (with `prune`) only
    the options some optimal plan may need."""
    return settle(generate_options(problem, prune), prune)


def generate_options(problem: Problem, prune: bool = True) -> Options:
    """Every option that fits alone (under `problem`'s balances) and, with `prune`, costs
    less than leaving its request unplaced; no binding rows yet (see `settle`)."""
    H = problem.nights
    left, fixed_genders = fixed_load(problem)
    free = {k: [max(0, v) for v in vals] for k, vals in left.items()}
    table = PlaceTable([*problem.shelters, *problem.hotels])
    balance = problem.balance
    by_request: list[list[Option]] = []
    generated = 0
    short: dict[tuple[str, int], list[int]] = {}  # prefix counts of nights with < amount free
    # Per place: (is hotel, same_gender shelter, program, prefix sums of points or None).
    kind = {p.id: (isinstance(p, Hotel), isinstance(p, Shelter) and p.same_gender,
                   p.program if isinstance(p, Hotel) else None,
                   _prefix(list(p.points)) if isinstance(p, Hotel) else None)
            for p in table.places}
    for i, r in enumerate(problem.requests):
        opts: list[Option] = []
        limit = unplaced_units(r) if prune else math.inf
        weight, earliest, nights, gender = r.delay_weight, r.earliest, r.nights, r.gender
        window = range(r.earliest, r.latest + 1)
        for p, d in eligible_places(r, table):
            is_hotel, same_gender, program, price = kind[p.id]
            amount = p.rooms_for(r.persons) if is_hotel else r.persons
            pre = short.get((p.id, amount))
            if pre is None:
                pre = short[(p.id, amount)] = _prefix([c < amount for c in free[p.id]])
            generated += len(window)
            for s in window:
                last = min(H, s + nights)
                if pre[last] != pre[s]:
                    continue  # does not fit even alone
                if same_gender and any(fixed_genders.get((p.id, n), {gender}) != {gender}
                                       for n in range(s, last)):
                    continue  # fixed stays of another gender hold the room
                points = amount * (price[last] - price[s]) if is_hotel else 0
                if is_hotel and points > balance[program]:
                    continue
                c = stay_units(weight, s - earliest, points, d)
                if c >= limit:
                    continue  # leaving the request unplaced is no worse and frees resources
                opts.append(Option(i, p.id, s, c, amount, s, last, points, program,
                                   same_gender))
        opts.sort(key=lambda o: (o.cost, o.place, o.check_in))
        by_request.append(opts)
    result = Options(problem, by_request, free, fixed_genders, dict(balance))
    result.stats["generated"] = generated
    result.stats["feasible_alone"] = sum(len(o) for o in by_request)
    return result


def settle(opts: Options, prune: bool = True) -> Options:
    """Find the rows and programs that can bind and (with `prune`) drop dominated options;
    in place, on freshly generated options. Returns `opts`."""
    _binding(opts)
    if prune:
        prune_dominated(opts)
    opts.stats["kept"] = sum(len(o) for o in opts.by_request)
    return opts


def with_balance(raw: Options, problem: Problem, prune: bool = True) -> Options:
    """`build_options(problem, prune)` from `raw`, the options generated (with the same
    `prune`) for the same problem with balances at least `problem`'s (`generate_options`),
    without generating them again.

    Generation keeps an option only when its points fit the balance and sorts each request's
    options by (cost, place, check-in), a total order; so dropping from `raw` the options
    whose points exceed `problem`'s balances leaves exactly the lists generation would make,
    and `settle` does the rest as `build_options` does. `raw` is left as it is.
    """
    return settle(balanced(raw, problem), prune)


def balanced(raw: Options, problem: Problem) -> Options:
    """`generate_options(problem)` from `raw` (see `with_balance`), not yet settled: single
    stays only, as generation makes them (a solve lists chains itself, `chains.py`)."""
    balance = problem.balance
    lower = {k for k, v in balance.items() if v < raw.balance[k]}
    opts = raw.copy()
    opts.problem, opts.balance = problem, dict(balance)
    if lower:
        for i, req_opts in enumerate(raw.by_request):
            kept = [o for o in req_opts
                    if o.program not in lower or o.points <= balance[o.program]]
            if len(kept) < len(req_opts):  # else the same list: its cached summary holds
                opts.by_request[i] = kept
    opts.stats["feasible_alone"] = sum(len(o) for o in opts.by_request)
    return opts


def _binding(opts: Options) -> None:
    """Find the capacity rows, gender rows and programs that some combination could break.

    A request takes at most one option, so per place it adds at most its largest amount on
    the nights its options there cover (the union of their ranges, a safe overestimate).
    """
    H = opts.problem.nights
    demand: dict[str, list[int]] = {}
    gcount: dict[str, dict[str, list[int]]] = {}
    spend: dict[str, int] = defaultdict(int)
    for i, req_opts in enumerate(opts.by_request):
        spans, top = _summary(opts, i, req_opts)
        _add_spans(demand, gcount, spans, opts.problem.requests[i].gender, H)
        for prog, pts in top:
            spend[prog] += pts
    binding: dict[str, list[bool]] = {}
    opts.gender_rows = set()
    for place, d in demand.items():
        free = opts.free[place]
        run, flags = 0, []
        for n in range(H):
            run += d[n]
            flags.append(run > free[n])
        binding[place] = flags
    for place, per_gender in gcount.items():
        present: list[set[str]] = [set() for _ in range(H)]
        for g, d in per_gender.items():
            run = 0
            for n in range(H):
                run += d[n]
                if run > 0:
                    present[n].add(g)
        flags = binding[place]
        for n in range(H):
            mix = present[n] | opts.fixed_genders.get((place, n), set())
            if present[n] and len(mix) > 1:
                flags[n] = True
                opts.gender_rows.add((place, n))
    opts.binding = {k: _prefix(v) for k, v in binding.items()}
    opts.cap_rows = {(k, n) for k, flags in binding.items() for n, b in enumerate(flags) if b}
    opts.programs = {prog for prog, s in spend.items() if s > opts.balance[prog]}


def _summary(opts: Options, i: int, req_opts: list[Option]
             ) -> tuple[list[tuple[str, int, int, int, bool]], list[tuple[str, int]]]:
    """Request i's spans per place (see `_spans`, with whether the place is same_gender) and
    its dearest points per program, cached while request i has the same list of options
    (never changed in place; the cache holds the list, so its identity is never reused)."""
    hit = opts.summaries.get(i)
    if hit is not None and hit[0] is req_opts:
        return hit[1], hit[2]
    places = opts.problem.places
    spans = [(place, f, last, a, isinstance(p := places[place], Shelter) and p.same_gender)
             for place, (f, last, a) in _spans(req_opts).items()]
    top: dict[str, int] = {}
    pair: dict[str, list[int]] = {}  # chains of two: the most a first and a second stay spend
    for o in req_opts:
        if o.tail:
            for prog, pts in spending(o):
                if top.get(prog, -1) < pts:
                    top[prog] = pts
            if len(o.tail) == 1:
                for k, p in enumerate(parts(o)):
                    if p.program is not None:
                        most = pair.setdefault(p.program, [0, 0])
                        most[k] = max(most[k], p.points)
        elif o.program is not None and top.get(o.program, -1) < o.points:
            top[o.program] = o.points
    for prog, (a, b) in pair.items():  # the model may pair any first and second stay
        top[prog] = max(top.get(prog, 0), a + b)
    tops = list(top.items())
    opts.summaries[i] = (req_opts, spans, tops)
    return spans, tops


def _spans(req_opts: list[Option]) -> dict[str, list[int]]:
    """Per place, the nights [first, last) any of a request's options there covers, and its
    amount there: at most that much on each of those nights (a safe overestimate)."""
    span: dict[str, list[int]] = {}
    for o in req_opts:
        if o.tail:  # a chain: each of its stays
            for p in parts(o):
                _widen(span, p)
            continue
        sp = span.get(o.place)  # `_widen` inline: this loop runs once per option
        if sp is None:
            span[o.place] = [o.first, o.last, o.amount]
        else:
            sp[0], sp[1] = min(sp[0], o.first), max(sp[1], o.last)
    return span


def _widen(span: dict[str, list[int]], p: Option) -> None:
    sp = span.get(p.place)
    if sp is None:
        span[p.place] = [p.first, p.last, p.amount]
    else:
        sp[0], sp[1] = min(sp[0], p.first), max(sp[1], p.last)


def _add_spans(demand: dict[str, list[int]], gcount: dict[str, dict[str, list[int]]],
               spans: list[tuple[str, int, int, int, bool]], gender: str, H: int) -> None:
    """Add one request's spans (see `_summary`) to the difference arrays of demand per place,
    and of people per gender where the place is same_gender."""
    for place, first, last, amount, same_gender in spans:
        d = demand.get(place)
        if d is None:
            d = demand[place] = [0] * (H + 1)
        d[first] += amount
        d[last] -= amount
        if same_gender:
            gd = gcount.setdefault(place, {}).setdefault(gender, [0] * (H + 1))
            gd[first] += 1
            gd[last] -= 1


def _prefix(flags: list[bool] | list[int]) -> list[int]:
    out = [0]
    for b in flags:
        out.append(out[-1] + b)
    return out


def prune_dominated(opts: Options, group: list[int] | None = None) -> None:
    """Drop options that an exchange argument shows are never needed.

    If request r has an option A that touches no binding constraint (every night's capacity
    holds whatever the others do, no gender mix is possible, its program cannot run out), then
    in any plan r may switch to A from anything that costs at least as much (or from being
    unplaced) without breaking a rule or raising the cost. So r keeps only A and the options
    strictly cheaper than A, and r is placed. Dropping options lowers demand, which can free
    more rows, so repeat until nothing changes. With `group` (one component), only its
    requests and rows are looked at (see `rebind`).
    """
    requests = range(len(opts.by_request)) if group is None else group
    chained = opts.chained
    for _ in range(4):  # later rounds drop little (national-1: 608k, 469k, 419k, 399k, ...)
        changed = False
        for i in requests:
            req_opts = opts.by_request[i]
            for k, o in enumerate(req_opts):
                if _is_free(opts, o):
                    if k + 1 < len(req_opts):
                        opts.by_request[i] = req_opts[:k + 1]
                        changed = True
                    opts.forced.add(i)
                    break
            if chained and i in chained and _drop_merged(opts, i, opts.by_request[i]):
                changed = True
        if not changed:
            break
        if group is None:
            _binding(opts)
        else:
            rebind(opts, group)


def _drop_merged(opts: Options, i: int, req_opts: list[Option]) -> bool:
    """Drop request i's chains that a shorter stay of its own beats (spec: Moves).

    Two stays in a row of a chain, A then B, *merge* into one stay at A (A stays on over B's
    nights) or at B (B starts on A's check-in). If the merged option is among i's options,
    costs no more, and its place's rows on the nights it gains cannot bind (nor its program,
    when it spends more), then any plan may swap the chain for it without breaking a rule
    or raising the cost: the chain is never needed. Merging only shortens a chain, so no two
    options drop each other. Where the request has a free option cheaper than its chains,
    `prune_dominated` has already dropped them.
    """
    # Only chains with a stay whose place could take a neighbour's nights freely are worth a
    # look (in tight places, few): the merged options are then looked up.
    doubtful = [o for o in req_opts if o.tail and _mergeable(opts, parts(o))]
    if not doubtful:
        return False
    by_key = {stay_key(o): o for o in req_opts}
    dropped = {id(o) for o in doubtful if _merged_beats(opts, o, by_key)}
    if not dropped:
        return False
    opts.by_request[i] = [o for o in req_opts if id(o) not in dropped]
    return True


def _mergeable(opts: Options, segs: tuple[Option, ...]) -> bool:
    return any(_gains_free(opts, a, b) or _gains_free(opts, b, a)
               for a, b in zip(segs, segs[1:], strict=False))


def _merged_beats(opts: Options, o: Option, by_key: Mapping[tuple, Option]) -> bool:
    segs = parts(o)
    key = stay_key(o)
    for j in range(len(segs) - 1):
        a, b = segs[j], segs[j + 1]
        # A stays on over B's nights: B's entry goes.
        if _gains_free(opts, a, b):
            other = by_key.get(key[:j + 1] + key[j + 2:])
            if other is not None and other.cost <= o.cost:
                return True
        # B starts on A's check-in: A's entry goes, B's check-in is A's.
        if _gains_free(opts, b, a):
            other = by_key.get(key[:j] + ((b.place, a.check_in),) + key[j + 2:])
            if other is not None and other.cost <= o.cost:
                return True
    return False


def _gains_free(opts: Options, stay: Option, over: Option) -> bool:
    """Whether `stay`'s place, taking `over`'s nights too, touches no row that can bind (and
    its program, which then spends more, cannot run out)."""
    if stay.program is not None and stay.program in opts.programs:
        return False
    pre = opts.binding.get(stay.place)
    return pre is None or pre[over.last] == pre[over.first]


def stand_in(opts: Options, i: int, o: Option) -> Option | None:
    """An option request i still has that may replace `o` in any plan at no extra cost: `o`
    itself if kept, else the cheapest kept option no dearer whose stays beyond `o`'s touch no
    binding row and whose extra points no binding program (what dominance kept in its
    place); None if there is none."""
    kept = opts.by_request[i]
    if any(k is o for k in kept):
        return o
    if o.tail:  # a chain the model paired from listed stays: the listed one, if any
        key = stay_key(o)
        same = next((k for k in kept if k.tail and stay_key(k) == key), None)
        if same is not None:
            return same
    if kept and kept[-1].cost <= o.cost and _is_free(opts, kept[-1]):
        return kept[-1]  # the free option that dominance keeps last
    mine = {(p.place, n) for p in parts(o) for n in p.rows()}
    spent = dict(spending(o))
    for k in kept:
        if k.cost > o.cost:
            break
        if all(opts.binding.get(p.place) is None or all(
                (p.place, n) in mine or opts.binding[p.place][n + 1] == opts.binding[p.place][n]
                for n in p.rows()) for p in parts(k)) and all(
                prog not in opts.programs or pts <= spent.get(prog, 0)
                for prog, pts in spending(k)):
            return k
    return None


def rebind(opts: Options, group: list[int]) -> int:
    """After a component's options shrank, find which of its rows still bind.

    A binding row belongs to one component (`components` joins every request touching it),
    so on a row the group touches only its options count; rows it does not touch are left
    as they are (another component's, or no longer used at all), and a row that did not
    bind still does not (demand only fell). Much cheaper than `_binding` over everything.
    Returns the rows freed.
    """
    H = opts.problem.nights
    demand: dict[str, list[int]] = {}
    gdemand: dict[str, dict[str, list[int]]] = {}
    binding = opts.binding
    for i in group:
        spans, _ = _summary(opts, i, opts.by_request[i])
        touching = [sp for sp in spans
                    if (pre := binding.get(sp[0])) is not None and pre[sp[2]] != pre[sp[1]]]
        _add_spans(demand, gdemand, touching, opts.problem.requests[i].gender, H)
    freed = 0
    for place, d in demand.items():
        pre = opts.binding[place]
        free = opts.free[place]
        per_gender = gdemand.get(place, {})
        runs = {g: 0 for g in per_gender}
        run, flags, changed = 0, [], False
        for n in range(H):
            run += d[n]
            for g, gd in per_gender.items():
                runs[g] += gd[n]
            was = pre[n + 1] != pre[n]
            if not was or run == 0:  # rows the group does not touch may be another's
                flags.append(was)
                continue
            mix = False
            if (place, n) in opts.gender_rows:
                present = {g for g, c in runs.items() if c > 0}
                mix = bool(present) and len(present | opts.fixed_genders.get((place, n), set())) > 1
                if not mix:
                    opts.gender_rows.discard((place, n))
            still = run > free[n] or mix
            flags.append(still)
            if not still:
                changed = True
                freed += 1
                opts.cap_rows.discard((place, n))
        if changed:
            opts.binding[place] = _prefix(flags)
    return freed


def has_gender_rows(opts: Options, group: list[int]) -> bool:
    """Whether two genders may meet in a room somewhere in `group`'s options."""
    rows = opts.gender_rows
    return bool(rows) and any(p.gender_row and any((p.place, n) in rows for n in p.rows())
                              for i in group for o in opts.by_request[i] for p in parts(o))


def _is_free(opts: Options, o: Option) -> bool:
    """Whether an option touches no row or program that can bind."""
    if o.tail:
        return all(_stay_free(opts, p) for p in parts(o)) and not any(
            prog in opts.programs for prog, _ in spending(o))
    if o.program is not None and o.program in opts.programs:
        return False
    pre = opts.binding[o.place]
    return pre[o.last] == pre[o.first]


def _stay_free(opts: Options, p: Option) -> bool:
    pre = opts.binding[p.place]
    return pre[p.last] == pre[p.first]


def plan_units(opts: Options, chosen: Mapping[int, Option],
               requests: Iterable[int] | None = None) -> int:
    """What a choice costs, in thousandths: each request its chosen option, or U when it has
    none; over `requests` (everybody by default). The one place a choice is priced."""
    unplaced = opts.unplaced
    if requests is None:
        requests = range(len(unplaced))
    return sum(chosen[i].cost if i in chosen else unplaced[i] for i in requests)


def lower_bound(opts: Options) -> int:
    """Each request at its cheapest option (or unplaced), ignoring all sharing: a valid bound."""
    return trivial(opts, range(len(opts.by_request)))


def floor_units(opts: Options) -> int:
    """What every plan pays for requests that have no option at all."""
    return sum(unplaced_units(r) for r, o in zip(opts.problem.requests, opts.by_request,
                                                  strict=True) if not o)


__all__ = ["Option", "Options", "Row", "SLACK", "build_options", "generate_options", "lower_bound",
           "floor_units", "plan_units", "settle", "with_balance"]


def prune_by_gap(opts: Options, upper: int) -> Options:
    """A copy without the options that cannot appear in any plan cheaper than `upper`
    (thousandths).

    Every plan pays at least each request's own cheapest choice (min of U and its cheapest
    option): that sum is `lower_bound`. A plan that gives request r option o pays at least
    lower_bound + (cost(o) − min_r), so when that exceeds `upper` the plan is worse than one
    we already hold. Likewise a request whose U exceeds its min by more than the gap is placed
    in every better plan.
    """
    pruned = opts.copy()
    dropped = prune_requests(pruned, range(len(opts.by_request)), upper - lower_bound(opts))
    # The binding rows are left as they were: a safe overestimate now. `relax_points` and
    # each component's `rebind` (schedule.shrink) recount them where it pays.
    pruned.stats["dropped_by_gap"] = pruned.stats.get("dropped_by_gap", 0) + dropped
    pruned.stats["kept"] = sum(len(o) for o in pruned.by_request)
    return pruned


def components(opts: Options, requests: list[int] | None = None) -> list[list[int]]:
    """Requests that share a binding row or a binding program, as sorted groups (of
    `requests` only, when given: the parts one component falls into after `rebind`)."""
    members = list(range(len(opts.by_request))) if requests is None else sorted(requests)
    parent = {i: i for i in members}

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    owner: dict[object, int] = {}
    for i in members:
        for o in opts.by_request[i]:
            if o.tail:  # a chain: the rows of every stay and its programs
                keys = _chain_keys(opts, o)
            else:
                keys = []
                if o.program is not None and o.program in opts.programs:
                    keys.append(o.program)
                pre = opts.binding.get(o.place)
                if pre is not None and pre[o.last] != pre[o.first]:
                    keys.extend((o.place, m) for m in o.rows() if pre[m + 1] != pre[m])
            for key in keys:
                j = owner.setdefault(key, i)
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in members:
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def _chain_keys(opts: Options, o: Option) -> list[object]:
    keys: list[object] = [prog for prog, _ in spending(o) if prog in opts.programs]
    for p in parts(o):
        pre = opts.binding.get(p.place)
        if pre is not None and pre[p.last] != pre[p.first]:
            keys.extend((p.place, m) for m in p.rows() if pre[m + 1] != pre[m])
    return keys


def relax_points(opts: Options) -> Options:
    """A copy in which no balance can run out (the points-relaxed problem), pruned again."""
    relaxed = opts.copy()
    relaxed.balance = {k: 1 << 62 for k in opts.balance}
    _binding(relaxed)
    prune_dominated(relaxed)
    return relaxed


def keeps_balances(opts: Options, chosen: dict[int, Option]) -> bool:
    spent: dict[str, int] = defaultdict(int)
    for o in chosen.values():
        for prog, pts in spending(o):
            spent[prog] += pts
    return all(v <= opts.balance[k] for k, v in spent.items())


def prune_requests(opts: Options, requests: Iterable[int], gap: int,
                   keep: dict[int, Option] | None = None) -> int:
    """`prune_by_gap` for some requests only (see there), given gap = upper − lower bound.

    For one component, `gap` may be its own: the cost of `keep` on it minus its requests'
    own cheapest choices (`trivial`). Components share nothing, so the component's part of
    any better plan is no dearer than `keep`'s. Options in `keep` stay (they are the plan
    that gave the upper bound), and requests that any better plan places are marked forced.
    """
    dropped = 0
    unplaced = opts.unplaced
    keep = keep or {}
    for i in requests:
        req_opts = opts.by_request[i]
        if not req_opts:
            continue
        best = min(unplaced[i], req_opts[0].cost)
        mine = keep.get(i)
        kept = [o for o in req_opts if o.cost - best <= gap or o is mine]
        if len(kept) < len(req_opts):
            dropped += len(req_opts) - len(kept)
            opts.by_request[i] = kept
        if unplaced[i] - best > gap:  # leaving it out alone costs more than the gap
            opts.forced.add(i)
    return dropped


def trivial(opts: Options, requests: Iterable[int]) -> int:
    """`lower_bound` of some requests: each at its own cheapest choice."""
    unplaced = opts.unplaced
    return sum(min(unplaced[i], opts.by_request[i][0].cost) if opts.by_request[i]
               else unplaced[i] for i in requests)


def restricted(opts: Options, group: list[int], gap: int) -> Options:
    """A copy in which `group`'s requests keep only options within `gap` of their cheapest
    choice (rows and dominance updated for the group): a smaller problem whose optimum C is
    the group's optimum too when C − trivial ≤ gap (every dropped option costs more)."""
    copy = opts.copy()
    unplaced = opts.unplaced
    for i in group:
        req_opts = opts.by_request[i]
        if req_opts:
            best = min(unplaced[i], req_opts[0].cost)
            copy.by_request[i] = [o for o in req_opts if o.cost - best <= gap]
    rebind(copy, group)
    prune_dominated(copy, group)
    return copy
