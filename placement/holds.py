"""How long an approved stay holds its beds, rooms and points while it waits for the
place's answer: the shelter's own window (`Shelter.hold_hours`), else HOLD_HOURS. One rule
for the job that releases holds, the alerts before it and the plan page's flag, so they
never disagree about when a hold ends.

Below the workflow's packages (it imports none of them): bookings, planning and the jobs
may all ask it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from .bookings.models import Booking


def hold_window(booking: Booking) -> timedelta:
    own = booking.shelter.hold_hours if booking.shelter is not None else None
    return timedelta(hours=own or current_app.config["HOLD_HOURS"])


def hold_ends(booking: Booking) -> datetime:
    """When an approved stay's hold runs out (naive UTC, as `approved_at`)."""
    return booking.approved_at + hold_window(booking)


def answer_is_slow_from(booking: Booking) -> datetime:
    """From when a place that has not answered is slow: a share of its window
    (ESCALATE_SHELTER_SLOW_SHARE, half by default) after the approval."""
    share = current_app.config["ESCALATE_SHELTER_SLOW_SHARE"]
    return booking.approved_at + hold_window(booking) * share
