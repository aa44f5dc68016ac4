"""The variable container: one boolean per kept option, grouped the ways constraints need.

Chains of two stays (spec: Moves) that share a request, a check-in and a move night form a
*junction*: rather than one boolean per chain, the model has one per first stay, one per
second stay and one for the junction, linked (Σ first = Σ second = junction; the same place
never both). Costs add up per stay, so every pair of a first and a second stay at different
places is the chain it stands for, at its cost: the model chooses among every such pair (a
superset of the listed chains, all of them valid), with n + m booleans instead of n × m.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from ..options import Option, Options, Row, parts, spending, stay_key


@dataclass
class Junction:
    """Request i's chains of two stays from check-in s with the move on night t."""

    check_in: int
    move: int  # the night of the move: the second stay's check-in
    z: cp_model.IntVar  # one of them is chosen
    first: dict[str, tuple[Option, int, cp_model.IntVar]]  # place -> (a chain, own cost, var)
    second: dict[str, tuple[Option, cp_model.IntVar]]  # place -> (the stay, var)
    listed: dict[tuple, Option]  # stay key -> the chain options listed


@dataclass
class Variables:
    model: cp_model.CpModel
    opts: Options
    requests: list[int]  # the request indices this model decides
    x: dict[int, list[tuple[Option, cp_model.IntVar]]] = field(default_factory=dict)
    junctions: dict[int, list[Junction]] = field(default_factory=dict)
    by_row: dict[Row, list[tuple[Option, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list))
    by_program: dict[str, list[tuple[int, cp_model.IntVar]]] = field(  # (points, var)
        default_factory=lambda: defaultdict(list))

    @classmethod
    def create(cls, model: cp_model.CpModel, opts: Options, requests: list[int]) -> Variables:
        v = cls(model, opts, requests)
        for i in requests:
            pairs = []
            whole, pooled = _junctions(opts.by_request[i]) if i in opts.chained else (
                opts.by_request[i], [])
            for o in whole:
                var = model.new_bool_var(f"x_{i}_{o.place}_{o.check_in}")
                pairs.append((o, var))
                v._take(o, var)
            v.x[i] = pairs
            v.junctions[i] = [v._junction(i, chains) for chains in pooled]
        return v

    def _take(self, o: Option, var: cp_model.IntVar) -> None:
        """The rows and programs an option (or one stay, with its own points) takes."""
        opts = self.opts
        for p in parts(o) if o.tail else (o,):  # a chain: every stay's rows
            pre = opts.binding.get(p.place)
            if pre is not None and pre[p.last] != pre[p.first]:
                for n in p.rows():
                    if pre[n + 1] != pre[n]:
                        self.by_row[(p.place, n)].append((p, var))
        if o.tail:
            for prog, pts in spending(o):
                if prog in opts.programs:
                    self.by_program[prog].append((pts, var))
        elif o.program is not None and o.program in opts.programs:
            self.by_program[o.program].append((o.points, var))

    def _junction(self, i: int, chains: list[Option]) -> Junction:
        model = self.model
        j = Junction(chains[0].check_in, chains[0].tail[0].check_in,
                     model.new_bool_var(f"j_{i}"), {}, {}, {stay_key(o): o for o in chains})
        for o in chains:
            second = o.tail[0]
            if o.place not in j.first:
                var = model.new_bool_var(f"f_{i}_{o.place}")
                j.first[o.place] = (o, o.cost - second.cost, var)
                self._take(_stay(o), var)
            if second.place not in j.second:
                var = model.new_bool_var(f"s_{i}_{second.place}")
                j.second[second.place] = (second, var)
                self._take(second, var)
        return j


def _stay(o: Option) -> Option:
    """A chain's first stay alone (rows and points; its cost is not read)."""
    return Option(o.req, o.place, o.check_in, 0, o.amount, o.first, o.last, o.points,
                  o.program, o.gender_row)


def _junctions(req_opts: list[Option]) -> tuple[list[Option], list[list[Option]]]:
    """A request's options that stay one boolean each, and its chains of two grouped by
    check-in and move night where that saves booleans (more chains than stays + 1)."""
    groups: dict[tuple[int, int], list[Option]] = {}
    whole = []
    for o in req_opts:
        if len(o.tail) == 1:
            groups.setdefault((o.check_in, o.tail[0].check_in), []).append(o)
        else:
            whole.append(o)
    pooled = []
    for chains in groups.values():
        stays = len({o.place for o in chains}) + len({o.tail[0].place for o in chains})
        if len(chains) > stays + 1:
            pooled.append(chains)
        else:
            whole.extend(chains)
    return whole, pooled
