"""The placement card: where to send the person, the moment a stay is approved. Shown on
the request's page and in "My requests" (as a Jinja global, so that the requests' pages,
below bookings, never import it) and kept current by a poll of `/requests/<id>/card`.

What it says is what the advocate on the phone needs: the place (type and city), its intake
line and instructions, the nights, whether the bed is held (until when), confirmed (with its
code), checked in or missed, and a short text to read aloud to the caller. A confidential
shelter's street address is for coordinators only: the card says how the person is met.

A bridge stay (issue 21) is one card with its stays in order: where the person goes first,
then the move day and where they go next ("arrives Thu Dec 3 from the Airport Holiday
Lodge"); the hotline arranges the move.
"""

from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..auth.access import roles
from ..auth.models import Role
from ..extensions import db
from ..holds import hold_ends
from ..requests.models import HousingRequest, RequestStatus
from ..requests.views import own_request
from ..security import passive
from ..web import html_version, polled
from .models import Booking
from .states import PLACING, BookingState

bp = Blueprint("card", __name__)

S = BookingState
# The states a card tells about when the request has no live stay: the last word on it.
ENDED = (S.CANCELLED, S.NO_SHOW, S.HOLD_EXPIRED)


@dataclass(frozen=True)
class Card:
    request: HousingRequest
    stay: Booking | None  # the live stay, or the last one that ended
    show_address: bool
    hold_ends: object
    stays: tuple[Booking, ...] = ()  # the live chain, first to last (one stay: itself)

    @property
    def live(self) -> bool:
        return self.stay is not None and self.stay.state in PLACING

    @property
    def chain(self) -> bool:
        return len(self.stays) > 1

    @property
    def moves(self) -> list[tuple[Booking, Booking]]:
        """Each move of the chain: (the stay left, the stay moved to)."""
        return list(zip(self.stays, self.stays[1:], strict=False))

    @property
    def kind(self) -> str:
        stay = self.stay
        return f"hotel ({stay.hotel.program.name})" if stay.is_hotel else "shelter"

    @property
    def address(self) -> str | None:
        return self.stay.place.address if self.show_address else None

    @property
    def script(self) -> str:
        """What the advocate reads aloud to the caller: plain sentences, no jargon."""
        stay, place = self.stay, self.stay.place
        nights = _nights(stay.nights)
        what = "a room" if stay.is_hotel else "a bed"
        where = f"{place.name}, {_kind_in(stay)}"
        lines = [f"You have {what} at {where}, from {stay.check_in:%A %B %-d}, for {nights}."]
        for _before, after in self.moves:
            if after.segment > stay.segment:
                lines.append(f"On {after.check_in:%A %B %-d} you move to "
                             f"{'a room' if after.is_hotel else 'a bed'} at {after.place.name}, "
                             f"{_kind_in(after)}, for {_nights(after.nights)}; the hotline "
                             "helps you get there.")
        if place.intake_instructions:
            lines.append(place.intake_instructions.rstrip(".") + ".")
        elif place.intake_contact:
            lines.append(f"Call {place.intake_contact} when you are on your way.")
        if not stay.is_hotel and place.confidential:
            lines.append("Its address is kept private for your safety: staff tell you where "
                         "to go when you call.")
        if stay.confirmation and stay.state is not S.APPROVED:
            lines.append(f"When you arrive, give the code {stay.confirmation}.")
        return " ".join(lines)


def _nights(count: int) -> str:
    return f"{count} night{'s' if count != 1 else ''}"


def _kind_in(stay: Booking) -> str:
    return f"{'a hotel' if stay.is_hotel else 'a shelter'} in {stay.place.city}"


def stays_of(request: HousingRequest) -> tuple[Booking | None, tuple[Booking, ...]]:
    """The request's live stay (of a chain, the one under way or next), with every live
    stay in order; else, while it waits again, the stay that just ended."""
    stays = db.session.scalars(
        select(Booking).where(Booking.request_id == request.id,
                              Booking.state.in_(PLACING | set(ENDED)))
        .order_by(Booking.updated_at.desc(), Booking.id.desc()).limit(10)).all()
    live = tuple(sorted((b for b in stays if b.state in PLACING), key=lambda b: b.segment))
    if live:
        current = next((b for b in live if b.state is not S.CHECKED_OUT), live[-1])
        return current, live
    if request.status is not RequestStatus.PENDING:
        return None, ()
    return (stays[0] if stays else None), ()


def card_for(request: HousingRequest) -> Card:
    stay, chain = stays_of(request)
    coordinator = current_user.is_authenticated and current_user.role is Role.COORDINATOR
    confidential = stay is not None and not stay.is_hotel and stay.shelter.confidential
    return Card(request, stay, show_address=coordinator or not confidential,
                hold_ends=hold_ends(stay) if stay and stay.approved_at else None,
                stays=chain)


def render_card(request: HousingRequest, compact: bool = False) -> str:
    return render_template("bookings/_card.html", card=card_for(request), compact=compact)


@dataclass(frozen=True)
class Rendered:
    html: Markup
    version: str  # what the page and its poll compare


@bp.app_template_global("placement_card")
def placement_card(request: HousingRequest, compact: bool = False) -> Rendered:
    html = render_card(request, compact)
    return Rendered(Markup(html), html_version(html))  # noqa: S704 - our own escaped template


@bp.route("/requests/<int:request_id>/card")
@roles(Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR)
@passive
def poll(request_id: int):
    """The card as it is now, for the page to swap in when it changed. A poll reads no more
    than the page it belongs to (the same owner check) and is not the person's activity."""
    housing_request = own_request(request_id)
    html = render_card(housing_request)
    return polled(html, status=housing_request.status.value.capitalize())
