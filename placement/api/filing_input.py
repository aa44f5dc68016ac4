"""A filing's body, once its shape is right (schemas.NewRequest), checked as the request form
checks it and turned into the service's RequestDetails: every wrong field is named, with a
JSON pointer, in one answer."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from partners.geo import Location, LocationNotFound, locate
from partners.needs import Need

from ..problems import Problem, field_error
from ..requests.models import AgeBand
from ..requests.party import DERIVED_RULES, PartyError, Person, person_error, tally
from ..requests.service import (
    RequestDetails,
    arrival_window,
    local_today,
    window_errors,
)
from .schemas import NewRequest


def _located(text: str, pointer: str, errors: list[dict]) -> Location | None:
    try:
        return locate(text)
    except LocationNotFound as error:
        errors.append(field_error(pointer, str(error)))
        return None


def _people(body: NewRequest, errors: list[dict]) -> list[Person]:
    people = [Person(AgeBand(p.age_band), p.gender) for p in body.people]
    for i, person in enumerate(people):
        if message := person_error(*person):
            errors.append(field_error(f"/people/{i}/gender", message))
    try:
        tally(people)
    except PartyError as error:
        errors.append(field_error("/people", str(error)))
    return people


def _needs(session: Session, body: NewRequest, errors: list[dict]) -> None:
    """The codes a person may tick on the form: active needs, those that follow from the
    party only as `not_needed`."""
    active = set(session.scalars(select(Need.code).where(Need.active)))
    for name, allowed in (("needs", active - DERIVED_RULES.keys()),
                          ("not_needed", active & DERIVED_RULES.keys())):
        for i, code in enumerate(getattr(body, name)):
            if code not in allowed:
                errors.append(field_error(f"/{name}/{i}", f"{code!r} is not a need that can "
                                                          f"be chosen here."))


def _window(body: NewRequest, where: Location, errors: list[dict]):
    """The dates given, or the priority's own from today where the person is."""
    today = local_today(where.timezone)
    earliest, latest = arrival_window(body.priority, today)
    earliest = body.earliest or earliest
    latest = body.latest or max(latest, earliest)
    for name, message in window_errors(earliest, latest, today).items():
        errors.append(field_error(f"/{name}", message))
    return body.earliest, body.latest


def details_of(session: Session, body: NewRequest) -> RequestDetails:
    """The request to file; Problem 422 naming every field that is wrong."""
    errors: list[dict] = []
    where = _located(body.where, "/where", errors)
    zones = [(_located(area.where, f"/areas_to_avoid/{i}/where", errors), area.miles)
             for i, area in enumerate(body.areas_to_avoid)]
    people = _people(body, errors)
    _needs(session, body, errors)
    earliest, latest = _window(body, where, errors) if where else (None, None)
    if errors:
        raise Problem(422, "Some fields are not valid; each is named in `errors`.",
                      errors=errors)
    return RequestDetails(
        priority=body.priority, people=people, pets=body.pets,
        service_animal=body.service_animal, accessible=body.accessible, location=where,
        max_miles=body.max_miles, danger_zones=zones, exclude=[], earliest=earliest,
        latest=latest, nights=body.nights, note=None, needs=set(body.needs),
        not_needed=set(body.not_needed), trafficking_type=body.trafficking_type,
        contact_channel=body.contact_channel)
