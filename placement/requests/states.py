"""A request's own states and the one table of its allowed transitions (the twin of
placement/bookings/states.py). Every change of `HousingRequest.status` goes through `move`,
which checks the table, stamps the request's step (`HousingRequest.record_step`) and leaves
an audit row.

A closed or withdrawn request is final: nothing leads out of it, so it is never planned
or placed again.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from partners.base import utcnow

from .. import audit
from ..transitions import TransitionNotAllowed, TransitionTable
from .models import HousingRequest, RequestStatus

S = RequestStatus

# The only status the planner and approvals work on.
WAITING = frozenset({S.PENDING})
# Nothing leads out of these.
FINAL = frozenset({S.CLOSED, S.WITHDRAWN})


@dataclass(frozen=True)
class RequestTransition:
    action: str
    sources: frozenset[RequestStatus]
    target: RequestStatus
    label: str  # the button
    done: str  # "A closed request cannot be <done>."
    step: str | None = None  # the request's step it records (models.STEPS), the first time


TRANSITIONS: dict[str, RequestTransition] = {t.action: t for t in [
    # A stay is approved (by the planner's proposal or by hand).
    RequestTransition("place", frozenset({S.PENDING}), S.PLACED, "Place", "placed",
                      "approved"),
    # The stay was cancelled, missed or its hold expired: find another place.
    RequestTransition("requeue", frozenset({S.PLACED}), S.PENDING, "Back to the queue",
                      "put back in the queue"),
    # A coordinator ends it: no place is needed any more (its stay, if any, is cancelled).
    RequestTransition("close", frozenset({S.PENDING, S.PLACED}), S.CLOSED, "Close",
                      "closed", "ended"),
    # The advocate who filed it says no place is needed any more (the same).
    RequestTransition("withdraw", frozenset({S.PENDING, S.PLACED}), S.WITHDRAWN, "Withdraw",
                      "withdrawn", "ended"),
]}


class RequestTransitionNotAllowed(TransitionNotAllowed):
    """A kind of TransitionNotAllowed, so that every page that answers a refused transition
    with its message (not a 500) answers a request's the same way."""


def label(status: RequestStatus) -> str:
    return status.value.replace("_", " ")


TABLE = TransitionTable("request", TRANSITIONS, label, RequestTransitionNotAllowed)
can, target_of, actions_from = TABLE.can, TABLE.target_of, TABLE.actions_from


def move(session: Session, request: HousingRequest, action: str, actor_id: int | None,
         reason: str | None = None) -> None:
    """Apply one transition from the table, with its audit row. `reason` (closing,
    withdrawing) is kept on the request for the people who read it, never on the log."""
    source = request.status
    request.status = target_of(action, source)
    if step := TRANSITIONS[action].step:
        request.record_step(step, utcnow())
    if request.status in FINAL:
        request.status_reason = (reason or "").strip()[:300] or None
    audit.record(session, actor_id, action, "request", request.id, source.value,
                 request.status.value)
    session.flush()
