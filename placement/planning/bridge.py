"""The one place that translates between database rows and the optimizer: rows become a
`Problem`, a `Plan` becomes proposed bookings, open proposals become the solver's hint, a
proposal is compared with an assignment, a stay is checked against one place's rules, and
a stored problem loses a purged request's details. Places are named by
placement/places/keys.py."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from optimizer.api import check_stay
from optimizer.plan import Assignment, Plan
from optimizer.problem import FixedStay, InstanceError, Problem, Program, Request, Zone
from optimizer.problem import Hotel as OptHotel
from optimizer.problem import Shelter as OptShelter
from partners.availability import nights_for_hotels, nights_for_shelters
from partners.ledger import available_points
from partners.needs import HOTEL, SHELTER, implied_offers
from partners.places import Hotel, Shelter
from partners.points import LoyaltyProgram

from ..bookings.chains import live_stays
from ..bookings.models import Booking
from ..bookings.service import add_proposal
from ..bookings.states import HOLDING, PLACING, BookingState
from ..places.keys import hotel_key, parse_resource, place_of, ref_of, shelter_key
from ..places.offers import need_labels
from ..requests.models import MAX_HORIZON_NIGHTS, HousingRequest, RequestStatus, move_defaults
from ..requests.outcomes import PROPOSED, planner_reason

REASON_LENGTH = 500  # HousingRequest.unplaced_reason

log = logging.getLogger(__name__)


def request_key(request_id: int) -> str:
    return f"R{request_id}"


@dataclass(frozen=True)
class Rest:
    """The rest of a placed request's stay, planned again after its later place said no:
    the nights from `start`, as the next stay of the chain that `lead_id` names, at none of
    the chain's places (`used`)."""

    start: date
    nights: int
    lead_id: int
    segment: int
    used: frozenset[str]


@dataclass
class Snapshot:
    """A problem and what its ids mean."""

    problem: Problem
    start: date
    requests: dict[str, int] = field(default_factory=dict)  # "R12" -> request id
    skipped: dict[int, str] = field(default_factory=dict)  # request id -> why not planned
    rests: dict[str, Rest] = field(default_factory=dict)  # "R12" -> the chain it goes on

    def night(self, day: date) -> int:
        return (day - self.start).days

    def day(self, night: int) -> date:
        return self.start + timedelta(days=night)


@dataclass(frozen=True)
class Wanted:
    """What the planner is asked for a request: its arrival window, nights and moves (the
    request's own, or for the rest of a stay the move day and the nights left)."""

    earliest: date
    latest: date
    nights: int
    max_moves: int
    rest: Rest | None = None


def wanted(r: HousingRequest, moves: dict[str, int], rest: Rest | None = None) -> Wanted:
    if rest is not None:  # one stay from the move day on: a move of its own, not a chain
        return Wanted(rest.start, rest.start, rest.nights, 0, rest)
    return Wanted(r.earliest, r.latest, r.nights, r.max_moves(moves))


def optimizer_request(r: HousingRequest, key: str, earliest: int, latest: int, nights: int,
                      at: tuple[float, float] | None = None, max_moves: int = 0) -> Request:
    """A request as the optimizer sees it, its nights counted from the problem's start."""
    lat, lon = at or (r.lat, r.lon)
    return Request(
        id=key, adults=r.adults, children=r.children, gender=r.gender.value, lat=lat, lon=lon,
        earliest=earliest, latest=latest, nights=nights, priority=r.priority.value,
        pets=r.pets, service_animal=r.service_animal, accessible=r.accessible,
        max_miles=float(r.max_miles) if r.max_miles else None,
        avoid=tuple(Zone(z.lat, z.lon, float(z.miles)) for z in r.danger_zones),
        # The advocate's exclusions and the coordinators' standing rejections alike.
        exclude=frozenset(
            place_of(x).resource for x in [*r.exclusions, *(j for j in r.rejections if j.active)]
        ),
        needs=frozenset(n.code for n in r.needs), max_moves=max_moves,
    )


def optimizer_shelter(s: Shelter, beds: tuple[int, ...], implied: frozenset[str],
                      key: str | None = None) -> OptShelter:
    """A shelter as the optimizer sees it, with these beds a night; `implied` are the needs
    that do not apply to shelters (see `implied_offers`), met by every one. The one builder
    of shelters, for the planner and the rule check alike."""
    return OptShelter(
        id=key or shelter_key(s.id), lat=s.lat, lon=s.lon, name=s.name, beds=beds,
        policy=s.policy.value, nonbinary=s.accepts_nonbinary, same_gender=s.same_gender,
        pets=s.pets, accessible=s.accessible, max_stay=s.max_stay,
        offers=frozenset(n.code for n in s.offers) | implied,
    )


def optimizer_hotel(h: Hotel, program: str, points: tuple[int, ...], rooms: tuple[int, ...],
                    implied: frozenset[str], key: str | None = None) -> OptHotel:
    """A hotel as the optimizer sees it (see `optimizer_shelter`)."""
    return OptHotel(
        id=key or hotel_key(h.id), program=program, lat=h.lat, lon=h.lon, name=h.name,
        points=points, rooms=rooms, room_capacity=h.room_capacity, pets=h.pets,
        accessible=h.accessible, offers=frozenset(n.code for n in h.offers) | implied,
    )


def _with_rules(query):
    return query.options(selectinload(HousingRequest.danger_zones),
                         selectinload(HousingRequest.exclusions),
                         selectinload(HousingRequest.rejections),
                         selectinload(HousingRequest.needs)).order_by(HousingRequest.id)


def pending_requests(session: Session) -> list[HousingRequest]:
    placed = select(Booking.request_id).where(Booking.state.in_(PLACING))
    return list(session.scalars(_with_rules(select(HousingRequest).where(
        HousingRequest.status == RequestStatus.PENDING, HousingRequest.id.not_in(placed)))))


def rests(session: Session) -> dict[int, tuple[HousingRequest, Rest]]:
    """Placed requests whose rest of a stay needs a place again, each with its `Rest`."""
    out = {}
    for r in session.scalars(_with_rules(select(HousingRequest).where(
            HousingRequest.status == RequestStatus.PLACED,
            HousingRequest.rest_from.is_not(None)))):
        live = live_stays(session, r.id)
        if live:
            out[r.id] = (r, Rest(r.rest_from, r.rest_nights, live[0].id, live[-1].segment + 1,
                                 frozenset(place_of(b).resource for b in live)))
    return out


def moves_by_priority() -> dict[str, int]:
    """The coordinators' default moves per priority (none outside the app)."""
    return move_defaults(current_app.config) if has_app_context() else {}


def build_problem(session: Session, today: date,
                  requests: list[HousingRequest] | None = None,
                  moves: dict[str, int] | None = None) -> Snapshot:
    """Pending requests (and the rests of stays to plan again: `rests`) against every
    active place, from `today` on. A request may move as `HousingRequest.max_moves` says,
    with `moves` (default: the app's settings) the default per priority.

    Shelter beds are the beds free before this app's approved stays; those stays go in
    `fixed`, so the optimizer sees them and never moves them. Program balances are the
    points available now, net of held points.

    Each request is checked on its own (`unplannable`, then `refusal`): one the optimizer
    cannot express is left out with its reason in `skipped`, and the others are planned.
    """
    moves = moves_by_priority() if moves is None else moves
    rested = rests(session) if requests is None else {}
    requests = pending_requests(session) if requests is None else requests
    wants = {r.id: wanted(r, moves) for r in requests}
    wants.update({r.id: wanted(r, moves, rest) for r, rest in rested.values()})
    requests = [*requests, *(r for r, _rest in rested.values())]
    skipped: dict[int, str] = {}
    usable = []
    for r in requests:
        why = unplannable(r, today, wants[r.id])
        if why is None:
            usable.append(r)
        else:
            skipped[r.id] = why
    # Nights counted from today; the window is cut at the horizon (no date arithmetic, so
    # nothing overflows however far a date lies).
    last_check_in = {r.id: min((wants[r.id].latest - today).days, MAX_HORIZON_NIGHTS - 1)
                     for r in usable}
    horizon = min(max([1] + [last_check_in[r.id] + wants[r.id].nights for r in usable]),
                  MAX_HORIZON_NIGHTS)
    end = today + timedelta(days=horizon - 1)

    snapshot_requests = {}
    snapshot_rests = {}
    problem_requests = []
    for r in usable:
        key, want = request_key(r.id), wants[r.id]
        try:
            opt_request = optimizer_request(
                r, key, earliest=max((want.earliest - today).days, 0),
                latest=min(last_check_in[r.id], horizon - 1), nights=want.nights,
                max_moves=want.max_moves,
            )
            if want.rest is not None:
                opt_request = replace(opt_request, exclude=opt_request.exclude | want.rest.used)
                snapshot_rests[key] = want.rest
            why = refusal(opt_request, today, horizon)
        except (ArithmeticError, TypeError, ValueError) as error:  # a kind not foreseen
            log.warning("request %s cannot be planned: %s", r.id, type(error).__name__)
            why = f"the planner cannot read it ({type(error).__name__})"
        if why is not None:
            skipped[r.id] = why
            continue
        snapshot_requests[key] = r.id
        problem_requests.append(opt_request)
    holding = list(session.scalars(
        select(Booking).where(Booking.state.in_(HOLDING)).options(selectinload(Booking.request))
    ))

    shelters = list(session.scalars(
        select(Shelter).where(Shelter.active).order_by(Shelter.id)
        .options(selectinload(Shelter.offers))
    ))
    hotels = list(session.scalars(
        select(Hotel).where(Hotel.active).order_by(Hotel.id)
        .options(selectinload(Hotel.offers), selectinload(Hotel.program))
    ))
    implied = implied_offers(session)
    shelter_nights = nights_for_shelters(session, shelters, today, end)
    hotel_nights = nights_for_hotels(session, hotels, today, end)
    programs = list(session.scalars(select(LoyaltyProgram).order_by(LoyaltyProgram.id)))

    problem = Problem(
        start=today.isoformat(), nights=horizon, requests=tuple(problem_requests),
        programs=tuple(
            Program(id=p.code, balance=available_points(session, p.id, today)) for p in programs
        ),
        shelters=tuple(
            optimizer_shelter(
                s, beds=tuple(max(n.capacity - n.out_of_service - n.taken_outside, 0)
                              for n in shelter_nights[s.id]),
                implied=implied[SHELTER],
            ) for s in shelters
        ),
        hotels=tuple(
            optimizer_hotel(
                h, program=h.program.code, points=tuple(n.points for n in hotel_nights[h.id]),
                rooms=tuple(n.rooms for n in hotel_nights[h.id]), implied=implied[HOTEL],
            ) for h in hotels
        ),
        fixed=tuple(
            FixedStay(
                request=f"B{b.id}",
                resource=place_of(b).resource,
                check_in=(b.check_in - today).days, nights=b.nights, persons=b.persons,
                rooms=b.rooms if b.hotel_id else None, gender=b.request.gender.value,
            ) for b in holding
            if b.check_in + timedelta(days=b.nights) > today
            and (b.shelter_id in {s.id for s in shelters} or b.hotel_id in {h.id for h in hotels})
        ),
    )
    return Snapshot(problem=problem, start=today, requests=snapshot_requests, skipped=skipped,
                    rests={k: v for k, v in snapshot_rests.items() if k in snapshot_requests})


def _day(value: date, today: date) -> str:
    return f"{value:%b} {value.day}" + ("" if value.year == today.year else f", {value.year}")


def unplannable(r: HousingRequest, today: date, want: Wanted | None = None) -> str | None:
    """Why the planner cannot take this request from `today` on, whatever else is pending:
    no location, a window that has passed or lies beyond the horizon, a stay longer than
    the horizon. None: it may be planned. `want` is what is asked (the rest of a stay from
    its move day); the request's own window and nights by default."""
    want = want or Wanted(r.earliest, r.latest, r.nights, 0)
    last = today + timedelta(days=MAX_HORIZON_NIGHTS - 1)
    if r.lat is None or r.lon is None:
        return "the request has no location"
    if want.latest < today:
        if want.rest is not None:
            return f"the move day of the rest of its stay, {_day(want.latest, today)}, has passed"
        return f"its arrival window ended on {_day(want.latest, today)}"
    if want.earliest > last:
        return (f"its earliest arrival, {_day(want.earliest, today)}, is beyond the planner's "
                f"{MAX_HORIZON_NIGHTS} days (to {_day(last, today)})")
    if want.nights > MAX_HORIZON_NIGHTS:
        return (f"a stay of {want.nights:,} nights is longer than the planner's "
                f"{MAX_HORIZON_NIGHTS} days")
    return None


def refusal(request: Request, today: date, horizon: int) -> str | None:
    """What the optimizer's own instance checks refuse in this one request (None: nothing).

    The request alone in a problem of the same horizon goes through `Problem` and its JSON
    round trip (`to_dict`, `from_dict`), as the stored problem will: the spec's rules are
    the optimizer's, not restated here.
    """
    try:
        alone = Problem(start=today.isoformat(), nights=horizon, requests=(request,))
        Problem.from_dict(alone.to_dict())
    except InstanceError as error:
        words = str(error).removeprefix(f"request {request.id}: ")
        return f"the planner cannot take it: {words}"
    return None


def fit(reason: str, length: int = REASON_LENGTH) -> str:
    return reason if len(reason) <= length else reason[:length - 1] + "…"


def mark_skipped(session: Session, snapshot: Snapshot) -> None:
    """Each request the snapshot left out carries its reason, for advocates and
    coordinators (and its code, for the reports)."""
    for request_id, why in snapshot.skipped.items():
        request = session.get(HousingRequest, request_id)
        request.unplaced_reason = fit(f"Not planned: {why}.")
        request.wait_reason_code = planner_reason("skipped")


def _stay(snapshot: Snapshot, assignment: Assignment) -> dict:
    """The booking columns an assignment stands for: place, dates, rooms and points."""
    place = parse_resource(assignment.resource)
    return {"shelter_id": place.shelter_id, "hotel_id": place.hotel_id,
            "check_in": snapshot.day(assignment.check_in), "nights": assignment.nights,
            "rooms": assignment.rooms or 0, "points_planned": assignment.points or 0}


def same_stay(snapshot: Snapshot, booking: Booking, assignment: Assignment) -> bool:
    """Whether the booking is the stay the assignment proposes: same place, dates, rooms and
    points."""
    return all(getattr(booking, column) == value
               for column, value in _stay(snapshot, assignment).items())


def same_chain(snapshot: Snapshot, bookings: list[Booking], chain: list[Assignment]) -> bool:
    """Whether the proposed stays (first to last) are the chain the plan proposes, stay by
    stay (a single stay is a chain of one)."""
    return len(bookings) == len(chain) and all(
        same_stay(snapshot, b, a) for b, a in zip(bookings, chain, strict=True))


def proposals_as_hint(session: Session, snapshot: Snapshot) -> Plan:
    """Proposals still awaiting review, of the snapshot's requests, as a starting point for
    the solver."""
    assignments = []
    for booking in session.scalars(
        select(Booking).where(Booking.state == BookingState.PROPOSED).order_by(Booking.id)
    ):
        key = request_key(booking.request_id)
        if key not in snapshot.requests:
            continue
        night = snapshot.night(booking.check_in)
        if night >= 0:
            assignments.append(Assignment(key, place_of(booking).resource, night,
                                          booking.nights))
    return Plan(assignments=assignments)


def proposals_from_plan(session: Session, snapshot: Snapshot, plan: Plan,
                        plan_run_id: int | None) -> list[Booking]:
    """Proposed bookings for the plan's assignments, a chain's stays as segments 1, 2...
    naming the first (the rest of a stay goes on its chain); unplaced requests get the
    reason (in words, and its kind as a code)."""
    proposals = []
    for key, chain in plan.chains.items():
        request_id = snapshot.requests.get(key)
        if request_id is None:
            continue
        request = session.get(HousingRequest, request_id)
        rest = snapshot.rests.get(key)
        lead_id, segment = (rest.lead_id, rest.segment) if rest else (None, 1)
        for a in chain:
            booking = add_proposal(session, Booking(
                request=request, plan_run_id=plan_run_id, persons=request.persons,
                segment=segment, chain_id=lead_id, **_stay(snapshot, a)))
            if lead_id is None and len(chain) > 1:
                session.flush()  # the later stays name the first by its id
                lead_id = booking.id
            segment += 1
            proposals.append(booking)
        request.unplaced_reason = None
        request.wait_reason_code, request.wait_needs = PROPOSED, None
    for key in plan.unplaced:
        request_id = snapshot.requests.get(key)
        if request_id is not None:
            request = session.get(HousingRequest, request_id)
            request.unplaced_reason = fit(plan.reasons.get(key) or "no fitting place was found")
            request.wait_reason_code = planner_reason(plan.reason_kinds.get(key))
            request.wait_needs = plan.reason_needs.get(key) or None
    mark_skipped(session, snapshot)
    session.flush()
    return proposals


def rules_broken(session: Session, request: HousingRequest, place: Shelter | Hotel,
                 check_in: date, nights: int, waived: frozenset[str] = frozenset(),
                 arriving: bool = True) -> list[str]:
    """The place's rules (policy, pets, access, needs, distance, danger zones, exclusions,
    maximum stay, arrival window) that a stay would break, in the optimizer's own words;
    the needs in `waived` (a coordinator's override) are not asked of the place. A later
    stay of a chain (`arriving` False: the person moves in from the stay before) has no
    arrival window of its own, and `max_stay` counts its own nights.

    Beds, rooms and points are left out on purpose (they are checked under lock when the
    holds are taken), so the problem holds just this request and this place, with room to
    spare.
    """
    # Only whether the check-in falls inside the arrival window matters here, so each end
    # is clamped to the check-in's neighbours (monotone, the check-in maps to itself: the
    # verdict is the same). A window reaching into 9999 then costs five nights, not millions.
    window = (request.earliest, request.latest) if arriving else (check_in, check_in)
    earliest, latest = (_clamp(day, check_in) for day in window)
    start = min(check_in, earliest)
    horizon = (max(latest, check_in) - start).days + nights
    unlimited = (10**6,) * horizon
    opt_request = optimizer_request(
        request, "R", earliest=(earliest - start).days,
        latest=(latest - start).days, nights=nights,
        # A purged request has no location left: distance then cannot count against it.
        at=(place.lat, place.lon) if request.lat is None else None,
    )
    opt_request = replace(opt_request, needs=opt_request.needs - waived)
    key = ref_of(place).resource
    session = session or object_session(place)
    implied = implied_offers(session) if session is not None else {SHELTER: frozenset(),
                                                                    HOTEL: frozenset()}
    if isinstance(place, Hotel):
        places = {"hotels": (optimizer_hotel(
            place, program="p", points=(0,) * horizon, rooms=unlimited,
            implied=implied[HOTEL], key=key),), "programs": (Program("p", 0),)}
    else:
        places = {"shelters": (optimizer_shelter(
            place, beds=unlimited, implied=implied[SHELTER], key=key),)}
    problem = Problem(start=start.isoformat(), nights=horizon, requests=(opt_request,),
                      **places)
    return check_stay(problem, "R", key, (check_in - start).days)


def stay_rules_broken(session: Session, booking: Booking) -> list[str]:
    """`rules_broken` for the booking's own stay at its place, as the coordinator reads
    them (a missing need by its label). The one place a stay's override counts: the needs
    a coordinator overrode for it are not asked of its place."""
    return [need_labels(rule) for rule in rules_broken(
        session, booking.request, booking.place, booking.check_in, booking.nights,
        waived=booking.overridden_needs, arriving=not booking.is_move)]


def _clamp(day: date, around: date) -> date:
    return min(max(day, around - timedelta(days=1)), around + timedelta(days=1))


def scrub_stored_problem(problem: dict, request_ids: Iterable[int]) -> dict | None:
    """A stored problem (a plan run's JSON) without these requests' coordinates, danger
    zones and needs (a language or "pregnant" points at a person), as a new document (so
    that the JSON column is written); None when it holds none of them with any left."""
    keys = {request_key(request_id) for request_id in request_ids}
    requests = [dict(entry) for entry in problem.get("requests", [])]
    changed = False
    for entry in requests:
        if entry.get("id") in keys and (entry.get("lat") is not None or entry.get("avoid")
                                        or entry.get("needs")):
            entry.update(lat=None, lon=None, avoid=[], needs=[])
            changed = True
    return {**problem, "requests": requests} if changed else None


def scrub_stored_plan(plan: dict, request_ids: Iterable[int]) -> dict | None:
    """A stored plan (a plan run's JSON) without the reasons it gave for leaving these
    requests unplaced (they name missing needs, distances and zones), as a new document;
    None when it holds no such reason."""
    keys = {request_key(request_id) for request_id in request_ids}
    reasons = plan.get("reasons") or {}
    if not keys & set(reasons):
        return None
    return {**plan, "reasons": {k: v for k, v in reasons.items() if k not in keys}}
