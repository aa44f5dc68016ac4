"""`python -m optimizer bench`: solve the shared instances and print a table; and the tables
of the what-if figures (`scenarios`, `shadow`).

Each instance runs as its own `python -m optimizer solve` process, so the seconds are the
whole command (reading and writing included) and the peak memory is that process's own.
Best-known costs come from the instances' README; first-fit runs in this process, on single
stays (chains are listed only inside a solve).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .heuristic import first_fit
from .options import build_options, plan_units
from .plan import load_plan
from .problem import load_problem
from .scenarios import ScenarioResult, ShadowPrice
from .validate import validate

# needs/: city-1 and state-1 with survivor-specific needs on requests and offers on places;
# moves/: the same with max_moves on most requests (bridge stays, spec: Moves).
EMERGENCY = ["tiny-1", "city-1", "state-1", "region-1", "national-1", "needs/city-1",
             "needs/state-1", "moves/city-1", "moves/state-1"]
MANDATORY = 10_000_000  # IHTC: a mandatory patient left out costs this much


def default_dir() -> Path:
    return Path(__file__).resolve().parents[1].parent / "shared" / "instances"


def best_known(readme: Path) -> dict[str, float]:
    """Name -> proven optimum (emergency) or competition upper bound (IHTC)."""
    out: dict[str, float] = {}
    if not readme.is_file():
        return out
    for line in readme.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and re.fullmatch(r"((ihtc|needs|moves)/)?[\w-]+", cells[0]):
            value = (cells[-1] if cells[0].startswith("ihtc/") else
                     cells[2].split()[0] if cells[0].startswith("moves/") else cells[5])
            try:
                out[cells[0]] = float(value.replace(",", ""))
            except ValueError:
                continue
    return out


def run_one(path: Path, time_limit: float, workers: int) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = Path(out.name)
    try:
        start = time.monotonic()
        with target.open("w") as sink:
            proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [sys.executable, "-m", "optimizer", "solve", str(path), "--time-limit",
                 str(time_limit), "--workers", str(workers)],
                stdout=sink, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parents[1])
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - start
        if proc.returncode != 0:
            err = proc.stderr.read().decode() if proc.stderr else ""
            return {"error": err.strip() or f"exit {proc.returncode}"}
        plan = load_plan(target)
    finally:
        target.unlink(missing_ok=True)
    problem = load_problem(path)
    verdict = validate(problem, plan)
    by_id = problem.request_by_id
    placed = plan.placed
    opts = build_options(problem)
    return {
        "plan": plan,
        "feasible": verdict.feasible,
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
        "people": sum(by_id[rid].persons for rid in placed),
        "requests": len(problem.requests),
        "placed": len(placed),
        "chains": sum(len(stays) > 1 for stays in plan.chains.values()),
        "points": sum(a.points or 0 for a in plan.assignments),
        "mandatory_out": sum(1 for rid in plan.unplaced
                             if by_id[rid].unplaced_weight >= MANDATORY),
        "first_fit": plan_units(opts, first_fit(opts)) / 1000,
    }


def _gap(a: float, b: float) -> str:
    if b == 0:
        return f"{a:,.3f}"
    return f"{a - b:,.3f}"


def run_bench(args: argparse.Namespace) -> int:
    root = Path(args.instances) if args.instances else default_dir()
    if not root.is_dir():
        print(f"error: no instances at {root} (pass --instances DIR)", file=sys.stderr)
        return 2
    known = best_known(root / "README.md")
    names: list[str] = []
    if args.suite in ("emergency", "all"):
        names += EMERGENCY
    if args.suite in ("ihtc", "all"):
        names += [f"ihtc/i{k:02d}" for k in range(1, 31)]
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    print(f"time limit {args.time_limit:g} s, {args.workers} workers, {os.cpu_count()} cores\n")
    print("| instance | status | cost | bound | gap to bound | best known | gap to best "
          "| placed | people | points | mandatory out | seconds | peak MB | first-fit | chains |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = 0
    for name in names:
        path = root / f"{name}.json"
        if not path.is_file():
            continue
        row = run_one(path, args.time_limit, args.workers)
        if "error" in row:
            failed += 1
            print(f"| {name} | error: {row['error']} |")
            continue
        plan = row["plan"]
        best = known.get(name)
        print(f"| {name} | {plan.status}{'' if row['feasible'] else ' INFEASIBLE'} "
              f"| {plan.cost:,.3f} | {plan.bound:,.3f} | {_gap(plan.cost, plan.bound)} "
              f"| {'' if best is None else f'{best:,.3f}'} "
              f"| {'' if best is None else _gap(plan.cost, best)} "
              f"| {row['placed']}/{row['requests']} | {row['people']} | {row['points']:,} "
              f"| {row['mandatory_out']} | {row['seconds']:.1f} | {row['peak_mb']:.0f} "
              f"| {row['first_fit']:,.3f} | {row['chains']} |", flush=True)
        failed += not row["feasible"]
    return 1 if failed else 0


def print_scenarios(results: list[ScenarioResult], program: str, seconds: float,
                    load: tuple[float, float, float]) -> None:
    """The scenarios as a table, saved cost against the first, then the whole run's wall
    time and the load average before and after (the machine may be shared)."""
    print(f"| scenario | {program} balance | status | cost | bound | saved | placed "
          "critical/high/normal | people | unplaced | points spent | delay nights | start "
          "| granted s | seconds |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    first = results[0].cost
    for r in results:
        placed = "/".join(str(n) for n in r.placed.values())
        print(f"| {r.name} | {r.balance[program]:,} | {r.status} | {r.cost:,.3f} "
              f"| {r.bound:,.3f} | {first - r.cost:,.3f} | {placed} | {r.people} "
              f"| {len(r.unplaced)} | {sum(r.points.values()):,} | {r.delay_nights} "
              f"| {r.start} | {r.granted:.1f} | {r.seconds:.1f} |")
    after = os.getloadavg()
    print(f"\n{len(results)} scenarios in {seconds:.1f} s; load average "
          f"{' '.join(f'{x:.2f}' for x in load)} before, "
          f"{' '.join(f'{x:.2f}' for x in after)} after; {os.cpu_count()} cores")


def print_shadow_prices(prices: dict[str, ShadowPrice]) -> None:
    print("| program | cost saved per 1,000 points | proven range | limited | note |")
    print("|---|---|---|---|---|")
    for p, v in prices.items():
        exact = "" if v.per_1000 is None else f"{v.per_1000:,.4f}"
        print(f"| {p} | {exact} | {v.low:,.4f} - {v.high:,.4f} | {'yes' if v.limited else 'no'} "
              f"| {v.note} |")
