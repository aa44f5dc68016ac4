"""Each request takes at most one stay; its objective term is the stay's cost or U.

A junction (two-stay chains sharing a check-in and a move night, see `variables.py`) counts
as one choice: its first stays and its second stays each sum to it, never both at one place,
and each stay adds its own cost term.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from .variables import Variables


def add(v: Variables) -> tuple[cp_model.LinearExpr, int]:
    """Return (variable part, constant) of Σ cost: U − Σ (U − cost(o)) x_o."""
    terms, coeffs, constant = [], [], 0
    unplaced = v.opts.unplaced
    for i in v.requests:
        pairs = v.x[i]
        junctions = v.junctions.get(i, [])
        u = unplaced[i]
        constant += u
        if not pairs and not junctions:
            continue
        choices = [var for _, var in pairs] + [j.z for j in junctions]
        if i in v.opts.forced:
            v.model.add_exactly_one(choices)
        else:
            v.model.add_at_most_one(choices)
        for o, var in pairs:
            terms.append(var)
            coeffs.append(o.cost - u)
        for j in junctions:
            terms.append(j.z)
            coeffs.append(-u)
            firsts = [var for _, _, var in j.first.values()]
            seconds = [var for _, var in j.second.values()]
            v.model.add(sum(firsts) == j.z)
            v.model.add(sum(seconds) == j.z)
            for place, (_, var) in j.second.items():
                if place in j.first:
                    v.model.add_bool_or([j.first[place][2].Not(), var.Not()])
            for _, own, var in j.first.values():
                terms.append(var)
                coeffs.append(own)
            for stay, var in j.second.values():
                terms.append(var)
                coeffs.append(stay.cost)
    return cp_model.LinearExpr.weighted_sum(terms, coeffs), constant
