"""Time for the solve and for each part of it, counted one way or the other.

By default a budget is wall-clock seconds: it runs down by itself. With a seed and one
worker the run must be reproducible (the same plan every time), so a budget counts CP-SAT's
deterministic seconds instead: only what a solver is granted or reports is spent, and the
Python between solves is free. The choice is made once, where the run's budget is created
(`solver.Config.deterministic`); every part of the solve asks its budget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Budget:
    seconds: float  # granted
    deterministic: bool = False
    start: float = field(default_factory=time.monotonic)
    charged: float = 0.0  # deterministic seconds spent (deterministic budgets only)

    @property
    def elapsed(self) -> float:
        """Wall seconds since the budget was granted (for reports, whatever it counts)."""
        return time.monotonic() - self.start

    @property
    def used(self) -> float:
        return self.charged if self.deterministic else self.elapsed

    @property
    def left(self) -> float:
        return self.seconds - self.used

    def charge(self, seconds: float) -> None:
        """Count `seconds` of solver time as spent: what a solve was granted or reports. Only
        a deterministic budget keeps the count; wall-clock time counts itself."""
        self.charged += seconds

    def part(self, seconds: float) -> Budget:
        """A budget of `seconds` for one piece of work, counted the same way, from now."""
        return Budget(seconds, self.deterministic)

    def slice(self, weight: float, total: float) -> float:
        """`weight` / `total` of what is left, for one piece of work. On the wall clock at
        least min(0.5 s, half of what is left): tiny components once got 0.03 s and were not
        proven (deterministic time has no start-up to pay for)."""
        left = self.left
        share = left * weight / total if total > 0 else left  # (nothing left to weigh)
        if not self.deterministic:
            share = max(share, min(0.5, left / 2))
        return share

    def wall_limit(self, fraction: float) -> float | None:
        """`fraction` of the budget as a wall-clock limit for a solver that has no
        deterministic time (GLOP): None, no limit, when the run must be reproducible."""
        return None if self.deterministic else fraction * self.seconds

    def limit(self, params: Any, seconds: float, safety_net: float) -> None:
        """Stop a CP-SAT solve (its `parameters`) after `seconds` of this budget's kind; a
        deterministic one also after `safety_net` wall seconds, should its time run slow."""
        if self.deterministic:
            params.max_deterministic_time = seconds
            params.max_time_in_seconds = safety_net
        else:
            params.max_time_in_seconds = seconds
