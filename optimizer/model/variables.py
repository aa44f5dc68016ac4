"""The variable container: one boolean per kept option, grouped the ways constraints need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..options import Option, Options, Row


@dataclass
class Variables:
    model: cp_model.CpModel
    opts: Options
    requests: list[int]  # the request indices this model decides
    x: dict[int, list[tuple[Option, cp_model.IntVar]]] = field(default_factory=dict)
    by_row: dict[Row, list[tuple[Option, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list))
    by_program: dict[str, list[tuple[Option, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list))

    @classmethod
    def create(cls, model: cp_model.CpModel, opts: Options, requests: list[int]) -> Variables:
        v = cls(model, opts, requests)
        for i in requests:
            pairs = []
            for o in opts.by_request[i]:
                var = model.new_bool_var(f"x_{i}_{o.place}_{o.check_in}")
                pairs.append((o, var))
                pre = opts.binding.get(o.place)
                if pre is not None and pre[o.last] != pre[o.first]:
                    for n in o.rows():
                        if pre[n + 1] != pre[n]:
                            v.by_row[(o.place, n)].append((o, var))
                if o.program is not None and o.program in opts.programs:
                    v.by_program[o.program].append((o, var))
            v.x[i] = pairs
        return v
