"""What a report's filters select, as WHERE clauses: the requests filed in its months, of
its state and priority, by its organization (with a stay proposed at its program, if it
has one), and their stays (at its program)."""

from sqlalchemy import exists, or_, select

from partners.organizations import Organization, OrganizationKind
from partners.places import Hotel
from partners.points import LoyaltyProgram

from ..bookings.models import Booking
from ..requests.models import HousingRequest
from .filters import HOTLINE, SHELTER, Filters


def at_program(program: str):
    """The stays at `program`'s hotels, or at shelters."""
    if program == SHELTER:
        return Booking.shelter_id.is_not(None)
    return Booking.hotel_id.in_(
        select(Hotel.id).join(LoyaltyProgram, LoyaltyProgram.id == Hotel.program_id)
        .where(LoyaltyProgram.code == program))


def requests_where(f: Filters, with_program: bool = True) -> list:
    """The WHERE clause of the requests a report is about."""
    where = [HousingRequest.filed_month >= f.first, HousingRequest.filed_month <= f.last]
    if f.state:
        where.append(HousingRequest.us_state == f.state)
    if f.priority:
        where.append(HousingRequest.priority == f.priority)
    if f.organization == HOTLINE:  # its advocates' (of no organization) and its keys'
        where.append(or_(HousingRequest.organization_id.is_(None),
                         HousingRequest.organization_id.in_(
                             select(Organization.id)
                             .where(Organization.kind == OrganizationKind.HOTLINE))))
    elif f.organization:
        where.append(HousingRequest.organization_id == int(f.organization))
    if f.program and with_program:
        where.append(exists().where(Booking.request_id == HousingRequest.id,
                                    at_program(f.program)))
    return where


def stays_where(f: Filters) -> list:
    """The WHERE clause of the stays a report is about (joined to their request)."""
    where = requests_where(f, with_program=False)
    if f.program:
        where.append(at_program(f.program))
    return where
