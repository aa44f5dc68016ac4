"""Bridge stays (issue 21): one placement of several stays, a hotel tonight and a shelter
bed the night one opens. Each stay is a booking of its own (it holds its own beds, rooms
and points); `segment` numbers them 1, 2... and the later ones name the first
(`chain_id`).

What keeps a chain whole, whatever path changed it:
- the database: at most one live stay per (request, segment) (`uq_booking_live_segment`);
- every commit (`check_chains`, run by a session hook on the requests whose stays the
  transaction touched): a request's live stays are its chain's segments 1..n, each
  beginning the day the one before ends, each at a place the chain has not used before;
  and no stay of a chain waits as a proposal beside its live ones (a chain is never half
  approved), except the re-plan of the rest of a stay whose later place said no
  (`HousingRequest.rest_from`).
"""

from collections.abc import Iterable

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from ..requests.models import HousingRequest
from .models import Booking
from .states import PLACING, BookingState

_TOUCHED = "bookings.touched_requests"
BATCH = 500  # request ids per query


class ChainBroken(RuntimeError):
    """A commit would leave a request's stays as no placement can be: a gap, an overlap, a
    half-approved chain. A bug in the path that did it, never a person's mistake."""


def chain_of(session: Session, booking: Booking) -> list[Booking]:
    """Every stay of the booking's chain (whatever its state), first to last."""
    if booking.id is None:
        session.flush()
    lead = booking.lead_id
    return list(session.scalars(
        select(Booking).where(or_(Booking.id == lead, Booking.chain_id == lead))
        .order_by(Booking.segment, Booking.id)))


def placement_of(session: Session, booking: Booking) -> list[Booking]:
    """The stays of the booking's placement as it stands, first to last: its chain's live
    stays if it is live, its chain's proposals if it is proposed (one stay: itself)."""
    return [b for b in chain_of(session, booking) if b.id == booking.id or _alike(b, booking)]


def live_stays(session: Session, request_id: int) -> list[Booking]:
    """The request's live stays (approved to checked out), first to last."""
    return list(session.scalars(
        select(Booking).where(Booking.request_id == request_id, Booking.state.in_(PLACING))
        .order_by(Booking.segment, Booking.id)))


def _alike(a: Booking, b: Booking) -> bool:
    """Two stays of one placement as it stands: both live, or both still proposed."""
    return (a.state in PLACING) == (b.state in PLACING) and (
        a.state in PLACING or a.state == b.state)


def neighbours(session: Session, bookings: Iterable[Booking]
               ) -> dict[int, tuple[Booking | None, Booking | None]]:
    """Each stay's stay before and after it in its chain (live beside live, proposed beside
    proposed); (None, None) for a single stay. One query for all of them."""
    bookings = list(bookings)
    leads = {b.lead_id for b in bookings}
    if not leads:
        return {}
    rows = session.scalars(select(Booking).where(
        or_(Booking.id.in_(leads), Booking.chain_id.in_(leads)))).all()
    by_lead: dict[int, list[Booking]] = {}
    for row in rows:
        by_lead.setdefault(row.lead_id, []).append(row)
    out = {}
    for b in bookings:
        chain = [o for o in by_lead.get(b.lead_id, []) if o.id == b.id or _alike(o, b)]
        before = next((o for o in chain if o.segment == b.segment - 1), None)
        after = next((o for o in chain if o.segment == b.segment + 1), None)
        out[b.id] = (before, after)
    return out


def the_place(place) -> str:
    """A place's name in a sentence: "from the Airport Holiday Lodge", "from The Haven"."""
    return place.name if place.name.lower().startswith("the ") else f"the {place.name}"


def _place(booking: Booking) -> tuple[str, int]:
    return ("hotel", booking.hotel_id) if booking.hotel_id else ("shelter", booking.shelter_id)


def problems(live: list[Booking], proposed: list[Booking],
             rest_from=None) -> list[str]:
    """What is wrong with one request's live stays (first to last) and open proposals, in
    words; empty when they are one placement."""
    out = []
    if not live:
        return out
    lead = live[0]
    if [b.segment for b in live] != list(range(1, len(live) + 1)):
        out.append(f"live stays are segments {[b.segment for b in live]}, not 1 to {len(live)}")
    for before, stay in zip(live, live[1:], strict=False):
        if stay.chain_id != lead.id:
            out.append(f"stay {stay.id} is not of the chain of stay {lead.id}")
        if stay.check_in != before.check_out:
            out.append(f"stay {stay.id} begins on {stay.check_in}, not on {before.check_out} "
                       f"when stay {before.id} ends")
    places = [_place(b) for b in live]
    if len(set(places)) != len(places):
        out.append("the chain uses one place twice")
    for b in proposed:
        if b.lead_id != lead.id:
            continue
        rest = (b.segment == live[-1].segment + 1 and b.check_in == live[-1].check_out
                and b.check_in == rest_from)
        if not rest:
            out.append(f"stay {b.id} of a live chain waits as a proposal: half approved")
    return out


def check_chains(session: Session, request_ids: Iterable[int]) -> None:
    """Raise ChainBroken unless each request's stays are one placement (see `problems`)."""
    ids = sorted(set(request_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        rows = session.scalars(
            select(Booking).where(Booking.request_id.in_(batch),
                                  Booking.state.in_(PLACING | {BookingState.PROPOSED}))
            .order_by(Booking.request_id, Booking.segment, Booking.id)).all()
        by_request: dict[int, list[Booking]] = {}
        for b in rows:
            by_request.setdefault(b.request_id, []).append(b)
        if not by_request:
            continue
        rest = dict(session.execute(select(HousingRequest.id, HousingRequest.rest_from)
                                    .where(HousingRequest.id.in_(list(by_request)))).all())
        for request_id, stays in by_request.items():
            live = [b for b in stays if b.state in PLACING]
            proposed = [b for b in stays if b.state is BookingState.PROPOSED]
            if wrong := problems(live, proposed, rest.get(request_id)):
                raise ChainBroken(f"request {request_id}: " + "; ".join(wrong))


@event.listens_for(Session, "after_flush")
def _touched(session: Session, _context) -> None:
    """Remember the requests whose stays this transaction wrote."""
    ids = {obj.request_id for obj in (*session.new, *session.dirty)
           if isinstance(obj, Booking) and obj.request_id is not None}
    if ids:
        session.info.setdefault(_TOUCHED, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _check_touched(session: Session) -> None:
    """At the commit of the whole transaction (a savepoint's, such as a ledger posting's
    inside an approval, may come between two stays of one chain)."""
    if session.in_nested_transaction():
        return
    session.flush()
    ids = session.info.pop(_TOUCHED, None)
    if ids:
        check_chains(session, ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_touched(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or not)
        session.info.pop(_TOUCHED, None)
