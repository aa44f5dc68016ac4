"""Calls that go up the layers, wired by create_app.

The planner (placement/planning) sits above requests and bookings: it reads requests,
proposes bookings and checks stays against a place's rules, so neither of them imports it.
Two of their pages still need it: filing a critical request starts a run at once, and every
approval or placement by hand asks which of the place's rules the stay would break. They
ask `planner()`, which create_app fills with the planner's own functions.

Places sit below bookings in the same way; a place's pages ask `stays()` which stays no
longer fit their requests' needs once its offers change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:  # types only: importing them would be a cycle (bookings imports this)
    from sqlalchemy.orm import Session

    from partners.places import Hotel, Shelter

    from .bookings.models import Booking

_KEY = "placement.planner"
_STAYS_KEY = "placement.stays"


@dataclass(frozen=True)
class Planner:
    # The rules of its place (policy, pets, access, distance, danger zones, exclusions,
    # maximum stay, arrival window) that the booking's stay breaks, in the optimizer's words.
    check_stay: Callable[[Session, Booking], list[str]]
    # Queue a planner run on behalf of `actor_id` (None: the hotline's own) unless one is
    # already under way.
    start_run: Callable[[int | None], Any]


@dataclass(frozen=True)
class Stays:
    # The stays holding beds or rooms (at this place, or anywhere: None) whose request needs
    # something its place does not offer, not overridden.
    unfit: Callable[[Session, Shelter | Hotel | None], list[Booking]]


def init_app(app: Flask, planner: Planner, stays: Stays) -> None:
    app.extensions[_KEY] = planner
    app.extensions[_STAYS_KEY] = stays


def planner() -> Planner:
    return current_app.extensions[_KEY]


def stays() -> Stays:
    return current_app.extensions[_STAYS_KEY]
