"""LP prices on the shared rows: a proven bound and reduced-cost fixing for one component.

The LP relaxation of a component (each request at most one option, x in [0, 1]; the binding
capacity rows and programs) is solved by GLOP only to get *prices* λ ≥ 0 for its rows. The
bound and the fixing are then computed here, exactly, in integers, from λ alone, so nothing
rests on the LP solver's accuracy:

- Lagrangian bound. For any λ ≥ 0 and any feasible plan x,
  cost(x) ≥ cost(x) + Σ_r λ_r (Σ_o a_or x_o − cap_r)
          = Σ_i (the request's term with reduced costs c_o + Σ_r λ_r a_or) − Σ_r λ_r cap_r
          ≥ Σ_i min(U_i, min_o c̃_o) − Σ_r λ_r cap_r = L(λ).
  Gender rows are left out (a relaxation: still a bound).
- Reduced-cost fixing. A plan that gives request i option o costs at least
  L − m_i + c̃_o (m_i the request's own minimum above). If that is at least the cost of a
  plan we already hold, o is in no better plan and can go; likewise "unplaced" for i.

λ is rounded down to multiples of 1/SCALE (any λ ≥ 0 is valid) so the sums are exact.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

from ortools.linear_solver import linear_solver_pb2, pywraplp

from .options import Option, Options, parts, spending

SCALE = 1024


@dataclass
class Prices:
    lam: dict[object, int]  # row key -> λ · SCALE (rows: (place, night) or program id)
    bound: int  # thousandths, a proven lower bound on the component's cost
    seconds: float
    values: list[tuple[float, Option]] = field(default_factory=list)  # the LP's x, per option
    cache: tuple | None = None  # `reduced` for the options it was computed on


def _rows(opts: Options, o: Option) -> list[tuple[object, int]]:
    """The binding rows an option uses, with its amount on each."""
    out: list[tuple[object, int]] = []
    if o.tail:  # a chain: every stay's rows, and its points per program
        for p in parts(o):
            pre = opts.binding.get(p.place)
            if pre is not None and pre[p.last] != pre[p.first]:
                out.extend(((p.place, n), p.amount) for n in p.rows() if pre[n + 1] != pre[n])
        out.extend((prog, pts) for prog, pts in spending(o) if prog in opts.programs)
        return out
    pre = opts.binding.get(o.place)
    if pre is not None and pre[o.last] != pre[o.first]:
        out.extend(((o.place, n), o.amount) for n in o.rows() if pre[n + 1] != pre[n])
    if o.program is not None and o.program in opts.programs:
        out.append((o.program, o.points))
    return out


def _capacity(opts: Options, key: object) -> int:
    if isinstance(key, tuple):
        return opts.free[key[0]][key[1]]
    return opts.balance[key]


def _kind(place: object) -> tuple:
    """Places with equal kind are interchangeable up to their own beds or rooms: same kind,
    location, program, prices and rules (IHTC's rooms of one capacity, for example)."""
    skip = {"id", "name", "beds", "rooms"}
    return (type(place).__name__, *(getattr(place, f.name) for f in dataclasses.fields(place)
                                    if f.name not in skip))


def poolable(opts: Options, group: list[int]) -> bool:
    """Whether pooling interchangeable places at least halves the places (cheap to check)."""
    places = opts.problem.places
    touched = {p.place for i in group for o in opts.by_request[i] for p in parts(o)}
    return 2 * len({_kind(places[p]) for p in touched}) <= len(touched)


def _columns(opts: Options, group: list[int], aggregate: bool
             ) -> tuple[list[tuple[int, int, list[tuple[object, int]]]], dict[object, int],
                        dict[object, list[object]]]:
    """LP columns (request, cost, [(row, amount)]), row capacities, and for aggregated rows
    the real rows they stand for."""
    if not aggregate:
        columns = []
        cap: dict[object, int] = {}
        for i in group:
            for o in opts.by_request[i]:
                rows = _rows(opts, o)
                columns.append((i, o.cost, rows))
                for key, _ in rows:
                    if key not in cap:
                        cap[key] = _capacity(opts, key)
        return columns, cap, {}
    places = opts.problem.places
    kinds: dict[str, object] = {}
    members: dict[object, list[str]] = {}
    for i in group:
        for o in opts.by_request[i]:
            for p in parts(o) if o.tail else (o,):
                if p.place not in kinds:
                    k = kinds[p.place] = _kind(places[p.place])
                    members.setdefault(k, []).append(p.place)
    binding: set[tuple[object, int]] = set()
    stands: dict[object, list[object]] = {}
    for place, k in kinds.items():
        pre = opts.binding.get(place)
        if pre is None:
            continue
        for n in range(len(pre) - 1):
            if pre[n + 1] != pre[n]:
                binding.add((k, n))
                stands.setdefault((k, n), []).append((place, n))
    merged = _pools(opts, group, kinds)
    columns = []
    cap = {}
    for key, (c, o) in merged.items():
        if not o.tail:
            k = key[1]
            rows: list[tuple[object, int]] = [((k, n), o.amount) for n in o.rows()
                                               if (k, n) in binding]
        else:
            rows = [((kinds[p.place], n), p.amount) for p in parts(o) for n in p.rows()
                    if (kinds[p.place], n) in binding]
        rows.extend((prog, pts) for prog, pts in spending(o) if prog in opts.programs)
        columns.append((key[0], c, rows))
        for row, _ in rows:
            if row not in cap:
                cap[row] = (sum(opts.free[p][row[1]] for p in members[row[0]])
                            if isinstance(row, tuple) else _capacity(opts, row))
    return columns, cap, stands


def _pools(opts: Options, group: list[int], kinds: dict[str, object]) -> dict[tuple, list]:
    """Per request, kind and check-in (a chain: of each of its stays), the least cost and
    the option of the fewest points."""
    merged: dict[tuple, list] = {}
    for i in group:
        for o in opts.by_request[i]:
            key = (i, kinds[o.place], o.check_in) if not o.tail else (
                i, *((kinds[p.place], p.check_in) for p in parts(o)))
            m = merged.get(key)
            if m is None:
                merged[key] = [o.cost, o]
                continue
            m[0] = min(m[0], o.cost)
            if (o.points < m[1].points if not o.tail else
                    sum(pts for _, pts in spending(o)) < sum(pts for _, pts in spending(m[1]))):
                m[1] = o  # the fewest points of the pool (hotels only)
    return merged


def prices(opts: Options, group: list[int], seconds: float | None = 10.0,
           aggregate: bool = False, max_columns: int | None = None) -> Prices | None:
    """Solve the component's LP relaxation with GLOP; None if it does not finish in time
    (no limit when `seconds` is None: GLOP is deterministic) or has over `max_columns`.

    With `aggregate`, interchangeable places (`_kind`) are pooled: one column per request,
    kind and check-in, one row per kind and night with the kind's total beds or rooms. A
    smaller, weaker LP; its prices are copied to every real row of the kind, and the bound
    is computed on the real options as always (any λ ≥ 0 gives a valid bound).
    """
    start = time.monotonic()
    columns, cap, stands = _columns(opts, group, aggregate)
    if max_columns is not None and len(columns) > max_columns:
        return None
    tight = _tight(columns, cap)
    if not tight:
        return None
    proto, row_index = _lp(opts, group, columns, cap, tight)
    limit = None if seconds is None else max(0.1, seconds - (time.monotonic() - start))
    response = _solve(proto, limit)
    if response is None:
        return None
    duals = response.dual_value
    lam: dict[object, int] = {}
    for key, r in row_index.items():
        value = int(max(0.0, -duals[r]) * SCALE)
        if value:
            for real in stands.get(key, [key]):
                lam[real] = value
    values = []
    if not aggregate:
        flat = [o for i in group for o in opts.by_request[i]]
        values = list(zip(response.variable_value, flat, strict=True))
    out = Prices(lam, 0, 0.0, values)
    out.cache = reduced(opts, group, out)
    out.bound = -((-out.cache[0]) // SCALE)
    out.seconds = time.monotonic() - start
    return out


def _tight(columns: list[tuple[int, int, list[tuple[object, int]]]], cap: dict[object, int]
           ) -> list[object]:
    """The rows that all columns together could overfill: the only ones the LP needs."""
    load: dict[object, int] = {}
    for _i, _c, rows in columns:
        for key, a in rows:
            load[key] = load.get(key, 0) + a
    return [k for k, total in load.items() if total > cap[k]]


def _lp(opts: Options, group: list[int], columns: list[tuple[int, int, list[tuple[object, int]]]],
        cap: dict[object, int], tight: list[object]
        ) -> tuple[linear_solver_pb2.MPModelProto, dict[object, int]]:
    """The LP: one row per request (at most one column; exactly one if forced), one per
    tight row; and the index of each tight row."""
    unplaced = opts.unplaced
    proto = linear_solver_pb2.MPModelProto()
    proto.maximize = False
    req_row = {i: k for k, i in enumerate(group)}
    forced = opts.forced
    for i in group:  # a forced request is placed in every plan that matters (see options)
        c = proto.constraint.add()
        c.upper_bound = 1.0
        c.lower_bound = 1.0 if i in forced else -math.inf
    row_index: dict[object, int] = {}
    for k in tight:
        row_index[k] = len(proto.constraint)
        c = proto.constraint.add()
        c.upper_bound = float(cap[k])
        c.lower_bound = -math.inf
    cons = proto.constraint
    for var, (i, cost, rows) in enumerate(columns):
        v = proto.variable.add()
        v.lower_bound, v.upper_bound = 0.0, 1.0
        # Relative to U (0 for forced requests: keeps mandatory U out of the LP's numbers).
        v.objective_coefficient = float(cost - (0 if i in forced else unplaced[i]))
        c = cons[req_row[i]]
        c.var_index.append(var)
        c.coefficient.append(1.0)
        for key, a in rows:
            r = row_index.get(key)
            if r is not None:
                cons[r].var_index.append(var)
                cons[r].coefficient.append(float(a))
    return proto, row_index


def _solve(proto: linear_solver_pb2.MPModelProto, seconds: float | None
           ) -> linear_solver_pb2.MPSolutionResponse | None:
    """GLOP's optimal solution (with duals), or None (not optimal, or out of time)."""
    request = linear_solver_pb2.MPModelRequest()
    request.model.CopyFrom(proto)
    request.solver_type = linear_solver_pb2.MPModelRequest.GLOP_LINEAR_PROGRAMMING
    if seconds is not None:
        request.solver_time_limit_seconds = seconds
    response = linear_solver_pb2.MPSolutionResponse()
    pywraplp.Solver.SolveWithProto(request, response)
    if response.status != linear_solver_pb2.MPSOLVER_OPTIMAL:
        return None
    return response


def reduced(opts: Options, group: list[int], p: Prices) -> tuple[int, dict[int, list[int]],
                                                                dict[int, int]]:
    """(L · SCALE, c̃ · SCALE per option of each request, m_i · SCALE per request)."""
    lam = p.lam
    unplaced = opts.unplaced
    forced = opts.forced
    total = -sum(v * _capacity(opts, k) for k, v in lam.items())
    tilde: dict[int, list[int]] = {}
    mins: dict[int, int] = {}
    for i in group:
        costs = []
        for o in opts.by_request[i]:
            c = o.cost * SCALE
            for key, a in _rows(opts, o):
                c += lam.get(key, 0) * a
            costs.append(c)
        tilde[i] = costs
        m = min(costs) if i in forced and costs else min([unplaced[i] * SCALE, *costs])
        mins[i] = m
        total += m
    return total, tilde, mins


def bound(opts: Options, group: list[int], p: Prices) -> int:
    total, _, _ = reduced(opts, group, p)
    return -((-total) // SCALE)  # ceil: costs are whole thousandths


def fix(opts: Options, group: list[int], p: Prices, upper: int,
        keep: dict[int, Option]) -> int:
    """Drop every option (not in `keep`) that only plans costing at least `upper` (the
    component's cost under `keep`, thousandths) could use; mark requests that every cheaper
    plan places as forced (when `keep` places them). Returns the options dropped."""
    total, tilde, mins = p.cache or reduced(opts, group, p)
    p.cache = None  # the options change below
    unplaced = opts.unplaced
    limit = upper * SCALE
    dropped = 0
    for i in group:
        rest = total - mins[i]
        mine = keep.get(i)
        req_opts = opts.by_request[i]
        kept = [o for o, c in zip(req_opts, tilde[i], strict=True)
                if rest + c < limit or o is mine]
        if len(kept) < len(req_opts):
            dropped += len(req_opts) - len(kept)
            opts.by_request[i] = kept
        if mine is not None and rest + unplaced[i] * SCALE >= limit:
            opts.forced.add(i)
    return dropped


def rounded(opts: Options, group: list[int], p: Prices) -> dict[int, Option]:
    """A plan from the LP: options by decreasing LP value (then cost) while they fit, then
    first-fit for the rest. Often near the optimum, so it prunes far more than first-fit."""
    from .heuristic import complete

    unplaced = opts.unplaced
    seeds = [(o.req, o) for x, o in sorted(p.values, key=lambda xo: (-xo[0], xo[1].cost))
             if x >= 1e-6 and o.cost < unplaced[o.req]]
    return complete(opts, seeds, group)
