"""The solve stays readable: short functions, and time counted in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import optimizer

PACKAGE = Path(optimizer.__file__).parent


def test_no_function_of_the_optimizer_is_over_60_lines():
    long = {}
    for path in PACKAGE.rglob("*.py"):
        for f in ast.walk(ast.parse(path.read_text())):
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = f.end_lineno - f.lineno + 1
                if lines > 60:
                    long[f"{path.relative_to(PACKAGE)}:{f.lineno} {f.name}"] = lines
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
