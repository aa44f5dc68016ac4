"""Per-program points balances, only for programs that could run out."""

from __future__ import annotations

from ortools.sat.python import cp_model

from .variables import Variables


def add(v: Variables) -> int:
    added = 0
    balance = v.opts.balance
    for prog, pairs in sorted(v.by_program.items()):
        v.model.add(cp_model.LinearExpr.weighted_sum([var for _, var in pairs],
                                                [pts for pts, _ in pairs])
                    <= balance[prog])
        added += 1
    return added
