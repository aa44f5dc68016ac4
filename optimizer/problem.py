"""The placement problem: typed instance data, parsed and checked once at the edge.

`Problem.from_dict` is the primary way in (the app builds dicts or calls the constructors);
`load_problem` is the thin JSON layer. Every check here raises `InstanceError` with one line
naming what is wrong, so the command line can print it without a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "placement-instance/1"
UNPLACED = {"critical": 100000, "high": 10000, "normal": 1000}
DELAY = {"critical": 10000, "high": 1000, "normal": 100}
MOVE = {"critical": 2000, "high": 200, "normal": 20}  # M: each later stay of a chain (Moves)
POLICIES = ("women", "men", "family", "youth", "any")
GENDERS = ("female", "male", "nonbinary")
MAX_NIGHTS = 3660  # the spec's longest horizon


class InstanceError(ValueError):
    """The instance does not follow the spec; the message is one line naming the problem."""


@dataclass(frozen=True)
class Zone:
    lat: float
    lon: float
    miles: float


@dataclass(frozen=True)
class Program:
    id: str
    balance: int


@dataclass(frozen=True)
class Shelter:
    id: str
    lat: float
    lon: float
    beds: tuple[int, ...]  # free beds per night before fixed stays
    policy: str = "any"
    nonbinary: bool = False
    same_gender: bool = False
    pets: bool = False
    accessible: bool = False
    max_stay: int | None = None
    name: str | None = None
    offers: frozenset[str] = frozenset()  # what the place provides (see Request.needs)


@dataclass(frozen=True)
class Hotel:
    id: str
    program: str
    lat: float
    lon: float
    points: tuple[int, ...]  # points per room per night
    rooms: tuple[int, ...]  # rooms the organization may book per night
    room_capacity: int
    pets: bool = False
    accessible: bool = False
    name: str | None = None
    offers: frozenset[str] = frozenset()

    def rooms_for(self, persons: int) -> int:
        """The rooms a party of `persons` takes here (the validator keeps its own copy)."""
        return -(-persons // self.room_capacity)


Place = Shelter | Hotel


@dataclass(frozen=True)
class Request:
    id: str
    adults: int
    children: int
    gender: str
    lat: float
    lon: float
    earliest: int
    latest: int
    nights: int
    priority: str
    pets: int = 0
    service_animal: bool = False
    accessible: bool = False
    max_miles: float | None = None
    avoid: tuple[Zone, ...] = ()
    exclude: frozenset[str] = frozenset()
    unplaced_cost: float | None = None  # None: the priority's default
    delay_cost: float | None = None
    # Strings a place must offer, all of them, to be eligible; compared exactly.
    needs: frozenset[str] = frozenset()
    # Bridge stays (spec: Moves): with max_moves ≥ 1 the request may be placed as a chain of
    # up to max_moves + 1 stays without a gap, each at a place not used before in the chain.
    max_moves: int = 0
    move_cost: float | None = None

    @property
    def persons(self) -> int:
        return self.adults + self.children

    @property
    def unplaced_weight(self) -> float:
        """U: the cost of leaving this request unplaced."""
        return UNPLACED[self.priority] if self.unplaced_cost is None else self.unplaced_cost

    @property
    def delay_weight(self) -> float:
        """D: the cost of each night of delay after `earliest`."""
        return DELAY[self.priority] if self.delay_cost is None else self.delay_cost

    @property
    def move_weight(self) -> float:
        """M: what each later stay of a chain costs on top of its points and miles."""
        return MOVE[self.priority] if self.move_cost is None else self.move_cost

    @property
    def needs_pet_place(self) -> bool:
        return self.pets > 0 and not self.service_animal


@dataclass(frozen=True)
class FixedStay:
    request: str
    resource: str
    check_in: int
    nights: int
    persons: int
    rooms: int | None = None  # hotels: Hotel.rooms_for(persons) when None
    gender: str | None = None


@dataclass(frozen=True)
class Problem:
    start: str  # ISO date of night 0
    nights: int  # the horizon
    requests: tuple[Request, ...]
    programs: tuple[Program, ...] = ()
    shelters: tuple[Shelter, ...] = ()
    hotels: tuple[Hotel, ...] = ()
    fixed: tuple[FixedStay, ...] = ()
    _index: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_problem(self)

    # Look-ups, built once.
    @property
    def places(self) -> dict[str, Place]:
        if "places" not in self._index:
            self._index["places"] = {p.id: p for p in (*self.shelters, *self.hotels)}
        return self._index["places"]

    @property
    def request_by_id(self) -> dict[str, Request]:
        if "requests" not in self._index:
            self._index["requests"] = {r.id: r for r in self.requests}
        return self._index["requests"]

    @property
    def balance(self) -> dict[str, int]:
        return {p.id: p.balance for p in self.programs}

    def night_date(self, night: int) -> dt.date:
        return dt.date.fromisoformat(self.start) + dt.timedelta(days=night)

    @classmethod
    def from_dict(cls, data: Any) -> Problem:
        return _parse(data)

    def to_dict(self) -> dict[str, Any]:
        return _unparse(self)


def fixed_rooms(stay: FixedStay, hotel: Hotel) -> int:
    if stay.rooms is not None:
        return stay.rooms
    return hotel.rooms_for(stay.persons)


def load_problem(path: str | Path) -> Problem:
    """Read an instance file; every failure becomes an InstanceError with one line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InstanceError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InstanceError(f"{path} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InstanceError(f"{path} is not JSON: {e.msg} at line {e.lineno}") from None
    return Problem.from_dict(data)


# --- parsing ---------------------------------------------------------------------------------


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InstanceError(f"{where} must be an object")
    return value


def _need(obj: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    for k in keys:
        if k not in obj:
            raise InstanceError(f"{where}: missing {k}")


def _int(obj: Mapping[str, Any], key: str, where: str, low: int | None = 0) -> int:
    v = obj.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or (low is not None and v < low):
        bound = "" if low is None else f" ≥ {low}"
        raise InstanceError(f"{where}: {key} must be an integer{bound}, got {v!r}")
    return v


def _num(obj: Mapping[str, Any], key: str, where: str, low: float | None = None) -> float:
    v = obj.get(key)
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    if not ok or (low is not None and v < low):
        bound = "" if low is None else f" ≥ {low}"
        raise InstanceError(f"{where}: {key} must be a number{bound}, got {v!r}")
    return v


def _bool(obj: Mapping[str, Any], key: str, where: str) -> bool:
    v = obj.get(key, False)
    if not isinstance(v, bool):
        raise InstanceError(f"{where}: {key} must be true or false, got {v!r}")
    return v


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    v = obj.get(key)
    if not isinstance(v, str) or not v:
        raise InstanceError(f"{where}: {key} must be a non-empty string, got {v!r}")
    return v


def _strings(obj: Mapping[str, Any], key: str, where: str) -> frozenset[str]:
    v = obj.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise InstanceError(f"{where}: {key} must be a list of strings, got {v!r}")
    return frozenset(v)


def _nightly(obj: Mapping[str, Any], key: str, where: str, horizon: int) -> tuple[int, ...]:
    v = obj.get(key)
    values = v if isinstance(v, list) else [v] * horizon
    if len(values) != horizon:
        raise InstanceError(
            f"{where}: {key} has {len(values)} nightly entries, the horizon has {horizon}"
        )
    for x in values:
        if isinstance(x, bool) or not isinstance(x, int) or x < 0:
            raise InstanceError(f"{where}: {key} must be non-negative integers, got {x!r}")
    return tuple(values)


def _parse(data: Any) -> Problem:
    top = _obj(data, "the instance")
    if top.get("format") != FORMAT:
        raise InstanceError(f"format must be {FORMAT!r}, got {top.get('format')!r}")
    start, horizon = _parse_horizon(top)
    for key in ("requests", "programs", "shelters", "hotels", "fixed"):
        if key in top and not isinstance(top[key], list):
            raise InstanceError(f"{key} must be a list")
    if "requests" not in top:
        raise InstanceError("missing requests")
    programs = [_parse_program(p) for p in top.get("programs", [])]
    shelters = [_parse_shelter(s, horizon) for s in top.get("shelters", [])]
    hotels = [_parse_hotel(h, horizon) for h in top.get("hotels", [])]
    requests = [_parse_request(r) for r in top["requests"]]
    fixed = [_parse_fixed(f) for f in top.get("fixed", [])]
    return Problem(start=start, nights=horizon, requests=tuple(requests),
                   programs=tuple(programs), shelters=tuple(shelters), hotels=tuple(hotels),
                   fixed=tuple(fixed))


def _parse_horizon(top: Mapping[str, Any]) -> tuple[str, int]:
    hz = _obj(top.get("horizon"), "horizon")
    _need(hz, ("start", "nights"), "horizon")
    start = hz["start"]
    try:
        dt.date.fromisoformat(start)
    except (TypeError, ValueError):
        raise InstanceError(f"horizon: start must be an ISO date, got {start!r}") from None
    horizon = _int(hz, "nights", "horizon", 1)
    if horizon > MAX_NIGHTS:  # before any nightly list is expanded to that length
        raise InstanceError(f"horizon: nights must be at most {MAX_NIGHTS}, got {horizon}")
    return start, horizon


def _parse_program(data: Any) -> Program:
    p = _obj(data, "a program")
    _need(p, ("id", "balance"), f"program {p.get('id')}")
    pid = _str(p, "id", "a program")
    return Program(pid, _int(p, "balance", f"program {pid}"))


def _parse_shelter(data: Any, horizon: int) -> Shelter:
    s = _obj(data, "a shelter")
    where = f"shelter {s.get('id')}"
    _need(s, ("id", "lat", "lon", "beds"), where)
    policy = s.get("policy", "any")
    if policy not in POLICIES:
        raise InstanceError(f"{where}: unknown policy {policy!r}")
    max_stay = _int(s, "max_stay", where, 1) if "max_stay" in s else None
    return Shelter(
        id=_str(s, "id", where), lat=_num(s, "lat", where), lon=_num(s, "lon", where),
        beds=_nightly(s, "beds", where, horizon), policy=policy,
        nonbinary=_bool(s, "nonbinary", where),
        same_gender=_bool(s, "same_gender", where), pets=_bool(s, "pets", where),
        accessible=_bool(s, "accessible", where), max_stay=max_stay,
        name=s.get("name") if isinstance(s.get("name"), str) else None,
        offers=_strings(s, "offers", where),
    )


def _parse_hotel(data: Any, horizon: int) -> Hotel:
    h = _obj(data, "a hotel")
    where = f"hotel {h.get('id')}"
    _need(h, ("id", "program", "lat", "lon", "points", "rooms", "room_capacity"), where)
    return Hotel(
        id=_str(h, "id", where), program=_str(h, "program", where),
        lat=_num(h, "lat", where), lon=_num(h, "lon", where),
        points=_nightly(h, "points", where, horizon),
        rooms=_nightly(h, "rooms", where, horizon),
        room_capacity=_int(h, "room_capacity", where, 1),
        pets=_bool(h, "pets", where), accessible=_bool(h, "accessible", where),
        name=h.get("name") if isinstance(h.get("name"), str) else None,
        offers=_strings(h, "offers", where),
    )


def _parse_request(data: Any) -> Request:
    r = _obj(data, "a request")
    where = f"request {r.get('id')}"
    _need(r, ("id", "adults", "children", "gender", "lat", "lon", "earliest", "latest",
              "nights", "priority"), where)
    zones = r.get("avoid", [])
    if not isinstance(zones, list):
        raise InstanceError(f"{where}: avoid must be a list")
    avoid = [_parse_zone(z, where) for z in zones]
    exclude = r.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise InstanceError(f"{where}: exclude must be a list of place ids")
    return Request(
        id=_str(r, "id", where), adults=_int(r, "adults", where),
        children=_int(r, "children", where), gender=r["gender"],
        lat=_num(r, "lat", where), lon=_num(r, "lon", where),
        earliest=_int(r, "earliest", where), latest=_int(r, "latest", where),
        nights=_int(r, "nights", where, 1), priority=r["priority"],
        pets=_int(r, "pets", where) if "pets" in r else 0,
        service_animal=_bool(r, "service_animal", where),
        accessible=_bool(r, "accessible", where),
        max_miles=_num(r, "max_miles", where, 0) if "max_miles" in r else None,
        avoid=tuple(avoid), exclude=frozenset(exclude),
        unplaced_cost=(_num(r, "unplaced_cost", where, 0)
                       if "unplaced_cost" in r else None),
        delay_cost=_num(r, "delay_cost", where, 0) if "delay_cost" in r else None,
        needs=_strings(r, "needs", where),
        max_moves=_int(r, "max_moves", where) if "max_moves" in r else 0,
        move_cost=_num(r, "move_cost", where, 0) if "move_cost" in r else None,
    )


def _parse_zone(data: Any, where: str) -> Zone:
    z = _obj(data, f"{where}: a danger zone")
    return Zone(_num(z, "lat", f"{where}: danger zone"), _num(z, "lon", f"{where}: danger zone"),
                _num(z, "miles", f"{where}: danger zone", 0))


def _parse_fixed(data: Any) -> FixedStay:
    f = _obj(data, "a fixed stay")
    where = f"fixed stay {f.get('request')}"
    _need(f, ("request", "resource", "check_in", "nights", "persons"), where)
    return FixedStay(
        request=str(f["request"]), resource=_str(f, "resource", where),
        check_in=_int(f, "check_in", where, None), nights=_int(f, "nights", where, 1),
        persons=_int(f, "persons", where, 1),
        rooms=_int(f, "rooms", where) if "rooms" in f else None,
        gender=f.get("gender"),
    )


def check_problem(p: Problem) -> None:
    """The rules that tie fields together; also guards Problems built in memory."""
    if not 1 <= p.nights <= MAX_NIGHTS:
        raise InstanceError(f"horizon: nights must be from 1 to {MAX_NIGHTS}, got {p.nights}")
    programs = set()
    for prog in p.programs:
        if prog.id in programs:
            raise InstanceError(f"program {prog.id}: id used twice")
        if prog.balance < 0:
            raise InstanceError(f"program {prog.id}: balance must be ≥ 0, got {prog.balance}")
        programs.add(prog.id)
    places: dict[str, Place] = {}
    for s in (*p.shelters, *p.hotels):
        kind = "shelter" if isinstance(s, Shelter) else "hotel"
        if s.id in places:
            raise InstanceError(f"{kind} {s.id}: id used twice")
        places[s.id] = s
        _check_place(s, kind, programs, p.nights)
    ids = set()
    for r in p.requests:
        if r.id in ids:
            raise InstanceError(f"request {r.id}: id used twice")
        ids.add(r.id)
        _check_request(r, p.nights)
    for f in p.fixed:
        _check_fixed(f, places, ids)


def _check_place(s: Place, kind: str, programs: set[str], horizon: int) -> None:
    _check_strings(s.offers, f"{kind} {s.id}: offers")
    if isinstance(s, Shelter):
        _check_nightly(s.beds, f"shelter {s.id}: beds", horizon)
        return
    _check_nightly(s.rooms, f"hotel {s.id}: rooms", horizon)
    _check_nightly(s.points, f"hotel {s.id}: points", horizon)
    if s.program not in programs:
        raise InstanceError(f"hotel {s.id}: unknown program {s.program!r}")
    if s.room_capacity < 1:
        raise InstanceError(f"hotel {s.id}: room_capacity must be ≥ 1")


def _check_request(r: Request, horizon: int) -> None:
    where = f"request {r.id}"
    for name in ("adults", "children", "pets"):
        if getattr(r, name) < 0:
            raise InstanceError(f"{where}: {name} must be ≥ 0, got {getattr(r, name)}")
    if r.persons < 1:
        raise InstanceError(f"{where}: a party needs at least one person")
    _check_strings(r.needs, f"{where}: needs")
    if r.max_moves < 0:
        raise InstanceError(f"{where}: max_moves must be ≥ 0, got {r.max_moves}")
    if r.nights < 1:
        raise InstanceError(f"{where}: nights must be ≥ 1, got {r.nights}")
    if r.gender not in GENDERS:
        raise InstanceError(f"{where}: gender must be one of {', '.join(GENDERS)}, "
                            f"got {r.gender!r}")
    if r.priority not in UNPLACED:
        raise InstanceError(f"{where}: priority must be one of critical, high, normal, "
                            f"got {r.priority!r}")
    if not 0 <= r.earliest <= r.latest < horizon:
        raise InstanceError(f"{where}: check-in window [{r.earliest}, {r.latest}] is outside "
                            f"the horizon (need 0 ≤ earliest ≤ latest < {horizon})")


def _check_fixed(f: FixedStay, places: dict[str, Place], ids: set[str]) -> None:
    where = f"fixed stay {f.request}"
    if f.resource not in places:
        raise InstanceError(f"{where}: unknown resource {f.resource!r}")
    if f.request in ids:
        raise InstanceError(f"{where}: its id is also a pending request's id")
    if f.nights < 1 or f.persons < 1:
        raise InstanceError(f"{where}: nights and persons must be ≥ 1")
    place = places[f.resource]
    if isinstance(place, Shelter) and place.same_gender and f.gender not in GENDERS:
        raise InstanceError(f"{where}: gender required at same_gender shelter {f.resource}")
    if f.gender is not None and f.gender not in GENDERS:
        raise InstanceError(f"{where}: gender must be one of {', '.join(GENDERS)}")


def _check_strings(values: frozenset[str], where: str) -> None:
    """Needs and offers are sets of strings (a bare string would be a set of letters)."""
    if not isinstance(values, frozenset) or not all(isinstance(x, str) for x in values):
        raise InstanceError(f"{where} must be a frozenset of strings, got {values!r}")


def _check_nightly(values: tuple[int, ...], where: str, horizon: int) -> None:
    if len(values) != horizon:
        raise InstanceError(f"{where} has {len(values)} nightly entries, the horizon has "
                            f"{horizon}")
    if any(v < 0 for v in values):
        raise InstanceError(f"{where} must be non-negative")


def _unparse(p: Problem) -> dict[str, Any]:
    def opt(d: dict[str, Any], **kw: Any) -> dict[str, Any]:
        d.update({k: v for k, v in kw.items() if v is not None})
        return d

    return {
        "format": FORMAT,
        "horizon": {"start": p.start, "nights": p.nights},
        "programs": [{"id": g.id, "balance": g.balance} for g in p.programs],
        "shelters": [
            opt({"id": s.id, "lat": s.lat, "lon": s.lon, "beds": list(s.beds),
                 "policy": s.policy, "nonbinary": s.nonbinary, "same_gender": s.same_gender,
                 "pets": s.pets, "accessible": s.accessible, "offers": sorted(s.offers)},
                max_stay=s.max_stay, name=s.name)
            for s in p.shelters
        ],
        "hotels": [
            opt({"id": h.id, "program": h.program, "lat": h.lat, "lon": h.lon,
                 "points": list(h.points), "rooms": list(h.rooms),
                 "room_capacity": h.room_capacity, "pets": h.pets, "accessible": h.accessible,
                 "offers": sorted(h.offers)},
                name=h.name)
            for h in p.hotels
        ],
        "requests": [
            opt({"id": r.id, "adults": r.adults, "children": r.children, "gender": r.gender,
                 "pets": r.pets, "service_animal": r.service_animal, "accessible": r.accessible,
                 "lat": r.lat, "lon": r.lon,
                 "avoid": [{"lat": z.lat, "lon": z.lon, "miles": z.miles} for z in r.avoid],
                 "earliest": r.earliest, "latest": r.latest, "nights": r.nights,
                 "priority": r.priority, "exclude": sorted(r.exclude), "needs": sorted(r.needs)},
                max_miles=r.max_miles, unplaced_cost=r.unplaced_cost, delay_cost=r.delay_cost,
                max_moves=r.max_moves or None, move_cost=r.move_cost)
            for r in p.requests
        ],
        "fixed": [
            opt({"request": f.request, "resource": f.resource, "check_in": f.check_in,
                 "nights": f.nights, "persons": f.persons}, rooms=f.rooms, gender=f.gender)
            for f in p.fixed
        ],
    }
