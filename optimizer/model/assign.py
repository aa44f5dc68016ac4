"""Each request takes at most one stay; its objective term is the stay's cost or U."""

from __future__ import annotations

from ortools.sat.python import cp_model

from .variables import Variables


def add(v: Variables) -> tuple[cp_model.LinearExpr, int]:
    """Return (variable part, constant) of Σ cost: U − Σ (U − cost(o)) x_o."""
    terms, coeffs, constant = [], [], 0
    unplaced = v.opts.unplaced
    for i in v.requests:
        pairs = v.x[i]
        u = unplaced[i]
        constant += u
        if not pairs:
            continue
        if i in v.opts.forced:
            v.model.add_exactly_one(var for _, var in pairs)
        else:
            v.model.add_at_most_one(var for _, var in pairs)
        for o, var in pairs:
            terms.append(var)
            coeffs.append(o.cost - u)
    return cp_model.LinearExpr.weighted_sum(terms, coeffs), constant
