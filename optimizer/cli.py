"""Command line: `python -m optimizer solve INSTANCE.json ...`, `bench`, and the what-if
figures `scenarios` (one program's balance raised in steps) and `shadow` (per program)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from .plan import Plan, PlanError, load_plan
from .problem import InstanceError, Problem, load_problem

STEPS = "0,50000,100000,250000,500000"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "bench":
        from .bench import run_bench

        return run_bench(args)
    if args.time_limit < 0 or args.workers < 1:
        print("error: --time-limit must be ≥ 0 and --workers ≥ 1", file=sys.stderr)
        return 2
    try:
        problem = load_problem(args.instance)
        hint = load_plan(args.hint) if args.hint else None
    except InstanceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except PlanError as e:
        print(f"error: hint: {e}", file=sys.stderr)
        return 2
    if args.command == "solve":
        return _solve(args, problem, hint)
    return _what_if(args, problem, hint)


def _parser() -> _Parser:
    parser = _Parser(prog="python -m optimizer", description="Shelter Bridge placement optimizer")
    sub = parser.add_subparsers(dest="command", required=True)
    s = _solving(sub.add_parser("solve", help="solve an instance, write the plan to stdout"))
    s.add_argument("--no-reasons", action="store_true", help="skip why-unplaced sentences")
    s.add_argument("--stats", action="store_true", help="print solver statistics to stderr")
    w = _solving(sub.add_parser("scenarios", help="solve with one program's balance raised in "
                                "steps, print a table (or --json)"))
    w.add_argument("--program", required=True, help="the program whose balance is raised")
    w.add_argument("--steps", default=STEPS, help=f"points added, comma-separated ({STEPS})")
    w.add_argument("--json", action="store_true", help="one JSON object per scenario")
    h = _solving(sub.add_parser("shadow", help="cost saved per 1,000 more points, per program"))
    h.add_argument("--delta", type=int, default=50_000, help="points added (default 50000)")
    h.add_argument("--json", action="store_true")
    b = sub.add_parser("bench", help="solve the shared benchmark instances and print a table")
    b.add_argument("--suite", choices=["emergency", "ihtc", "all"], default="emergency")
    b.add_argument("--instances", default=None, help="directory (default ../shared/instances)")
    b.add_argument("--time-limit", type=float, default=60.0)
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--only", default=None, help="comma-separated instance names")
    return parser


def _solving(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The arguments of every subcommand that solves one instance."""
    p.add_argument("instance")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="seconds (default 60; for scenarios, all of them together)")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed; with --workers 1 the result is reproducible")
    p.add_argument("--hint", default=None, help="an earlier plan to start from")
    return p


def _solve(args: argparse.Namespace, problem: Problem, hint: Plan | None) -> int:
    from .explain import explain_unplaced
    from .solver import Config, solve_problem

    config = Config(time_limit=args.time_limit, workers=args.workers, seed=args.seed, hint=hint)
    outcome = solve_problem(problem, config)
    plan = outcome.plan
    if plan.unplaced and not args.no_reasons:
        plan.reasons = explain_unplaced(problem, plan)
    if args.stats:
        print(outcome.stats, file=sys.stderr)
    sys.stdout.write(plan.to_json() + "\n")
    return 0


def _what_if(args: argparse.Namespace, problem: Problem, hint: Plan | None) -> int:
    """`scenarios` and `shadow`: solve, then print the figures (bench.py) or JSON."""
    from .bench import print_scenarios, print_shadow_prices
    from .scenarios import ScenarioError, evaluate, raised, shadow_prices
    from .solver import Config

    config = Config(time_limit=args.time_limit, workers=args.workers, seed=args.seed, hint=hint)
    try:
        if args.command == "shadow":
            prices = shadow_prices(problem, args.delta, config=config)
            if args.json:
                print(json.dumps({p: {**vars(v), "per_1000": v.per_1000,
                                      "meaningful": v.meaningful} for p, v in prices.items()},
                                 indent=1))
            else:
                print_shadow_prices(prices)
            return 0
        scenarios = raised(problem, args.program, _steps(args.steps))
        load, start = os.getloadavg(), time.monotonic()
        results = evaluate(problem, scenarios, config)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=1))
    else:
        print_scenarios(results, args.program, time.monotonic() - start, load)
    return 0


def _steps(text: str) -> list[int]:
    from .scenarios import ScenarioError

    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise ScenarioError(f"--steps must be whole numbers of points, got {text!r}") from None
