"""Whether a stay meets its request's needs (issue 16), as people read it.

The planner proposes only places that offer every need, but a place's offers change after
a stay is approved, and a coordinator placing by hand may override needs the place lacks.
`needs_unmet` is the one judge of "does this stay still fit its request's needs"; the
stays list, the stay page, the plan page and the place pages' warning all ask it. A need
that does not apply to the place's kind (a hotel's check-in age, at a shelter) is met by
every place of that kind, as the bridge says to the optimizer.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from partners.needs import HOTEL, SHELTER, Need
from partners.places import Hotel, Shelter

from ..requests.models import HousingRequest, request_need
from .models import Booking
from .states import HOLDING


def _kind(booking: Booking) -> str:
    # By the place itself: a stay placed by hand is checked before it has a hotel_id.
    return HOTEL if isinstance(booking.place, Hotel) else SHELTER


def _lacks(booking: Booking, need: Need) -> bool:
    offered = {offer.code for offer in booking.place.offers}
    return need.applies_to(_kind(booking)) and need.code not in offered


def _in_order(needs) -> list[Need]:
    return sorted(needs, key=lambda need: need.id)


def needs_lacking(booking: Booking) -> set[str]:
    """The codes of the request's needs its place does not offer, overridden or not."""
    return {need.code for need in booking.request.needs if _lacks(booking, need)}


def needs_unmet(booking: Booking) -> set[str]:
    """The codes of the request's needs its place does not offer and no coordinator
    overrode: empty when the stay fits."""
    return needs_lacking(booking) - booking.overridden_needs


def needs_met(booking: Booking) -> list[str]:
    """The labels of the request's needs the place meets, in the vocabulary's order."""
    return [need.label for need in _in_order(booking.request.needs)
            if not _lacks(booking, need)]


def labels_of(needs, codes) -> list[str]:
    """The labels of these codes among a request's needs, in the vocabulary's order."""
    return [need.label for need in _in_order(needs) if need.code in codes]


def overridden_labels(booking: Booking) -> list[str]:
    """The labels of the needs a coordinator overrode for this stay."""
    return labels_of(booking.request.needs, booking.overridden_needs)


def unmet_labels(booking: Booking) -> list[str]:
    """The labels of the needs a stay holding beds or rooms no longer meets (a flag on the
    stays list, the stay page and the plan page); a proposal or an ended stay has none."""
    return labels_of(booking.request.needs, needs_unmet(booking)) if booking.holds else []


def with_needs(query):
    """`query` of bookings, loading what `needs_unmet` and `needs_met` read in a few
    queries rather than a few per stay."""
    return query.options(
        selectinload(Booking.request).selectinload(HousingRequest.needs),
        selectinload(Booking.shelter).selectinload(Shelter.offers),
        selectinload(Booking.hotel).selectinload(Hotel.offers))


def unfit_stays(session: Session, place: Shelter | Hotel | None = None) -> list[Booking]:
    """The stays holding beds or rooms (at this place, or anywhere) whose request needs
    something its place does not offer, not overridden: the coordinators' to move or
    re-confirm."""
    query = select(Booking).where(Booking.state.in_(HOLDING), Booking.request_id.in_(
        select(request_need.c.request_id)))
    if isinstance(place, Shelter):
        query = query.where(Booking.shelter_id == place.id)
    elif isinstance(place, Hotel):
        query = query.where(Booking.hotel_id == place.id)
    stays = session.scalars(with_needs(query).order_by(Booking.check_in, Booking.id))
    return [booking for booking in stays if needs_unmet(booking)]
