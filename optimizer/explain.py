"""Why-unplaced explanations and single-stay checks (filled in below)."""

from __future__ import annotations

from .plan import Plan
from .problem import Problem


def check_stay(problem: Problem, request_id: str, resource_id: str, check_in: int,
               plan: Plan | None = None) -> list[str]:
    return []


def explain_unplaced(problem: Problem, plan: Plan) -> dict[str, str]:
    return {}
