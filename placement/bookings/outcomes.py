"""What became of a request (requests/outcomes.py), decided from its stays, once.

**Placed** means the person arrived: the request's stay was checked in (it may have been
checked out since). A stay approved or confirmed is not yet a placement: a hold expires, a
place declines, a person does not arrive, and the request waits again.

**On time** means that stay's first night is no later than the request's deadline, the
last arrival day it was filed with (`HousingRequest.arrive_by`, a date where the person
is, which editing the window never moves), and it was approved no later than that day
(where the person is). Otherwise it was **placed late**: the window was moved and the
person placed in the new one, or a stay was approved after the deadline. A late placement
keeps the code of why it last waited (`HousingRequest.wait_reason_code`, which may be
None: nothing made it wait but the window).

**Unplaced** is a request that ended (withdrawn or closed) without arriving anywhere, with
the ending's reason code ("ended.found_housing"...), or whose window is over with no stay
(`jobs/outcomes.py` decides when), with the code of why it last waited (the planner's
reason, a place's decline, a rejection...), or "not_planned" when nothing ever said.

A request not placed because no place within reach offered what its party needed also
leaves its needs as UnmetNeed rows (requests/outcomes.py), which retention keeps.

The decision is taken once: when the request ends (`service._end`), or by the scheduled
job once its window is over (and a stay approved or confirmed in it has arrived or been
given back). A request re-opened after that keeps its outcome.
"""

from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..requests.models import HousingRequest
from ..requests.outcomes import (
    NEEDS_REASON,
    NOT_PLANNED,
    OutcomeKind,
    RequestOutcome,
    UnmetNeed,
    ended_reason,
)
from ..requests.service import local_today
from ..requests.states import FINAL
from .models import Booking
from .states import PLACING, BookingState

ARRIVED = frozenset({BookingState.CHECKED_IN, BookingState.CHECKED_OUT})


def on_time(request: HousingRequest, stay: Booking) -> bool:
    """The stay started, and was approved, no later than the request's deadline."""
    if stay.check_in > request.arrive_by:
        return False
    if stay.approved_at is None:  # rows from before approvals were timed
        return True
    approved = local_today(request.timezone, stay.approved_at.replace(tzinfo=UTC))
    return approved <= request.arrive_by


def outcome_of(session: Session, request: HousingRequest
               ) -> tuple[OutcomeKind, str | None, Booking | None] | None:
    """The request's outcome as things stand (kind, reason code, the stay that placed it),
    or None while a stay approved or confirmed for it may still take the person in."""
    live = session.scalar(select(Booking).where(Booking.request_id == request.id,
                                                Booking.state.in_(PLACING))
                          .order_by(Booking.segment).limit(1))  # a chain's first stay
    if live is not None and live.state in ARRIVED:
        if on_time(request, live):
            return OutcomeKind.PLACED_ON_TIME, None, live
        return OutcomeKind.PLACED_LATE, request.wait_reason_code, live
    if request.status in FINAL:
        return OutcomeKind.UNPLACED, ended_reason(request.status_reason_code), None
    if live is not None:
        return None
    return OutcomeKind.UNPLACED, request.wait_reason_code or NOT_PLANNED, None


def has_outcome(session: Session, request_id: int) -> bool:
    return session.scalar(select(exists().where(RequestOutcome.request_id == request_id)))


def record_outcome(session: Session, request: HousingRequest,
                   now: datetime) -> RequestOutcome | None:
    """Record the request's outcome unless it has one or cannot have one yet (then None).
    The caller holds the request's lock (every path that changes its stays takes it first),
    so two paths never both write one; UNIQUE(request_id) is the guard behind it."""
    if has_outcome(session, request.id):
        return None
    decided = outcome_of(session, request)
    if decided is None:
        return None
    kind, reason, stay = decided
    outcome = RequestOutcome(request_id=request.id, kind=kind, reason=reason,
                             booking_id=stay.id if stay else None,
                             decided_at=now.astimezone(UTC).replace(tzinfo=None)
                             if now.tzinfo else now)
    session.add(outcome)
    if kind is OutcomeKind.UNPLACED and reason == NEEDS_REASON:
        # The needs outlive the request's (retention deletes them), without naming it:
        # those the planner named as offered by no place in reach, else every one it had.
        named = set(request.wait_needs or ())
        session.add_all(UnmetNeed(filed_month=request.filed_month, us_state=request.us_state,
                                  priority=request.priority, need_id=need.id)
                        for need in request.needs if not named or need.code in named)
    session.flush()
    return outcome
