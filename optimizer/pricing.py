"""LP pricing as a strategy for one component (the prices themselves: `lagrange.py`).

For a component of 1,000 options or more the LP's prices give a proven bound (the floor),
a rounded LP plan that often beats the hint, and reduced-cost fixing against the better of
the two, which shrinks the exact model.
"""

from __future__ import annotations

from typing import NamedTuple

from . import lagrange
from .budget import Budget
from .config import Config
from .options import Option, Options, plan_units

LP_RANGE = (1_000, 70_000)  # options: components whose LP prices are worth their time


class Priced(NamedTuple):
    hint: dict[int, Option]  # the better of the hint and the rounded LP plan
    floor: int  # a proven bound on the component (0: none)
    fixed: int  # options dropped by reduced-cost fixing


def priced(opts: Options, group: list[int], hint: dict[int, Option], budget: Budget,
           config: Config) -> Priced:
    """Price `group` and prune it by its prices; the LP's time comes out of `budget`."""
    size = sum(len(opts.by_request[i]) for i in group)
    if not config.lp or size < LP_RANGE[0]:
        return Priced(hint, 0, 0)
    limit = budget.wall_limit(0.3)
    # Interchangeable places pooled first (IHTC's rooms: i27's 244k options give 11k columns
    # and the same bound); the plain LP where pooling does not shrink it.
    prices = None
    if lagrange.poolable(opts, group):
        prices = lagrange.prices(opts, group, limit, aggregate=True, max_columns=size // 2)
    if prices is None and size <= LP_RANGE[1] and (
            limit is None or budget.used < 0.1 * budget.seconds):
        prices = lagrange.prices(opts, group, limit)
    if prices is None:
        return Priced(hint, 0, 0)
    upper = plan_units(opts, hint, group)
    lp_plan = lagrange.rounded(opts, group, prices) if prices.values else hint
    if plan_units(opts, lp_plan, group) < upper:
        hint = lp_plan  # the rounded LP plan: a better hint, a smaller model
        upper = plan_units(opts, hint, group)
    return Priced(hint, prices.bound, lagrange.fix(opts, group, prices, upper, hint))
