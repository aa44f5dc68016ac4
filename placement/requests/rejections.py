"""A coordinator's "no" to a place for a request: kept, honoured by every planner run and
every rule check (the bridge adds active rejections to the request's exclusions), shown on
the request's page, undone only by a coordinator. Plain functions that take a session and
flush; each change leaves an audit row naming the place, never the reason (free text)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from partners.base import utcnow

from .. import audit
from .models import HousingRequest, PlaceRejection


class RejectionError(ValueError):
    """A rejection that cannot be changed as asked; the message says why."""


def _place_detail(shelter_id: int | None, hotel_id: int | None) -> str:
    return f"shelter {shelter_id}" if shelter_id else f"hotel {hotel_id}"


def reject_place(session: Session, request: HousingRequest, *, shelter_id: int | None,
                 hotel_id: int | None, reason: str, actor_id: int | None,
                 booking_id: int | None = None) -> PlaceRejection:
    """Keep the place out of this request's plans on every date. A place already rejected
    for it keeps its first rejection (one "no" is enough; undoing it undoes it)."""
    if (shelter_id is None) == (hotel_id is None):
        raise ValueError("a rejection names exactly one place")
    existing = session.scalar(
        select(PlaceRejection).where(
            PlaceRejection.request_id == request.id, PlaceRejection.undone_at.is_(None),
            PlaceRejection.shelter_id == shelter_id if shelter_id
            else PlaceRejection.hotel_id == hotel_id)
        .limit(1))
    if existing is not None:
        return existing
    rejection = PlaceRejection(
        shelter_id=shelter_id, hotel_id=hotel_id, booking_id=booking_id,
        reason=(reason or "").strip()[:300] or "no reason given", created_by_id=actor_id)
    request.rejections.append(rejection)  # the next rule check on this request sees it
    session.flush()
    audit.record(session, actor_id, "reject_place", "request", request.id,
                 detail=_place_detail(shelter_id, hotel_id))
    session.flush()
    return rejection


def undo(session: Session, rejection: PlaceRejection, actor_id: int) -> None:
    """The place may be proposed for this request again."""
    session.flush()
    session.refresh(rejection, with_for_update=True)  # two undos at once: one wins
    if not rejection.active:
        raise RejectionError("This rejection was already undone.")
    rejection.undone_at = utcnow()
    rejection.undone_by_id = actor_id
    audit.record(session, actor_id, "undo_rejection", "request", rejection.request_id,
                 detail=_place_detail(rejection.shelter_id, rejection.hotel_id))
    session.flush()
