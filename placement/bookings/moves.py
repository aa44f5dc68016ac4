"""Bridge stays from the coordinators' side (issue 21): whether a request may move, and the
move days to come, each a task (the person's transport from one place to the next) with a
reminder the day before (placement/jobs/moves.py)."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partners.base import utcnow

from .. import audit
from ..requests.models import HousingRequest
from .chains import chain_of
from .models import Booking
from .service import BookingConflict, _lock_request, _withdraw_open_proposals
from .states import HOLDING, BookingState

CHOICES = {None: "the default for its priority", True: "allowed", False: "not allowed"}


def set_moves(session: Session, request: HousingRequest, actor_id: int,
              allowed: bool | None) -> bool:
    """A coordinator's choice for one request: moves allowed, not, or the priority's
    default (None). Open proposals, made under the old choice, are withdrawn (the next plan
    proposes afresh). False when nothing changed."""
    _lock_request(session, request.id)
    if request.moves_allowed is allowed:
        return False
    request.moves_allowed = allowed
    audit.record(session, actor_id, "set_moves", "request", request.id,
                 detail=f"moves: {CHOICES[allowed]}")
    _withdraw_open_proposals(session, request, actor_id, "whether it may move changed")
    return True


@dataclass(frozen=True)
class Move:
    """A move day to come: the person leaves `before` for `after` (the later stay)."""

    before: Booking
    after: Booking

    @property
    def day(self) -> date:
        return self.after.check_in

    @property
    def arranged(self) -> bool:
        return self.after.transport_arranged_at is not None


def moves_from(session: Session, first_day: date, last_day: date | None = None) -> list[Move]:
    """The moves of held chains from `first_day` (to `last_day`), soonest first: each later
    stay held (approved, confirmed) with the stay before it."""
    query = select(Booking).where(
        Booking.segment > 1, Booking.state.in_(HOLDING - {BookingState.CHECKED_IN}),
        Booking.check_in >= first_day)
    if last_day is not None:
        query = query.where(Booking.check_in <= last_day)
    later = session.scalars(query.order_by(Booking.check_in, Booking.id).options(
        selectinload(Booking.request).load_only(HousingRequest.case_code,
                                                HousingRequest.created_by_id))).all()
    moves = []
    for stay in later:
        before = next((b for b in chain_of(session, stay)
                       if b.segment == stay.segment - 1 and b.state in HOLDING
                       | {BookingState.CHECKED_OUT}), None)
        if before is not None:
            moves.append(Move(before, stay))
    return moves


def arrange_transport(session: Session, booking: Booking, actor_id: int,
                      now: datetime | None = None) -> None:
    """The coordinator has arranged the person's transport to this later stay."""
    _lock_request(session, booking.request_id)
    session.refresh(booking)
    if not booking.is_move or booking.state not in HOLDING - {BookingState.CHECKED_IN}:
        raise BookingConflict("Only a move to a stay still to come needs transport.")
    if booking.transport_arranged_at is None:
        booking.transport_arranged_at = now or utcnow()
        audit.record(session, actor_id, "arrange_transport", "booking", booking.id)
    session.flush()
