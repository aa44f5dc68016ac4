"""same_gender shelters: on each night, everybody there shares one gender."""

from __future__ import annotations

from collections import defaultdict

from .variables import Variables


def add(v: Variables) -> int:
    added = 0
    requests = v.opts.problem.requests
    for row, pairs in v.by_row.items():
        if row not in v.opts.gender_rows:
            continue
        by_gender = defaultdict(list)
        for o, var in pairs:
            by_gender[requests[o.req].gender].append(var)
        if len(by_gender) < 2:
            continue  # fixed stays of another gender were pruned with the options
        # One indicator per gender; at most one gender is present.
        flags = []
        for g, vars_ in sorted(by_gender.items()):
            flag = v.model.new_bool_var(f"g_{row[0]}_{row[1]}_{g}")
            for var in vars_:
                v.model.add_implication(var, flag)
            flags.append(flag)
        v.model.add_at_most_one(flags)
        added += 1
    return added
