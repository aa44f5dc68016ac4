"""The spec's rules as the model applies them: costs in thousandths, the places' policies and
static rules, and what fixed stays leave free.

Everything that builds options, plans or explanations uses these. The validator
(`validate.py`) restates every rule on its own and imports none of this, so a mistake here
shows up there (`tests/optimizer/test_opt_validator.py` holds the two costs together).
"""

from __future__ import annotations

from .geo import SLACK, miles
from .problem import Place, Problem, Request, Shelter, fixed_rooms


def stay_units(delay_weight: float, delay: int, points: int, distance: float) -> int:
    """A stay's cost in thousandths, rounded exactly as the spec says: `delay_weight` per
    night of `delay` after the earliest check-in, a unit per thousand points, 0.1 a mile.

    Plain numbers, not the request: it runs once per option (600,000 on national-1).
    """
    return round((delay_weight * delay + points / 1000 + 0.1 * distance) * 1000)


def move_units(points: int, distance: float, move_weight: float) -> int:
    """A later stay of a chain (spec: Moves) in thousandths: its points, its miles and the
    move, "evaluated in that order" and rounded on its own."""
    return round((points / 1000 + 0.1 * distance + move_weight) * 1000)


def unplaced_units(request: Request) -> int:
    """What leaving the request unplaced costs, in thousandths."""
    return round(request.unplaced_weight * 1000)


def policy_refusal(shelter: Shelter, r: Request) -> str | None:
    """Why a shelter's policy refuses this party, or None."""
    if r.adults == 0:
        if shelter.policy == "youth":
            return None
        return "a party with no adult goes only to a youth shelter"
    nb_ok = shelter.nonbinary and r.gender == "nonbinary"
    if shelter.policy == "women" and not (r.gender == "female" or nb_ok):
        return "the shelter takes women only"
    if shelter.policy == "men" and not (r.gender == "male" or nb_ok):
        return "the shelter takes men only"
    if shelter.policy == "family" and r.children < 1:
        return "the shelter takes families with children only"
    if shelter.policy == "youth":
        return "the shelter takes unaccompanied minors only"
    return None


def missing_needs(r: Request, place: Place) -> str:
    """The request's needs that the place does not offer, each by its raw string in quotes
    ("'lang:es' or 'no-id'"); the caller turns them into labels."""
    return " or ".join(f"'{x}'" for x in sorted(r.needs - place.offers))


def place_refusals(r: Request, place: Place, nights: int | None = None) -> list[str]:
    """Every static rule (not capacity, points or genders) that keeps `r` out of `place`.

    `nights` is the stay's length for `max_stay` (the request's own by default).
    """
    nights = r.nights if nights is None else nights
    out = []
    if place.id in r.exclude:
        out.append("the request excludes this place")
    if r.needs_pet_place and not place.pets:
        out.append("pets are not admitted")
    if r.accessible and not place.accessible:
        out.append("the place is not accessible")
    if r.needs and not r.needs <= place.offers:
        out.append("the place does not offer " + missing_needs(r, place))
    d = miles(r.lat, r.lon, place.lat, place.lon)
    if r.max_miles is not None and d > r.max_miles + SLACK:
        out.append(f"it is {d:.1f} miles away, more than the {r.max_miles:g} allowed")
    for z in r.avoid:
        if miles(z.lat, z.lon, place.lat, place.lon) <= z.miles - SLACK:
            out.append(f"it lies inside a danger zone of {z.miles:g} miles")
    if isinstance(place, Shelter):
        why = policy_refusal(place, r)
        if why:
            out.append(why)
        if place.max_stay is not None and nights > place.max_stay:
            out.append(f"{nights} nights exceed the shelter's maximum stay of {place.max_stay}")
    elif r.adults == 0:
        out.append("a party with no adult goes only to a youth shelter")
    return out


def fixed_load(problem: Problem) -> tuple[dict[str, list[int]], dict[tuple[str, int], set[str]]]:
    """What fixed stays leave free per place and night (below 0 where they overfill), and
    their genders at same_gender places."""
    H = problem.nights
    free = {s.id: list(s.beds) for s in problem.shelters}
    free.update({h.id: list(h.rooms) for h in problem.hotels})
    genders: dict[tuple[str, int], set[str]] = {}
    for f in problem.fixed:
        place = problem.places[f.resource]
        for n in range(max(0, f.check_in), min(H, f.check_in + f.nights)):
            if isinstance(place, Shelter):
                free[f.resource][n] -= f.persons
                if place.same_gender and f.gender is not None:
                    genders.setdefault((f.resource, n), set()).add(f.gender)
            else:
                free[f.resource][n] -= fixed_rooms(f, place)
    return free, genders
