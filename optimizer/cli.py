"""Command line: `python -m optimizer solve INSTANCE.json ...` and `python -m optimizer bench`."""

from __future__ import annotations

import argparse
import sys

from .plan import PlanError, load_plan
from .problem import InstanceError, load_problem


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m optimizer", description="Shelter Bridge placement optimizer")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve an instance, write the plan to stdout")
    s.add_argument("instance")
    s.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    s.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    s.add_argument("--seed", type=int, default=None,
                   help="random seed; with --workers 1 the plan is reproducible")
    s.add_argument("--hint", default=None, help="an earlier plan to start from")
    s.add_argument("--no-reasons", action="store_true", help="skip why-unplaced sentences")
    s.add_argument("--stats", action="store_true", help="print solver statistics to stderr")
    b = sub.add_parser("bench", help="solve the shared benchmark instances and print a table")
    b.add_argument("--suite", choices=["emergency", "ihtc", "all"], default="emergency")
    b.add_argument("--instances", default=None, help="directory (default ../shared/instances)")
    b.add_argument("--time-limit", type=float, default=60.0)
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--only", default=None, help="comma-separated instance names")
    args = parser.parse_args(argv)
    if args.command == "solve":
        return _solve(args)
    from .bench import run_bench

    return run_bench(args)


def _solve(args: argparse.Namespace) -> int:
    from .explain import explain_unplaced
    from .solver import Config, solve_problem

    if args.time_limit < 0 or args.workers < 1:
        print("error: --time-limit must be ≥ 0 and --workers ≥ 1", file=sys.stderr)
        return 2
    try:
        problem = load_problem(args.instance)
    except InstanceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    hint = None
    if args.hint:
        try:
            hint = load_plan(args.hint)
        except PlanError as e:
            print(f"error: hint: {e}", file=sys.stderr)
            return 2
    config = Config(time_limit=args.time_limit, workers=args.workers, seed=args.seed, hint=hint)
    outcome = solve_problem(problem, config)
    plan = outcome.plan
    if plan.unplaced and not args.no_reasons:
        plan.reasons = explain_unplaced(problem, plan)
    if args.stats:
        print(outcome.stats, file=sys.stderr)
    sys.stdout.write(plan.to_json() + "\n")
    return 0
