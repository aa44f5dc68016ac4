"""Coordinator pages for shelters, hotels and loyalty programs; the staff report page."""

from datetime import datetime

from flask import Blueprint

from partners.availability import night_label
from partners.base import utcnow

bp = Blueprint("places", __name__, url_prefix="/places")


@bp.app_template_filter("time_ago")
def time_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """"12 min ago", "3 h ago", "2 days ago": how old a confirmation is, at a glance."""
    if moment is None:
        return "never"
    minutes = int(((now or utcnow()) - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


bp.add_app_template_filter(night_label, "night")

from . import hotels, offers, picker, programs, shelters, transfer  # noqa: E402, F401  (routes on bp)
