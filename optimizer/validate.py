"""A solver-agnostic validator: every rule of the spec restated in plain Python.

It imports nothing of the optimizer but the typed Problem and Plan (the data schema): its
distance, costs, rooms, policies and place rules are its own, never the model's
(`rules.py`, `options.py`), so a modelling mistake shows up here instead of reaching both.
Every optimizer test runs it on the plan it gets, and it agrees with the project's
independent checker (`shared/tools/check_plan.py`) on verdict and cost, chains of stays
(spec: Moves) included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .plan import Assignment, Plan
from .problem import FixedStay, Hotel, Place, Problem, Request, Shelter

EARTH_MILES = 3958.8
SLACK = 1e-6  # miles of rounding allowed at distance limits (as in the checker)


def miles(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """Great-circle distance, the checker's formula."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_MILES * math.asin(min(1.0, math.sqrt(h)))


def rooms_needed(persons: int, hotel: Hotel) -> int:
    return math.ceil(persons / hotel.room_capacity)


def fixed_rooms(stay: FixedStay, hotel: Hotel) -> int:
    return rooms_needed(stay.persons, hotel) if stay.rooms is None else stay.rooms


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


def move_units(request: Request, points: int, distance: float) -> int:
    """A later stay of a chain in thousandths: its points, its miles and the move cost, in
    that order, rounded on its own."""
    return round((points / 1000 + 0.1 * distance + request.move_weight) * 1000)


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


@dataclass
class _Taken:
    """What the plan takes on top of the fixed stays, and what it costs."""

    left: dict[str, list[int]]  # free per place and night, minus fixed stays and the plan's
    base: dict[str, list[int]]  # what fixed stays alone leave
    fixed_genders: dict[tuple[str, int], set[str]]
    added: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # the plan's genders
    spent: dict[str, int] = field(default_factory=dict)  # points per program
    seen: set[str] = field(default_factory=set)  # requests placed or listed unplaced
    # Per placed request, its stays: (check-in, nights, place, points, miles).
    stays: dict[str, list[tuple[int, int, str, int, float]]] = field(default_factory=dict)
    units: int = 0

    @classmethod
    def fixed_only(cls, problem: Problem) -> _Taken:
        left, genders = fixed_load(problem)
        return cls(left, {k: list(v) for k, v in left.items()}, genders,
                   spent={p.id: 0 for p in problem.programs})


def validate(problem: Problem, plan: Plan) -> Verdict:
    """Every broken rule of `plan` and its cost; never raises for a well-typed plan."""
    taken = _Taken.fixed_only(problem)
    verdict = Verdict()
    for a in plan.assignments:
        _check_stay(problem, a, taken, verdict.errors)
    for rid, stays in taken.stays.items():
        _check_chain(problem.request_by_id[rid], stays, taken, verdict.errors)
    _check_unplaced(problem, plan, taken, verdict.errors)
    _check_capacity(problem, taken, verdict.errors)
    verdict.units = taken.units
    _check_claims(plan, taken.units / 1000, verdict.errors)
    return verdict


def _check_stay(problem: Problem, a: Assignment, taken: _Taken, errors: list[str]) -> None:
    """One assignment's own rules (a chain's segment obeys every rule on its own); adds what
    it takes to `taken`, and the stay to its request's (`_check_chain` prices them)."""
    H = problem.nights
    where = f"assignment {a.request}->{a.resource}"
    r = problem.request_by_id.get(a.request)
    if r is None:
        errors.append(f"{where}: unknown request")
        return
    taken.seen.add(a.request)
    s, k = a.check_in, a.nights
    if k < 1:
        errors.append(f"{where}: {k} nights, a stay has at least 1")
    if not 0 <= s < H:
        errors.append(f"{where}: check-in {s} outside the horizon of {H} nights")
        return
    place = problem.places.get(a.resource)
    if place is None:
        errors.append(f"{where}: unknown resource")
        return
    errors.extend(f"{where}: {w}" for w in place_refusals(r, place, k))
    inside = range(s, min(H, s + k))
    points = 0
    if isinstance(place, Shelter):
        for n in inside:
            taken.left[place.id][n] -= r.persons
            taken.added.setdefault((place.id, n), set()).add(r.gender)
        if a.rooms or a.points:
            errors.append(f"{where}: a shelter stay takes no rooms and no points")
    else:
        assert isinstance(place, Hotel)
        need = rooms_needed(r.persons, place)
        if a.rooms is not None and a.rooms != need:
            errors.append(f"{where}: {a.rooms} rooms, party needs {need}")
        for n in inside:
            taken.left[place.id][n] -= need
            points += need * place.points[n]
        taken.spent[place.program] += points
        if a.points is not None and a.points != points:
            errors.append(f"{where}: says {a.points} points, costs {points}")
    d = miles(r.lat, r.lon, place.lat, place.lon)
    taken.stays.setdefault(r.id, []).append((s, k, place.id, points, d))


def _check_chain(r: Request, stays: list[tuple[int, int, str, int, float]], taken: _Taken,
                 errors: list[str]) -> None:
    """The rules of a request's whole placement, one stay or a chain (spec: Moves), and its
    cost: the first stay pays the delay, each later one of a chain its move."""
    where = f"request {r.id}"
    stays = sorted(stays, key=lambda x: x[0])
    if len(stays) > r.max_moves + 1:
        errors.append(f"{where}: {len(stays)} stays, at most {r.max_moves + 1} allowed"
                      if r.max_moves else f"{where}: request appears twice")
    if not r.earliest <= stays[0][0] <= r.latest:
        errors.append(f"{where}: check-in {stays[0][0]} outside [{r.earliest}, {r.latest}]")
    total = sum(k for _, k, _, _, _ in stays)
    if total != r.nights:
        errors.append(f"{where}: {total} nights, request needs {r.nights}")
    for (s, k, place, _, _), (s2, _, place2, _, _) in zip(stays, stays[1:], strict=False):
        if s2 != s + k:
            errors.append(f"{where}: the stay at {place2} checks in on night {s2}, the one at "
                          f"{place} ends on night {s + k}")
    if len({place for _, _, place, _, _ in stays}) < len(stays):
        errors.append(f"{where}: uses a place twice" if r.max_moves
                      else f"{where}: placed more than once")
    for j, (s, _, _, points, d) in enumerate(stays):
        if j and r.max_moves:
            taken.units += move_units(r, points, d)
        else:  # a whole stay, or a chain's first (a second one where none is allowed: an error)
            taken.units += cost_units(r, s, points, d)


def _check_unplaced(problem: Problem, plan: Plan, taken: _Taken, errors: list[str]) -> None:
    """The unplaced list, and every request accounted for once (the missing cost U too)."""
    reqs = problem.request_by_id
    for rid in plan.unplaced:
        r = reqs.get(rid)
        if r is None:
            errors.append(f"unplaced {rid}: unknown request")
            continue
        if rid in taken.seen:
            errors.append(f"unplaced {rid}: also placed or listed twice")
        taken.seen.add(rid)
        taken.units += unplaced_units(r)
    for rid, r in reqs.items():
        if rid not in taken.seen:
            errors.append(f"request {rid}: neither placed nor unplaced")
            taken.units += unplaced_units(r)


def _check_capacity(problem: Problem, taken: _Taken, errors: list[str]) -> None:
    """Beds and rooms per night, genders at same_gender shelters, points per program."""
    places = problem.places
    for k, free in taken.left.items():
        unit = "persons" if isinstance(places[k], Shelter) else "rooms"
        for n, v in enumerate(free):
            allowed = min(0, taken.base[k][n])  # fixed stays may overfill; the plan may not add
            if v < allowed:
                errors.append(f"{k} night {n}: {allowed - v} {unit} over what is free")
    for (k, n), gs in sorted(taken.added.items()):
        place = places[k]
        if isinstance(place, Shelter) and place.same_gender:
            mix = gs | taken.fixed_genders.get((k, n), set())
            if len(mix) > 1:
                errors.append(f"{k} night {n}: genders {sorted(mix)} mixed in a same_gender place")
    balance = problem.balance
    for prog, used in taken.spent.items():
        if used > balance[prog]:
            errors.append(f"program {prog}: {used} points > balance {balance[prog]}")


def _check_claims(plan: Plan, cost: float, errors: list[str]) -> None:
    """What the plan says of itself: its cost, bound and status."""
    if plan.cost is not None and abs(plan.cost - cost) > 0.01:
        errors.append(f"plan says cost {plan.cost}, it is {cost}")
    if plan.bound is not None and plan.bound > cost + 0.01:
        errors.append(f"plan says bound {plan.bound}, above its own cost {cost}")
    if plan.status is not None and plan.status not in ("optimal", "feasible"):
        errors.append(f"status {plan.status!r} is neither optimal nor feasible")
    if plan.status == "optimal" and abs((plan.bound or 0) - cost) > 0.01:
        errors.append(f"status optimal, but bound {plan.bound} differs from cost {cost}")
