"""The probe, a strategy for big components: solve restricted to the cheaper options first.

Each request keeps only its options within some gap Δ of its cheapest choice. If the
restricted optimum C has C − trivial ≤ Δ it is the component's optimum (every dropped option
alone costs more than C), which often proves a big component outright; otherwise C is a far
better plan than first-fit to prune the component by before the exact model.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .budget import Budget
from .component import Report, solve_component
from .config import Config
from .heuristic import complete
from .options import Option, Options, has_gender_rows, plan_units, restricted, trivial
from .pricing import priced

PROBE_THRESHOLD = 20_000  # options: components first solved restricted to cheaper options
PROBE_KEEP = 0.25  # of a component's options that the restricted solve keeps at least
PROBE_MIN = 10_000  # options the restricted solve keeps at least
PROBE_SHARE = 0.6  # of a component's time the restricted solve may take


@dataclass
class Probed:
    chosen: dict[int, Option]  # the plan found (the hint when nothing better)
    units: int  # its cost on the component
    optimal: bool  # optimal for the restricted problem
    proven: bool  # optimal for the component
    used: float  # of the budget


def wanted(opts: Options, group: list[int], size: int, config: Config) -> bool:
    """Components of more than PROBE_THRESHOLD options (`size`), where no two genders may
    meet in a room (there the LP is weak and the restricted model no easier)."""
    return config.probe and size > PROBE_THRESHOLD and not has_gender_rows(opts, group)


def probe(opts: Options, group: list[int], hint: dict[int, Option], budget: Budget,
          config: Config, report: Report | None = None) -> Probed:
    """Solve `group` restricted to ever larger gaps Δ until a plan beats `hint`. Δ starts at
    half of the hint's own gap (the optimum is usually far closer to the trivial bound than
    first-fit is), at least what keeps PROBE_KEEP of the options; it grows halfway to the
    hint's gap, or to twice the options, while the restricted problem gives nothing better
    than the hint (forced requests may not all fit)."""
    unplaced = opts.unplaced
    low = trivial(opts, group)
    upper = plan_units(opts, hint, group)
    extras = sorted(o.cost - min(unplaced[i], opts.by_request[i][0].cost)
                    for i in group for o in opts.by_request[i])
    span = upper - low
    gap = max(extras[min(len(extras) - 1, max(PROBE_MIN, int(len(extras) * PROBE_KEEP)))],
              span // 2)
    while gap < span and budget.used < budget.seconds * 0.9:
        kept = bisect.bisect_right(extras, gap)
        if kept > 0.9 * len(extras):
            break  # hardly smaller than the component: the exact model itself is next
        found, optimal = _restricted_optimum(opts, group, hint, gap, budget, config, report)
        units = plan_units(opts, found, group)
        if units < upper:
            return Probed(found, units, optimal, optimal and units - low <= gap, budget.used)
        gap = max(extras[min(len(extras) - 1, 2 * kept)], (gap + span) // 2)
    return Probed(hint, upper, False, False, budget.used)


def _restricted_optimum(opts: Options, group: list[int], hint: dict[int, Option], gap: int,
                        budget: Budget, config: Config, report: Report | None
                        ) -> tuple[dict[int, Option], bool]:
    """The best plan of `group` with options within `gap`, in what is left of `budget`, and
    whether it is optimal for that restricted problem."""
    sub = restricted(opts, group, gap)
    seeds = [(i, o) for i, o in hint.items() if any(k is o for k in sub.by_request[i])]
    sub_hint = complete(sub, seeds, group)
    part = budget.part(budget.left)
    sub_hint, floor, _ = priced(sub, group, sub_hint, part, config)
    found, _, optimal = solve_component(sub, group, sub_hint, part, config, floor, report)
    budget.charge(part.seconds)
    return found, optimal
