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

from datetime import date
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
from ..clock import hotline_today
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
from .memo import month_parts
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
# The kinds of rows a month's parts hold (Report._count makes them, memo keeps them).
PARTS = ("outcomes", "reasons", "said_no", "needs", "safety", "stays")


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
    """Every figure of one report, each a sum over its months' parts (memo.month_parts):
    the settled months' read from `report_memo`, the others counted here, in one grouped
    query per kind of part over all of them (requests by month and state, each outcome a
    column; reasons; places that said no; needs; times to each step; stays by month,
    program and length). Sums over those parts (a few thousand rows at most, never a row
    per request) make each table."""

    def __init__(self, session: Session, f: Filters, today: date | None = None,
                 only: tuple[str, ...] = PARTS) -> None:
        """`only`: the kinds of parts to count where a month is not kept (a caller that
        needs one figure, as the exports' times to safety); the months then counted are
        not kept, as they lack the other kinds."""
        self.session, self.f, self.kinds = session, f, only
        self.parts = month_parts(session, f, today or hotline_today(), self._count,
                                 lambda: {kind: [] for kind in PARTS}, keep=only == PARTS)

    def _each(self, kind: str):
        """(month, *row) for every row of that kind of part, month by month."""
        for month in self.f.months:
            for row in self.parts[month][kind]:
                yield (month, *row)

    # -- counting months ----------------------------------------------------------------

    def _count(self, f: Filters) -> dict[date, dict[str, list]]:
        """The parts of f's months (those with rows), counted from the rows: one grouped
        query for each kind (those of `self.kinds`), each row (month, *the part's row)."""
        parts: dict[date, dict[str, list]] = {}
        for kind in self.kinds:
            for month, *row in getattr(self, f"_count_{kind}")(f):
                parts.setdefault(month, {k: [] for k in PARTS})[kind].append(row)
        return parts

    def _count_outcomes(self, f: Filters):
        kind = RequestOutcome.kind
        return self.session.execute(
            select(HousingRequest.filed_month, HousingRequest.us_state, func.count(),
                   func.count().filter(kind == OutcomeKind.PLACED_ON_TIME),
                   func.count().filter(kind == OutcomeKind.PLACED_LATE),
                   func.count().filter(kind == OutcomeKind.UNPLACED),
                   func.count().filter(RequestOutcome.id.is_(None)))
            .outerjoin(RequestOutcome, RequestOutcome.request_id == HousingRequest.id)
            .where(*requests_where(f))
            .group_by(HousingRequest.filed_month, HousingRequest.us_state))

    def _count_reasons(self, f: Filters):
        kind = RequestOutcome.kind
        return self.session.execute(
            select(HousingRequest.filed_month, RequestOutcome.reason,
                   func.count().filter(kind == OutcomeKind.UNPLACED),
                   func.count().filter(kind == OutcomeKind.PLACED_LATE))
            .join(HousingRequest, HousingRequest.id == RequestOutcome.request_id)
            .where(kind != OutcomeKind.PLACED_ON_TIME, *requests_where(f))
            .group_by(HousingRequest.filed_month, RequestOutcome.reason))

    def _count_said_no(self, f: Filters):
        return self.session.execute(
            select(HousingRequest.filed_month, Booking.shelter_id, Booking.hotel_id,
                   func.count())
            .join(HousingRequest, HousingRequest.id == Booking.request_id)
            .where(Booking.reason_code == NO_BED, Booking.state == BookingState.CANCELLED,
                   *stays_where(f))
            .group_by(HousingRequest.filed_month, Booking.shelter_id, Booking.hotel_id))

    def _count_needs(self, f: Filters):
        where = [UnmetNeed.filed_month >= f.first, UnmetNeed.filed_month <= f.last]
        if f.state:
            where.append(UnmetNeed.us_state == f.state)
        if f.priority:
            where.append(UnmetNeed.priority == f.priority)
        return self.session.execute(
            select(UnmetNeed.filed_month, UnmetNeed.need_id, func.count()).where(*where)
            .group_by(UnmetNeed.filed_month, UnmetNeed.need_id))

    def _count_safety(self, f: Filters):
        found = percentiles(
            self.session, [HousingRequest.filed_month, HousingRequest.priority],
            {step: minutes_between(HousingRequest.created_at,
                                   getattr(HousingRequest, f"{step}_at")) for step in STEPS},
            # Requests that reached no step add nothing: leave them out of the sort.
            select().select_from(HousingRequest).where(*requests_where(f), or_(*(
                getattr(HousingRequest, f"{step}_at").is_not(None) for step in STEPS))))
        return [(month, step, Priority(priority).value, count, p50, p90)
                for step in STEPS
                for (month, priority), (count, p50, p90) in found[step].items()]

    # -- unmet demand -------------------------------------------------------------------

    @cached_property
    def _outcomes(self) -> list[tuple]:
        """(month, state, *KIND_COLUMNS' counts) for every month and state with requests."""
        return list(self._each("outcomes"))

    def _kind_counts(self, key_of) -> dict:
        totals: dict = {}
        for month, state, *counts in self._outcomes:
            add_into(totals, key_of(month, state), counts)
        return totals

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
        found: dict = {}
        for _month, code, unplaced, late in self._each("reasons"):
            add_into(found, code, (unplaced, late))
        rows = [Row(code or LATE_WITHOUT_REASON,
                    reason_label(code) if code else "Only the arrival window moved", counts)
                for code, counts in found.items()]
        rows.sort(key=lambda row: (-sum(row.values), row.key))
        return Table("Why requests were not placed on time, by reason", "Reason",
                     (Column("unplaced", "Not placed"), Column("late", "Placed late")), rows)

    def places_said_no(self, limit: int = 10) -> Table:
        """The places that said "no bed after all" (a decline with code no_bed, to a stay
        already approved) most often. The planner's "every place that fits was full" is
        about a request and names no place, and past free-bed counts are not kept night
        by night, so a place's own "no bed" is the honest count of a place being full when
        it was needed."""
        times: dict = {}
        for _month, shelter_id, hotel_id, n in self._each("said_no"):
            add_into(times, (shelter_id, hotel_id), (n,))
        if not times:
            return _said_no_table([])
        # Every place as often as the limit-th: the ties are then ordered by name.
        least = sorted((n for (n,) in times.values()), reverse=True)[:limit][-1]
        places = {(shelter_id, None): (name, where) for shelter_id, name, where in
                  self.session.execute(select(Shelter.id, Shelter.name, Shelter.state).where(
                      Shelter.id.in_([s for (s, _h), (n,) in times.items()
                                      if s and n >= least])))}
        places |= {(None, hotel_id): (name, where) for hotel_id, name, where in
                   self.session.execute(select(Hotel.id, Hotel.name, Hotel.state).where(
                       Hotel.id.in_([h for (_s, h), (n,) in times.items()
                                     if h and n >= least])))}
        top = sorted(((n, places[key], key) for key, (n,) in times.items() if key in places),
                     key=lambda item: (-item[0], item[1][0]))[:limit]
        return _said_no_table([
            Row(f"shelter-{shelter_id}" if shelter_id else f"hotel-{hotel_id}",
                f"{name} ({'shelter' if shelter_id else 'hotel'}, {where})", (n,))
            for n, (name, where), (shelter_id, hotel_id) in top])

    def needs_unmet(self) -> Table:
        """The needs of the requests left unplaced because no place within reach offered
        what their party needed (UnmetNeed: the needs the planner named, else every need
        such a request had), most frequent first. Not by program: these requests had no
        stay anywhere."""
        found: dict = {}
        for _month, need_id, n in self._each("needs"):
            add_into(found, need_id, (n,))
        labels = {need_id: (code, label) for need_id, code, label in self.session.execute(
            select(Need.id, Need.code, Need.label).where(Need.id.in_(found)))}
        counted = sorted(((n, *labels[need_id]) for need_id, (n,) in found.items()),
                         key=lambda item: (-item[0], item[2]))
        return Table("Needs no place within reach offered", "Need",
                     (Column("requests", "Requests not placed"),),
                     [Row(code, label, (n,)) for n, code, label in counted])

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
        found = {(step, month, Priority(priority)): (count, _minutes(p50), _minutes(p90))
                 for month, step, priority, count, p50, p90 in self._each("safety")}
        tables = {}
        for step, words in STEPS.items():
            rows = [Row(month_key(m), month_label(m), tuple(
                value for p in priorities
                for value in found.get((step, m, p), (0, None, None)))) for m in f.months]
            tables[step] = Table(f"From filing to {words.lower()}", "Month", columns, rows)
        return tables


def _said_no_table(rows: list[Row]) -> Table:
    return Table('Places that said "no bed after all" most often', "Place",
                 (Column("said_no_bed", 'Times it said "no bed"'),), rows)


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
    return Report(session, f, only=("safety",)).time_to_safety()


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
