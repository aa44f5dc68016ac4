"""The app's one clock: what time it is (or the clock a test injects with SCHEDULER_CLOCK,
a callable returning an aware datetime) and what day it is at the hotline. Pages, jobs
and donor figures all ask here, never `date.today()` (the server's zone, not the hotline's).

Processes a test starts (gunicorn, `flask scheduler`) cannot be handed a callable: for them
SHELTER_BRIDGE_CLOCK_OFFSET moves the clock by a number of seconds (placement/config.py).
An offset, not a fixed moment, so the clock still moves (a scheduler needs its ticks) and
every process on the machine reads the same time, as hosts kept in step by NTP do.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app


@dataclass(frozen=True)
class OffsetClock:
    """The system clock moved by `offset`; the scheduler fires its jobs by it too."""

    offset: timedelta

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def now(app: Flask | None = None) -> datetime:
    injected = (app or current_app).config.get("SCHEDULER_CLOCK")
    return injected() if injected else datetime.now(UTC)


def hotline_today(app: Flask | None = None) -> date:
    app = app or current_app
    return now(app).astimezone(ZoneInfo(app.config["HOTLINE_TIMEZONE"])).date()
