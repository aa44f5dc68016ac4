"""The CP-SAT model: one boolean per kept option, one module per constraint family."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..options import Option, Options, stay_key
from . import assign, capacity, gender, points
from .variables import Junction, Variables


@dataclass
class Built:
    model: cp_model.CpModel
    vars: Variables
    constant: int  # objective offset in thousandths
    stats: dict[str, int]


def build(opts: Options, requests: list[int], hint: dict[int, Option] | None = None) -> Built:
    model = cp_model.CpModel()
    v = Variables.create(model, opts, requests)
    objective, constant = assign.add(v)
    stats = {
        "variables": sum(len(p) for p in v.x.values()) + sum(
            1 + len(j.first) + len(j.second) for js in v.junctions.values() for j in js),
        "capacity_rows": capacity.add(v),
        "gender_rows": gender.add(v),
        "programs": points.add(v),
    }
    model.minimize(objective)
    if hint is not None:
        for i in requests:
            chosen = hint.get(i)
            for o, var in v.x[i]:
                model.add_hint(var, chosen is not None and o.place == chosen.place
                               and o.check_in == chosen.check_in
                               and (not (o.tail or chosen.tail)
                                    or stay_key(o) == stay_key(chosen)))
            for j in v.junctions.get(i, []):
                key = stay_key(chosen) if chosen is not None else ()
                mine = len(key) == 2 and (key[0][1], key[1][1]) == (j.check_in, j.move)
                model.add_hint(j.z, mine)
                for place, (_, _, var) in j.first.items():
                    model.add_hint(var, mine and key[0][0] == place)
                for place, (_, var) in j.second.items():
                    model.add_hint(var, mine and key[1][0] == place)
    return Built(model, v, constant, stats)


def chosen(solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback,
           built: Built) -> dict[int, Option]:
    out = {}
    for i, pairs in built.vars.x.items():
        for o, var in pairs:
            if solver.boolean_value(var):
                out[i] = o
                break
        for j in built.vars.junctions.get(i, []):
            if solver.boolean_value(j.z):
                out[i] = _pair(solver, j)
    return out


def _pair(solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback,
          j: Junction) -> Option:
    """The chain a junction's chosen first and second stay make: the listed option, or
    a new one for a pair that was not listed (a valid chain at its cost all the same)."""
    head, own = next((o, c) for o, c, var in j.first.values() if solver.boolean_value(var))
    second = next(s for s, var in j.second.values() if solver.boolean_value(var))
    listed = j.listed.get(((head.place, head.check_in), (second.place, second.check_in)))
    if listed is not None:
        return listed
    return dataclasses.replace(head, cost=own + second.cost, tail=(second,))
