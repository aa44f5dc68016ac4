"""A solver-agnostic validator: every rule of the spec restated in plain Python.

It shares nothing with the model but the typed Problem and Plan, so a modelling mistake shows
up here. Every optimizer test runs it on the plan it gets, and it agrees with the project's
independent checker (`shared/tools/check_plan.py`) on verdict and cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .geo import SLACK, miles
from .plan import Plan
from .problem import Hotel, Place, Problem, Request, Shelter, fixed_rooms


@dataclass
class Verdict:
    errors: list[str] = field(default_factory=list)
    units: int = 0  # the cost in thousandths

    @property
    def feasible(self) -> bool:
        return not self.errors

    @property
    def cost(self) -> float:
        return self.units / 1000


def cost_units(request: Request, check_in: int, points: int, distance: float) -> int:
    """One placed request's cost in thousandths, rounded exactly as the spec says."""
    term = request.delay_weight * (check_in - request.earliest) + points / 1000 + 0.1 * distance
    return round(term * 1000)


def unplaced_units(request: Request) -> int:
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
    """What fixed stays leave free per place and night, and their genders at same_gender places."""
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


def validate(problem: Problem, plan: Plan) -> Verdict:
    """Every broken rule of `plan` and its cost; never raises for a well-typed plan."""
    H = problem.nights
    reqs = problem.request_by_id
    places = problem.places
    left, fixed_genders = fixed_load(problem)
    base = {k: list(v) for k, v in left.items()}
    added: dict[tuple[str, int], set[str]] = {}
    spent = {p.id: 0 for p in problem.programs}
    verdict = Verdict()
    errors = verdict.errors
    seen: set[str] = set()
    units = 0

    for a in plan.assignments:
        where = f"assignment {a.request}->{a.resource}"
        r = reqs.get(a.request)
        if r is None:
            errors.append(f"{where}: unknown request")
            continue
        if a.request in seen:
            errors.append(f"{where}: request appears twice")
        seen.add(a.request)
        s, k = a.check_in, a.nights
        if k != r.nights:
            errors.append(f"{where}: {k} nights, request needs {r.nights}")
        if not r.earliest <= s <= r.latest:
            errors.append(f"{where}: check-in {s} outside [{r.earliest}, {r.latest}]")
        if not 0 <= s < H:
            errors.append(f"{where}: check-in {s} outside the horizon of {H} nights")
            continue
        place = places.get(a.resource)
        if place is None:
            errors.append(f"{where}: unknown resource")
            continue
        errors.extend(f"{where}: {w}" for w in place_refusals(r, place, k))
        inside = range(s, min(H, s + k))
        distance = miles(r.lat, r.lon, place.lat, place.lon)
        points = 0
        if isinstance(place, Shelter):
            for n in inside:
                left[place.id][n] -= r.persons
                added.setdefault((place.id, n), set()).add(r.gender)
            if a.rooms or a.points:
                errors.append(f"{where}: a shelter stay takes no rooms and no points")
        else:
            assert isinstance(place, Hotel)
            need = math.ceil(r.persons / place.room_capacity)
            if a.rooms is not None and a.rooms != need:
                errors.append(f"{where}: {a.rooms} rooms, party needs {need}")
            for n in inside:
                left[place.id][n] -= need
                points += need * place.points[n]
            spent[place.program] += points
            if a.points is not None and a.points != points:
                errors.append(f"{where}: says {a.points} points, costs {points}")
        units += cost_units(r, s, points, distance)

    for rid in plan.unplaced:
        r = reqs.get(rid)
        if r is None:
            errors.append(f"unplaced {rid}: unknown request")
            continue
        if rid in seen:
            errors.append(f"unplaced {rid}: also placed or listed twice")
        seen.add(rid)
        units += unplaced_units(r)
    for rid, r in reqs.items():
        if rid not in seen:
            errors.append(f"request {rid}: neither placed nor unplaced")
            units += unplaced_units(r)

    for k, free in left.items():
        unit = "persons" if isinstance(places[k], Shelter) else "rooms"
        for n, v in enumerate(free):
            allowed = min(0, base[k][n])  # fixed stays may overfill; the plan may not add
            if v < allowed:
                errors.append(f"{k} night {n}: {allowed - v} {unit} over what is free")
    for (k, n), gs in sorted(added.items()):
        place = places[k]
        if isinstance(place, Shelter) and place.same_gender:
            mix = gs | fixed_genders.get((k, n), set())
            if len(mix) > 1:
                errors.append(f"{k} night {n}: genders {sorted(mix)} mixed in a same_gender place")
    for prog, used in spent.items():
        if used > problem.balance[prog]:
            errors.append(f"program {prog}: {used} points > balance {problem.balance[prog]}")

    verdict.units = units
    cost = units / 1000
    if plan.cost is not None and abs(plan.cost - cost) > 0.01:
        errors.append(f"plan says cost {plan.cost}, it is {cost}")
    if plan.bound is not None and plan.bound > cost + 0.01:
        errors.append(f"plan says bound {plan.bound}, above its own cost {cost}")
    if plan.status is not None and plan.status not in ("optimal", "feasible"):
        errors.append(f"status {plan.status!r} is neither optimal nor feasible")
    if plan.status == "optimal" and abs((plan.bound or 0) - cost) > 0.01:
        errors.append(f"status optimal, but bound {plan.bound} differs from cost {cost}")
    return verdict
