"""Filing a request: plain functions that take a session and flush."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

from flask import has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from partners.availability.common import as_naive_utc
from partners.availability.common import local_today as place_local_today
from partners.geo import Location, miles_between
from partners.needs import Need

from .. import audit, clock
from ..crypto import encrypt_note
from ..places.picker import parse_key as parse_place_key
from .models import (
    MAX_HORIZON_NIGHTS,
    ContactChannel,
    DangerZone,
    Exclusion,
    Gender,
    HousingRequest,
    NoMoveReason,
    Priority,
    RequestStatus,
    TraffickingType,
)
from .party import Person, derived_needs, set_people, wanted_needs

# How soon each priority needs a bed: the window the form pre-fills (days from tonight).
WINDOW_DAYS = {Priority.CRITICAL: (0, 0), Priority.HIGH: (0, 1), Priority.NORMAL: (0, 3)}


def local_today(timezone: str | None, now: datetime | None = None) -> date:
    """The date it is where the person is: "tonight" is that evening. Without a known
    time zone, the UTC date. Without a moment, now by the app's clock (a moved or injected
    one: placement/clock.py), the machine's only outside an app."""
    now = now or (clock.now() if has_app_context() else datetime.now(UTC))
    try:
        return place_local_today(timezone, now) if timezone else as_naive_utc(now).date()
    except ZoneInfoNotFoundError:
        return as_naive_utc(now).date()


def arrival_window(priority: Priority, today: date) -> tuple[date, date]:
    first, last = WINDOW_DAYS[priority]
    return today + timedelta(days=first), today + timedelta(days=last)


def _day(value: date, today: date) -> str:
    return f"{value:%b} {value.day}" + ("" if value.year == today.year else f", {value.year}")


def window_errors(earliest: date | None, latest: date | None,
                  today: date) -> dict[str, str]:
    """What is wrong with an arrival window, by field ("earliest", "latest").

    The planner sees MAX_HORIZON_NIGHTS nights from today where the person is: an arrival
    it cannot see would never be planned (and a date near the end of the calendar
    overflows once nights are added), so neither end of the window may lie beyond it.
    """
    errors = {}
    last = today + timedelta(days=MAX_HORIZON_NIGHTS - 1)
    beyond = (f"no later than {_day(last, today)} where the person is: the planner looks "
              f"{MAX_HORIZON_NIGHTS} days ahead.")
    if earliest is not None and earliest < today:
        errors["earliest"] = (f"The earliest arrival cannot be before today "
                              f"({_day(today, today)}) where the person is.")
    elif earliest is not None and earliest > last:
        errors["earliest"] = f"The earliest arrival must be {beyond}"
    if latest is not None and latest > last:
        errors["latest"] = f"The latest arrival must be {beyond}"
    elif earliest is not None and latest is not None and latest < earliest:
        errors["latest"] = "The latest arrival comes before the earliest."
    return errors


@dataclass
class RequestDetails:
    priority: Priority
    people: list[Person]
    pets: int
    service_animal: bool
    accessible: bool
    location: Location
    max_miles: int | None
    danger_zones: list[tuple[Location, int]]
    exclude: list[str]  # "shelter:ID" / "hotel:ID"
    earliest: date | None
    latest: date | None
    nights: int
    note: str | None
    needs: set[str] = field(default_factory=set)  # codes the advocate ticked
    # Codes of needs that follow from the party which the advocate said it does not need.
    not_needed: set[str] = field(default_factory=set)
    # Asked when they can be, never required (None: not recorded).
    trafficking_type: TraffickingType | None = None
    contact_channel: ContactChannel | None = None
    # Bridge stays: whether the person may move once if that places them sooner, and why
    # not (a safety reason, a child's school...).
    may_move: bool = True
    no_move_reason: NoMoveReason | None = None


class RequestError(ValueError):
    """A request that cannot be filed as given; the message says why."""


def resolve_window(details: RequestDetails, now: datetime | None = None) -> tuple[date, date]:
    """The arrival window a request is filed with: the dates given, or the priority's own
    from today where the person is. RequestError when it is not one the planner can see."""
    today = local_today(details.location.timezone, now)
    earliest, latest = arrival_window(details.priority, today)
    earliest = details.earliest or earliest
    latest = details.latest or max(latest, earliest)
    errors = window_errors(earliest, latest, today)
    if errors:
        raise RequestError(errors.get("earliest") or errors["latest"])
    return earliest, latest


# Two live requests this close, for the same party, whose windows meet, may be one person
# who called twice.
DUPLICATE_MILES = 25
LIVE = (RequestStatus.PENDING, RequestStatus.PLACED)


def possible_duplicates(session: Session, adults: int, children: int, gender: Gender,
                        lat: float | None, lon: float | None, earliest: date, latest: date,
                        *, filed_by: int | None = None,
                        other_than: int | None = None) -> list[HousingRequest]:
    """Live requests for the same party near the same place whose arrival windows meet
    (only `filed_by`'s when given: an advocate is never shown another's cases)."""
    query = select(HousingRequest).where(
        HousingRequest.status.in_(LIVE), HousingRequest.adults == adults,
        HousingRequest.children == children, HousingRequest.gender == gender,
        HousingRequest.earliest <= latest, HousingRequest.latest >= earliest)
    if filed_by is not None:
        query = query.where(HousingRequest.created_by_id == filed_by)
    if other_than is not None:
        query = query.where(HousingRequest.id != other_than)
    return [r for r in session.scalars(query.order_by(HousingRequest.id))
            if None in (lat, r.lat) or
            miles_between(lat, lon, r.lat, r.lon) <= DUPLICATE_MILES]


def duplicates_of(session: Session, request: HousingRequest) -> list[HousingRequest]:
    """For coordinators: the same person may have called two advocates."""
    return possible_duplicates(session, request.adults, request.children, request.gender,
                               request.lat, request.lon, request.earliest, request.latest,
                               other_than=request.id)


def needs_named(session: Session, codes: set[str]) -> set[Need]:
    """The vocabulary's needs with these codes (an unknown code names none)."""
    return set(session.scalars(select(Need).where(Need.code.in_(codes)))) if codes else set()


def file_request(session: Session, advocate_id: int | None, details: RequestDetails,
                 now: datetime | None = None,
                 organization_id: int | None = None) -> HousingRequest:
    """File a request; its needs are those ticked and those that follow from its people
    (unless said not needed). PartyError for people the planner cannot house. The request
    belongs to the advocate's (or referrer's) organization; filed by no account (an
    integration key), to `organization_id`."""
    earliest, latest = resolve_window(details, now)
    request = HousingRequest(
        created_by_id=advocate_id, priority=details.priority, pets=details.pets,
        service_animal=details.service_animal and details.pets > 0,
        accessible=details.accessible, location_label=details.location.label,
        lat=details.location.lat, lon=details.location.lon,
        timezone=details.location.timezone, max_miles=details.max_miles,
        earliest=earliest, latest=latest, nights=details.nights,
        note_encrypted=encrypt_note(details.note.strip() if details.note else None),
        trafficking_type=details.trafficking_type, contact_channel=details.contact_channel,
        may_move=details.may_move,
        no_move_reason=None if details.may_move else (details.no_move_reason
                                                      or NoMoveReason.OTHER).value,
    )
    if advocate_id is None:  # filed by a key (the account's otherwise: the column's default)
        request.organization_id = organization_id
    set_people(request, details.people)
    request.needs = needs_named(session, wanted_needs(
        details.needs, derived_needs(details.people), details.not_needed))
    for zone, miles in details.danger_zones:
        request.danger_zones.append(
            DangerZone(label=zone.label, lat=zone.lat, lon=zone.lon, miles=miles)
        )
    for key in dict.fromkeys(details.exclude):
        parsed = parse_place_key(key)
        if parsed is None:
            raise RequestError(f"unknown place {key!r}")
        kind, ident = parsed
        request.exclusions.append(Exclusion(**{f"{kind}_id": ident}))
    session.add(request)
    session.flush()
    audit.record(session, advocate_id, "file", "request", request.id,
                 to_state=request.status.value, detail=f"priority {request.priority.value}")
    return request


@dataclass
class RequestEdit:
    earliest: date
    latest: date
    nights: int
    danger_zones: list[tuple[Location, int]]
    needs: set[Need]
    trafficking_type: TraffickingType | None = None
    contact_channel: ContactChannel | None = None
    # The advocate's (may move, why not); None: left as it is.
    moves: tuple[bool, NoMoveReason | None] | None = None


# What an edit may change that no plan depends on (its proposals stay).
NOT_PLANNED_FIELDS = frozenset({"type of trafficking", "how the hotline was reached"})


def apply_edit(session: Session, request: HousingRequest, edit: RequestEdit,
               actor_id: int) -> list[str]:
    """Change what an advocate may change on a pending request (the caller holds its lock
    and checked its state); returns the names of what changed, which the audit row lists
    (never the values: they are case details)."""
    changed = []
    if (request.earliest, request.latest) != (edit.earliest, edit.latest):
        request.earliest, request.latest = edit.earliest, edit.latest
        changed.append("arrival window")
    if request.nights != edit.nights:
        request.nights = edit.nights
        changed.append("nights")
    zones = [(z.lat, z.lon, z.miles) for z in request.danger_zones]
    if zones != [(where.lat, where.lon, miles) for where, miles in edit.danger_zones]:
        request.danger_zones.clear()
        for where, miles in edit.danger_zones:
            request.danger_zones.append(
                DangerZone(label=where.label, lat=where.lat, lon=where.lon, miles=miles))
        changed.append("areas to avoid")
    if edit.moves is not None:
        may_move, why = edit.moves
        reason = None if may_move else (why or NoMoveReason.OTHER).value
        if (request.may_move, request.no_move_reason) != (may_move, reason):
            request.may_move, request.no_move_reason = may_move, reason
            changed.append("moving between places")
    if request.needs != edit.needs:
        request.needs = edit.needs
        changed.append("needs")
    if request.trafficking_type != edit.trafficking_type:
        request.trafficking_type = edit.trafficking_type
        changed.append("type of trafficking")
    if request.contact_channel != edit.contact_channel:
        request.contact_channel = edit.contact_channel
        changed.append("how the hotline was reached")
    if changed:
        session.flush()
        audit.record(session, actor_id, "edit", "request", request.id,
                     detail="changed " + ", ".join(changed))
    return changed
