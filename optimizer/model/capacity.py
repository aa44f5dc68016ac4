"""Nightly beds (shelters) and rooms (hotels), only on rows where demand can exceed supply."""

from __future__ import annotations

from ortools.sat.python import cp_model

from .variables import Variables


def add(v: Variables) -> int:
    added = 0
    for (place, n), pairs in v.by_row.items():
        cap = v.opts.free[place][n]
        if sum(o.amount for o, _ in pairs) <= cap:
            continue
        v.model.add(cp_model.LinearExpr.weighted_sum([var for _, var in pairs],
                                                    [o.amount for o, _ in pairs]) <= cap)
        added += 1
    return added
