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

import math
import time
from dataclasses import dataclass

from ortools.linear_solver import linear_solver_pb2, pywraplp

from .options import Option, Options

SCALE = 1024


@dataclass
class Prices:
    lam: dict[object, int]  # row key -> λ · SCALE (rows: (place, night) or program id)
    bound: int  # thousandths, a proven lower bound on the component's cost
    seconds: float


def _rows(opts: Options, o: Option) -> list[tuple[object, int]]:
    """The binding rows an option uses, with its amount on each."""
    out: list[tuple[object, int]] = []
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


def prices(opts: Options, group: list[int], seconds: float | None = 10.0) -> Prices | None:
    """Solve the component's LP relaxation with GLOP; None if it does not finish in time
    (no limit when `seconds` is None: GLOP is deterministic)."""
    start = time.monotonic()
    unplaced = opts.unplaced
    row_index: dict[object, int] = {}
    load: dict[object, int] = {}
    columns: list[tuple[int, list[tuple[object, int]]]] = []
    for i in group:
        for o in opts.by_request[i]:
            rows = _rows(opts, o)
            columns.append((i, rows))
            for key, a in rows:
                load[key] = load.get(key, 0) + a
    tight = [k for k, total in load.items() if total > _capacity(opts, k)]
    if not tight:
        return None
    proto = linear_solver_pb2.MPModelProto()
    proto.maximize = False
    req_row = {i: k for k, i in enumerate(group)}
    forced = opts.forced
    for i in group:  # a forced request is placed in every plan that matters (see options)
        c = proto.constraint.add()
        c.upper_bound = 1.0
        c.lower_bound = 1.0 if i in forced else -math.inf
    for k in tight:
        row_index[k] = len(proto.constraint)
        c = proto.constraint.add()
        c.upper_bound = float(_capacity(opts, k))
        c.lower_bound = -math.inf
    var = 0
    cons = proto.constraint
    for i in group:
        u = 0 if i in forced else unplaced[i]  # keeps huge U (mandatory) out of the LP
        for o in opts.by_request[i]:
            v = proto.variable.add()
            v.lower_bound, v.upper_bound = 0.0, 1.0
            v.objective_coefficient = float(o.cost - u)
            c = cons[req_row[i]]
            c.var_index.append(var)
            c.coefficient.append(1.0)
            var += 1
    for var, (_i, rows) in enumerate(columns):
        for key, a in rows:
            r = row_index.get(key)
            if r is not None:
                cons[r].var_index.append(var)
                cons[r].coefficient.append(float(a))
    request = linear_solver_pb2.MPModelRequest()
    request.model.CopyFrom(proto)
    request.solver_type = linear_solver_pb2.MPModelRequest.GLOP_LINEAR_PROGRAMMING
    if seconds is not None:
        request.solver_time_limit_seconds = max(0.1, seconds - (time.monotonic() - start))
    response = linear_solver_pb2.MPSolutionResponse()
    pywraplp.Solver.SolveWithProto(request, response)
    if response.status != linear_solver_pb2.MPSOLVER_OPTIMAL:
        return None
    duals = response.dual_value
    lam = {}
    for key, r in row_index.items():
        value = int(max(0.0, -duals[r]) * SCALE)
        if value:
            lam[key] = value
    out = Prices(lam, 0, 0.0)
    out.bound = bound(opts, group, out)
    out.seconds = time.monotonic() - start
    return out


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
    total, tilde, mins = reduced(opts, group, p)
    unplaced = opts.unplaced
    limit = upper * SCALE
    dropped = 0
    for i in group:
        rest = total - mins[i]
        mine = keep.get(i)
        req_opts = opts.by_request[i]
        kept = [o for o, c in zip(req_opts, tilde[i], strict=True)
                if rest + c < limit or o is mine]
        dropped += len(req_opts) - len(kept)
        req_opts[:] = kept
        if mine is not None and rest + unplaced[i] * SCALE >= limit:
            opts.forced.add(i)
    return dropped
