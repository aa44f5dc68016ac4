"""The reports' figures (issue 18), each computed in SQL (aggregates in the database,
never a Python loop over requests) and returned as a plain table.

**What every figure is about.** The requests filed in the filters' months (their
`filed_month`, the hotline's month), in its state (the request's `us_state`, where the
person was at filing), of its priority. With a program (a loyalty program's code, or
"shelter"), request figures count the requests that had a stay proposed there (so a
request the planner placed nowhere counts only under "all"), and stay figures count the
stays there. Every figure is exact: suppression is the exports' job (partners/suppression).

**The API** (each takes a Session and Filters, and only reads; `Report(session, f)` has
the same figures as methods, and computes those that share their rows once):

    parse_filters(args, today, programs) -> Filters    # BadFilter (a 400) on a bad value
    default_filters(today) -> Filters
    program_choices(session) -> list[tuple[str, str]]  # (code, name), "shelter" first
    organization_choices(session) -> list[tuple[str, str]]  # (value, name), the hotline first

    unmet_by_month(session, f) -> Table     # months: requests, on_time, late, unplaced, open
    unmet_by_reason(session, f) -> Table    # reason codes: unplaced, late
    unmet_by_state(session, f) -> Table     # states: requests, on_time, late, unplaced, open
    demand_by_state(session, f) -> dict[str, tuple[int, int]]  # state: (requests, unmet)
    places_said_no(session, f, limit=10) -> Table   # places: said_no_bed
    needs_unmet(session, f) -> Table        # need codes: requests (no program filter)
    time_to_safety(session, f) -> dict[str, Table]   # step: months x priorities
    stay_lengths(session, f) -> Table       # nights: shelter, hotel
    nights_by_month(session, f) -> Table    # months: shelter_nights, hotel_nights
    points_per_night(session, f) -> Table   # programs: stays, room_nights, points, per_night
    extensions(session, f) -> Table         # shelter/hotel: stays, extended, extensions, nights
    no_shows(session, f) -> Table           # months: expected, no_shows

A Table has `columns` (Column: key, label, kind) and `rows` (Row: key, label, values in
the columns' order). A column's kind says what its values are: "count" (requests, stays or
nights: the cells an export suppresses), "minutes" (a median or a percentile: hide it
where its count is small), "points", or "ratio" (derived from counts of the same row).
Row keys are stable codes (a month "2026-03", a state "CA", a reason code, a program code).
"Unmet" is every request not placed on time: placed late, or not placed.
"""

from functools import cached_property

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from partners.needs import Need
from partners.organizations import Organization, OrganizationKind
from partners.places import Hotel, Shelter
from partners.points import LoyaltyProgram
from partners.us_states import US_STATES

from ..bookings.models import Booking
from ..bookings.states import BookingState
from ..reasons import NO_BED
from ..requests.models import HousingRequest, Priority
from ..requests.outcomes import OutcomeKind, RequestOutcome, UnmetNeed, reason_label
from .filters import (
    HOTLINE,
    SHELTER,
    BadFilter,
    Filters,
    default_filters,
    parse_filters,
)
from .scope import requests_where, stays_where
from .sql import minutes_between, percentiles
from .stays import ARRIVED, LONG_STAY, StayFigures
from .tables import Column, Row, Table, add_into, month_key, month_label

__all__ = ["ARRIVED", "LONG_STAY", "BadFilter", "Column", "Filters", "Row", "Table",
           "default_filters", "month_key", "month_label", "parse_filters"]

NO_STATE = "--"  # the row key of requests with no state (outside US_STATES, or not known)
LATE_WITHOUT_REASON = "window_moved"  # a late placement with no code: only the window moved
# Where a stay was: the step moments of time to safety, each from filing (created_at).
STEPS = {"approved": "Approved", "confirmed": "Confirmed by the place",
         "checked_in": "Checked in"}

KIND_COLUMNS = (Column("requests", "Requests"), Column("on_time", "Placed on time"),
                Column("late", "Placed late"), Column("unplaced", "Not placed"),
                Column("open", "Not decided yet"))


def program_choices(session: Session) -> list[tuple[str, str]]:
    """The program filter's choices: shelters, then each loyalty program by name."""
    programs = session.execute(select(LoyaltyProgram.code, LoyaltyProgram.name)
                               .order_by(LoyaltyProgram.name)).all()
    return [(SHELTER, "Shelters")] + [(code, name) for code, name in programs]


def organization_choices(session: Session) -> list[tuple[str, str]]:
    """The organization filter's choices: the hotline, then each partner agency by name."""
    agencies = session.execute(select(Organization.id, Organization.name)
                               .where(Organization.kind == OrganizationKind.AGENCY)
                               .order_by(Organization.name)).all()
    return [(HOTLINE, "The hotline")] + [(str(ident), name) for ident, name in agencies]


class Report(StayFigures):
    """Every figure of one report. The figures that read the same rows share one grouped
    query, read once, when first asked for (requests by month and state, each outcome a
    column; stays by month and program): a page showing them all makes six passes over
    the requests instead of twelve. Sums over those groups (a few thousand rows at most,
    never a row per request) make each table."""

    def __init__(self, session: Session, f: Filters) -> None:
        self.session, self.f = session, f

    @cached_property
    def _outcomes(self) -> list[tuple]:
        """(month, state, *KIND_COLUMNS' counts) for every month and state with requests."""
        kind = RequestOutcome.kind
        return [(month, state, *counts) for month, state, *counts in self.session.execute(
            select(HousingRequest.filed_month, HousingRequest.us_state, func.count(),
                   func.count().filter(kind == OutcomeKind.PLACED_ON_TIME),
                   func.count().filter(kind == OutcomeKind.PLACED_LATE),
                   func.count().filter(kind == OutcomeKind.UNPLACED),
                   func.count().filter(RequestOutcome.id.is_(None)))
            .outerjoin(RequestOutcome, RequestOutcome.request_id == HousingRequest.id)
            .where(*requests_where(self.f))
            .group_by(HousingRequest.filed_month, HousingRequest.us_state))]

    def _kind_counts(self, key_of) -> dict:
        totals: dict = {}
        for month, state, *counts in self._outcomes:
            add_into(totals, key_of(month, state), counts)
        return totals

    # -- unmet demand -------------------------------------------------------------------

    def unmet_by_month(self) -> Table:
        """Each month of the filters (none left out): requests filed, and what became of
        them."""
        found = self._kind_counts(lambda month, _state: month)
        rows = [Row(month_key(m), month_label(m), found.get(m, (0,) * 5))
                for m in self.f.months]
        return Table("Requests and what became of them, by month of filing", "Month",
                     KIND_COLUMNS, rows)

    def unmet_by_state(self) -> Table:
        """Each state with requests (by name), then requests with no state."""
        found = self._kind_counts(lambda _month, state: state)
        rows = [Row(code or NO_STATE, US_STATES.get(code, "No state recorded"), counts)
                for code, counts in found.items()]
        rows.sort(key=lambda row: (row.key == NO_STATE, row.label))
        return Table("Requests and what became of them, by state", "State", KIND_COLUMNS,
                     rows)

    def demand_by_state(self) -> dict[str, tuple[int, int]]:
        """For the map: each state with requests -> (requests, unmet: placed late or not
        placed). Requests with no state are left out."""
        return {row.key: (row.values[0], row.values[2] + row.values[3])
                for row in self.unmet_by_state().rows if row.key != NO_STATE}

    def unmet_by_reason(self) -> Table:
        """Why requests were not placed, or placed late, by reason code, most frequent
        first."""
        kind = RequestOutcome.kind
        query = (select(RequestOutcome.reason,
                        func.count().filter(kind == OutcomeKind.UNPLACED),
                        func.count().filter(kind == OutcomeKind.PLACED_LATE))
                 .join(HousingRequest, HousingRequest.id == RequestOutcome.request_id)
                 .where(kind != OutcomeKind.PLACED_ON_TIME, *requests_where(self.f))
                 .group_by(RequestOutcome.reason))
        rows = [Row(code or LATE_WITHOUT_REASON,
                    reason_label(code) if code else "Only the arrival window moved",
                    (unplaced, late)) for code, unplaced, late in self.session.execute(query)]
        rows.sort(key=lambda row: (-sum(row.values), row.key))
        return Table("Why requests were not placed on time, by reason", "Reason",
                     (Column("unplaced", "Not placed"), Column("late", "Placed late")), rows)

    def places_said_no(self, limit: int = 10) -> Table:
        """The places that said "no bed after all" (a decline with code no_bed, to a stay
        already approved) most often. The planner's "every place that fits was full" is
        about a request and names no place, and past free-bed counts are not kept night
        by night, so a place's own "no bed" is the honest count of a place being full when
        it was needed."""
        place = func.coalesce(Shelter.name, Hotel.name)
        state = func.coalesce(Shelter.state, Hotel.state)
        query = (select(Booking.shelter_id, Booking.hotel_id, place, state, func.count())
                 .join(HousingRequest, HousingRequest.id == Booking.request_id)
                 .outerjoin(Shelter, Shelter.id == Booking.shelter_id)
                 .outerjoin(Hotel, Hotel.id == Booking.hotel_id)
                 .where(Booking.reason_code == NO_BED,
                        Booking.state == BookingState.CANCELLED, *stays_where(self.f))
                 .group_by(Booking.shelter_id, Booking.hotel_id, place, state)
                 .order_by(func.count().desc(), place).limit(limit))
        rows = [Row(f"shelter-{shelter_id}" if shelter_id else f"hotel-{hotel_id}",
                    f"{name} ({'shelter' if shelter_id else 'hotel'}, {where})", (times,))
                for shelter_id, hotel_id, name, where, times in self.session.execute(query)]
        return Table('Places that said "no bed after all" most often', "Place",
                     (Column("said_no_bed", 'Times it said "no bed"'),), rows)

    def needs_unmet(self) -> Table:
        """The needs of the requests left unplaced because no place within reach offered
        what their party needed (UnmetNeed: every need such a request had), most frequent
        first. Not by program: these requests had no stay anywhere."""
        f = self.f
        where = [UnmetNeed.filed_month >= f.first, UnmetNeed.filed_month <= f.last]
        if f.state:
            where.append(UnmetNeed.us_state == f.state)
        if f.priority:
            where.append(UnmetNeed.priority == f.priority)
        query = (select(Need.code, Need.label, func.count()).select_from(UnmetNeed)
                 .join(Need, Need.id == UnmetNeed.need_id).where(*where)
                 .group_by(Need.code, Need.label).order_by(func.count().desc(), Need.label))
        rows = [Row(code, label, (count,)) for code, label, count in self.session.execute(query)]
        return Table("Needs no place within reach offered", "Need",
                     (Column("requests", "Requests not placed"),), rows)

    # -- time to safety -----------------------------------------------------------------

    def time_to_safety(self) -> dict[str, Table]:
        """For each step (STEPS), minutes from filing to the first time the request
        reached it, by month and priority: how many requests reached it, the median and
        the 90th percentile. Requests that never reached a step are not in its figures."""
        f = self.f
        priorities = [f.priority] if f.priority else list(Priority)
        columns = tuple(column for p in priorities for column in (
            Column(f"{p.value}_count", f"{p.value.capitalize()}: requests"),
            Column(f"{p.value}_median", f"{p.value.capitalize()}: median", "minutes"),
            Column(f"{p.value}_p90", f"{p.value.capitalize()}: 90th percentile", "minutes")))
        found = percentiles(
            self.session, [HousingRequest.filed_month, HousingRequest.priority],
            {step: minutes_between(HousingRequest.created_at,
                                   getattr(HousingRequest, f"{step}_at")) for step in STEPS},
            # Requests that reached no step add nothing: leave them out of the sort.
            select().select_from(HousingRequest).where(*requests_where(f), or_(*(
                getattr(HousingRequest, f"{step}_at").is_not(None) for step in STEPS))))
        tables = {}
        for step, words in STEPS.items():
            by_group = {(month, Priority(priority)): (count, _minutes(p50), _minutes(p90))
                        for (month, priority), (count, p50, p90) in found[step].items()}
            rows = [Row(month_key(m), month_label(m), tuple(
                value for p in priorities for value in by_group.get((m, p), (0, None, None))))
                for m in f.months]
            tables[step] = Table(f"From filing to {words.lower()}", "Month", columns, rows)
        return tables

    # -- stays --------------------------------------------------------------------------

def _minutes(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


# One function per figure, for a caller that needs only it (each reads what it needs).
def unmet_by_month(session: Session, f: Filters) -> Table:
    return Report(session, f).unmet_by_month()


def unmet_by_reason(session: Session, f: Filters) -> Table:
    return Report(session, f).unmet_by_reason()


def unmet_by_state(session: Session, f: Filters) -> Table:
    return Report(session, f).unmet_by_state()


def demand_by_state(session: Session, f: Filters) -> dict[str, tuple[int, int]]:
    return Report(session, f).demand_by_state()


def places_said_no(session: Session, f: Filters, limit: int = 10) -> Table:
    return Report(session, f).places_said_no(limit)


def needs_unmet(session: Session, f: Filters) -> Table:
    return Report(session, f).needs_unmet()


def time_to_safety(session: Session, f: Filters) -> dict[str, Table]:
    return Report(session, f).time_to_safety()


def stay_lengths(session: Session, f: Filters) -> Table:
    return Report(session, f).stay_lengths()


def nights_by_month(session: Session, f: Filters) -> Table:
    return Report(session, f).nights_by_month()


def points_per_night(session: Session, f: Filters) -> Table:
    return Report(session, f).points_per_night()


def extensions(session: Session, f: Filters) -> Table:
    return Report(session, f).extensions()


def no_shows(session: Session, f: Filters) -> Table:
    return Report(session, f).no_shows()
