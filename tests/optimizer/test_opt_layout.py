"""The solve stays readable: short functions, and time counted in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import optimizer

PACKAGE = Path(optimizer.__file__).parent
# The pipeline, its scheduler and strategies, the option sets, the rules and the validator.
SOLVE = ["solver.py", "schedule.py", "component.py", "probe.py", "pricing.py", "lns.py",
         "options.py", "budget.py", "config.py", "rules.py", "validate.py"]


def _functions(name: str) -> list[ast.FunctionDef]:
    tree = ast.parse((PACKAGE / name).read_text())
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_function_of_the_solve_is_over_60_lines():
    long = {f"{name}:{f.lineno} {f.name}": f.end_lineno - f.lineno + 1
            for name in SOLVE for f in _functions(name) if f.end_lineno - f.lineno + 1 > 60}
    assert not long


def test_only_the_budget_tells_wall_time_from_deterministic_time():
    """`Config.deterministic` is read once, where the run's budget is made (solver.py);
    everything else asks its Budget."""
    readers = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        hits = [n.lineno for n in ast.walk(tree)
                if isinstance(n, ast.Attribute) and n.attr == "deterministic"]
        if hits:
            readers[str(path.relative_to(PACKAGE))] = len(hits)
    assert set(readers) <= {"budget.py", "solver.py"}
    assert readers.get("solver.py") == 1
