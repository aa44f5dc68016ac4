"""The app's one clock: what time it is (or the clock a test injects with SCHEDULER_CLOCK,
a callable returning an aware datetime) and what day it is at the hotline. Pages, jobs
and donor figures all ask here, never `date.today()` (the server's zone, not the hotline's).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def now(app: Flask | None = None) -> datetime:
    injected = (app or current_app).config.get("SCHEDULER_CLOCK")
    return injected() if injected else datetime.now(UTC)


def hotline_today(app: Flask | None = None) -> date:
    app = app or current_app
    return now(app).astimezone(ZoneInfo(app.config["HOTLINE_TIMEZONE"])).date()
