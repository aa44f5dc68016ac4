"""The `outcomes` job: what became of each request whose window is over, recorded once
(placement/bookings/outcomes.py says how it is decided).

A request's window is over the day after its last arrival day (`latest`, a date where the
person is) plus `OUTCOME_GRACE_DAYS` (1): the grace leaves the advocate a day to move the
window of a request that missed its own, so that a person placed in the new one counts as
placed late rather than unplaced. Requests withdrawn or closed have theirs from the moment
they ended; the job also catches those that ended before outcomes were recorded.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select

from ..bookings.outcomes import record_outcome
from ..extensions import db
from ..requests.models import HousingRequest
from ..requests.outcomes import RequestOutcome
from ..requests.service import local_today
from ..requests.states import FINAL
from .jobs import Counts, hotline_today
from .triggers import as_utc

# Requests decided in one tick at most (the first run on a database with years of history
# takes a few ticks, each one short).
BATCH = 5_000


def window_over(request: HousingRequest, now: datetime, grace_days: int) -> bool:
    """Whether the request's window, and the grace after it, are over where the person is."""
    return local_today(request.timezone, as_utc(now)) > request.latest + timedelta(
        days=grace_days)


def record_outcomes(now: datetime) -> Counts:
    grace = current_app.config["OUTCOME_GRACE_DAYS"]
    # No person's local date is more than a day ahead of the hotline's: a superset in SQL,
    # each request's own date checked below.
    cutoff = hotline_today(now) - timedelta(days=grace)
    candidates = db.session.scalars(
        select(HousingRequest).where(
            ~exists().where(RequestOutcome.request_id == HousingRequest.id),
            or_(HousingRequest.status.in_(FINAL), HousingRequest.latest <= cutoff))
        .order_by(HousingRequest.id).limit(BATCH)
        .with_for_update(key_share=True)
    ).all()
    counts = {"placed_on_time": 0, "placed_late": 0, "unplaced": 0, "waiting": 0}
    moment = as_utc(now)
    for request in candidates:
        if request.status not in FINAL and not window_over(request, now, grace):
            continue
        outcome = record_outcome(db.session, request, moment)
        if outcome is None:
            counts["waiting"] += 1  # a stay approved or confirmed has yet to take them in
        else:
            counts[outcome.kind.value] += 1
    return counts
