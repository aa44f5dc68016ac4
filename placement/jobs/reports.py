"""The reports' job: their settled months counted and kept at night (reports/upkeep.py)."""

from datetime import datetime

from flask import current_app

from ..extensions import db
from ..reports import upkeep
from .jobs import hotline_today


def keep_settled_months(now: datetime) -> dict[str, int]:
    return upkeep.keep_settled_months(db.session, hotline_today(now),
                                      current_app.config["HOTLINE_TIMEZONE"])
