"""Who hears what when a stay moves: the advocate who filed the request (in their inbox and
by e-mail) and, when a place says no, the coordinator who approved the stay. A message is
the case code, a fixed sentence and a link: nothing its reader cannot already see."""

from sqlalchemy.orm import Session

from .. import inbox, notify
from ..auth.models import User
from .models import Booking
from .service import approved_by

PLACED = "has a place"
ACCEPTED = "the place said yes"
DECLINED = "the place said no; it is being planned again"
# A bridge stay's later place said no and the person stays on where they are before it.
DECLINED_REST = "the next place said no; the rest of the stay is being planned again"
HOLD_EXPIRED = "the place did not answer in time; it is being planned again"


def _active(session: Session, user_id: int | None) -> User | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.active else None


def tell_advocate(session: Session, booking: Booking, sentence: str, kind: str,
                  mail: bool = True) -> None:
    request = booking.request
    advocate = _active(session, request.created_by_id)
    if advocate is None:
        return
    inbox.post(session, advocate.id, kind, f"{request.case_code}: {sentence}.",
               inbox.path("requests.show", request_id=request.id), request_id=request.id)
    if mail:
        notify.case_news([advocate.email], request.case_code, sentence, "requests.show",
                         request_id=request.id)


def tell_approver(session: Session, booking: Booking, sentence: str, kind: str,
                  mail: bool = True) -> None:
    coordinator = _active(session, approved_by(session, booking))
    if coordinator is None:
        return
    code = booking.request.case_code
    inbox.post(session, coordinator.id, kind, f"{code}: {sentence}.",
               inbox.path("bookings.show", booking_id=booking.id), request_id=booking.request_id)
    if mail:
        notify.case_news([coordinator.email], code, sentence, "bookings.show",
                         booking_id=booking.id)


def placed(session: Session, booking: Booking) -> None:
    tell_advocate(session, booking, PLACED, "placed")


def accepted(session: Session, booking: Booking) -> None:
    tell_advocate(session, booking, ACCEPTED, "accepted")


def declined(session: Session, booking: Booking) -> None:
    sentence = DECLINED_REST if booking.request.rest_from is not None else DECLINED
    tell_advocate(session, booking, sentence, "declined")
    tell_approver(session, booking, sentence, "declined")


def hold_expired(session: Session, booking: Booking) -> None:
    """The place did not answer in time (the expiry job): the inbox only, since the alert
    before it was mailed, and a job's mail would go before its commit."""
    tell_approver(session, booking, HOLD_EXPIRED, "hold_expired", mail=False)
    tell_advocate(session, booking, HOLD_EXPIRED, "hold_expired", mail=False)
