"""The CP-SAT model: one boolean per kept option, one module per constraint family."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from ..options import Option, Options
from . import assign, capacity, gender, points
from .variables import Variables


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
        "variables": sum(len(p) for p in v.x.values()),
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
                               and o.check_in == chosen.check_in)
    return Built(model, v, constant, stats)


def chosen(solver: cp_model.CpSolver | cp_model.CpSolverSolutionCallback,
           built: Built) -> dict[int, Option]:
    out = {}
    for i, pairs in built.vars.x.items():
        for o, var in pairs:
            if solver.boolean_value(var):
                out[i] = o
                break
    return out
