"""How a solve runs: the knobs of the pipeline (`Config`) and the progress callback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .plan import Plan

Progress = Callable[[dict[str, Any]], None]
LNS_THRESHOLD = 30_000  # options; below this the exact model alone is fast enough


@dataclass
class Config:
    time_limit: float = 60.0  # seconds of search (deterministic time with a seed and 1 worker)
    workers: int = 2
    seed: int | None = None
    hint: Plan | None = None
    progress: Progress | None = None
    decompose: bool = True
    prune: bool = True  # drop never-better options (cost ≥ U, dominated by a free option)
    gap_prune: bool = True
    lns: bool = True
    lns_share: float = 0.5  # of a large component's time, spent on LNS before the exact model
    lns_threshold: int = LNS_THRESHOLD  # options in a component above which LNS runs first
    subsolver: str | None = "max_lp"  # the full-problem CP-SAT worker with 2 workers
    lp: bool = True  # LP prices per component: a Lagrangian bound and reduced-cost fixing
    probe: bool = True  # big components: solve restricted to cheaper options first
    relaxed_share: float = 0.7  # of the time limit, for the points-relaxed phase
    bridge_share: float = 0.4  # of the time limit at most, for a first plan with chains (Moves)
    max_chains: int = 60_000  # chains listed at most; beyond, a ceiling on the bound (Moves)
    log: bool = False

    @property
    def deterministic(self) -> bool:
        """A seed and one worker: the run must give the same plan every time, so its time
        is CP-SAT's deterministic time (see `budget.Budget`)."""
        return self.seed is not None and self.workers == 1
