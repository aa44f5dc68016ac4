"""Calls that go up the layers, wired by create_app.

The planner (placement/planning) sits above requests and bookings: it reads requests,
proposes bookings and checks stays against a place's rules, so neither of them imports it.
Two of their pages still need it: filing a critical request starts a run at once, and every
approval or placement by hand asks which of the place's rules the stay would break. They
ask `planner()`, which create_app fills with the planner's own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # types only: importing them would be a cycle (bookings imports this)
    from sqlalchemy.orm import Session

    from .bookings.models import Booking

_KEY = "placement.planner"


@dataclass(frozen=True)
class Planner:
    # The rules of its place (policy, pets, access, distance, danger zones, exclusions,
    # maximum stay, arrival window) that the booking's stay breaks, in the optimizer's words.
    check_stay: Callable[[Session, Booking], list[str]]
    # Queue a planner run on behalf of `actor_id` (None: the hotline's own) unless one is
    # already under way.
    start_run: Callable[[int | None], Any]


def init_app(app: Flask, planner: Planner) -> None:
    app.extensions[_KEY] = planner


def planner() -> Planner:
    return current_app.extensions[_KEY]
