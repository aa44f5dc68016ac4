"""Availability as aggregates by area (a state) and night: shelter beds and hotel rooms
free, derived as everywhere else (partners/availability: capacity - out of service - taken
outside - held), never a place's own figures.

A figure is shown only over at least AVAILABILITY_MIN_PLACES places of its kind: a state
with fewer is merged with the other such states into `other`, and when even those are too
few the figure is withheld. So no single shelter's beds, and no confidential shelter's
existence in a state, can be read from the answer.
"""

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from partners.availability import nights_for_hotels, nights_for_shelters
from partners.places import Hotel, Shelter

OTHER = "other"


def _grouped(places, minimum: int) -> dict[str, list]:
    """Places by area: a state with enough of them is its own area, the rest go to OTHER
    (itself shown only when it has enough)."""
    by_state: dict[str, list] = defaultdict(list)
    for place in places:
        by_state[place.state].append(place)
    areas = {state: group for state, group in by_state.items() if len(group) >= minimum}
    merged = [p for state, group in by_state.items() if state not in areas for p in group]
    if merged:
        areas[OTHER] = merged
    return areas


def _free(groups: dict[str, list], free_by_place: dict[int, list], minimum: int,
          nights: list[date]) -> dict[str, tuple[int | None, list[int | None]]]:
    """Per area: how many places, and the free beds or rooms of each night (None:
    withheld, too few places)."""
    figures = {}
    for area, places in groups.items():
        if len(places) < minimum:
            figures[area] = (None, [None] * len(nights))
            continue
        totals = [sum(free_by_place[p.id][i].free for p in places) for i in range(len(nights))]
        figures[area] = (len(places), totals)
    return figures


def aggregates(session: Session, first: date, count: int, minimum: int) -> list[dict]:
    last = first + timedelta(days=count - 1)
    nights = [first + timedelta(days=i) for i in range(count)]
    shelters = session.scalars(select(Shelter).where(Shelter.active).order_by(Shelter.id)).all()
    hotels = session.scalars(select(Hotel).where(Hotel.active).order_by(Hotel.id)).all()
    beds = _free(_grouped(shelters, minimum), nights_for_shelters(session, shelters, first, last),
                 minimum, nights)
    rooms = _free(_grouped(hotels, minimum), nights_for_hotels(session, hotels, first, last),
                  minimum, nights)
    # A kind a state has too few of (none, or some merged into `other`) reads None there:
    # telling none from a few would say that a state has a shelter.
    withheld = (None, [None] * count)
    areas = sorted(set(beds) | set(rooms), key=lambda a: (a == OTHER, a))
    return [{
        "area": area,
        "shelters": beds.get(area, withheld)[0],
        "hotels": rooms.get(area, withheld)[0],
        "nights": [{"night": night.isoformat(),
                    "shelter_beds_free": beds.get(area, withheld)[1][i],
                    "hotel_rooms_free": rooms.get(area, withheld)[1][i]}
                   for i, night in enumerate(nights)],
    } for area in areas]
