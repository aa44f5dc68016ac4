"""The tape chart: places down the side, nights across, stays as bars, free beds per night.
A bridge stay's bars (issue 21) are joined at the move day: the first ends in an arrow to
the next place, the next begins with one from the place before, each naming the other."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from partners.availability import nights_for_hotels, nights_for_shelters
from partners.places import Hotel, Shelter

from ..requests.models import HousingRequest
from .chains import neighbours
from .models import Booking
from .states import BookingState


@dataclass(frozen=True)
class StateKey:
    """How a stay's state shows on the chart: a colour and pattern (app.css, `tape-<state>`)
    and a mark on the bar itself, so that no state rests on colour alone."""

    state: BookingState
    mark: str
    label: str
    meaning: str


KEYS = {key.state: key for key in (
    StateKey(BookingState.PROPOSED, "P", "Proposed", "the planner's suggestion, nothing held"),
    StateKey(BookingState.APPROVED, "A", "Approved", "beds or rooms and points held, "
             "not yet confirmed"),
    StateKey(BookingState.CONFIRMED, "C", "Confirmed", "the shelter or hotel confirmed"),
    StateKey(BookingState.CHECKED_IN, "In", "Checked in", "staying now"),
    StateKey(BookingState.CHECKED_OUT, "Out", "Checked out", "the stay is over"),
)}
SHOWN = tuple(KEYS)
MAX_ROWS = 150


@dataclass
class Segment:
    span: int
    booking: Booking | None = None  # None: an empty stretch
    # A bridge stay's other stays: the one the person comes from, and moves on to.
    before: Booking | None = None
    after: Booking | None = None


@dataclass
class Row:
    name: str
    kind: str  # "shelter" / "hotel"
    city: str
    free: list[int]  # per night: free beds or rooms
    lanes: list[list[Segment]] = field(default_factory=list)

    @property
    def free_cells(self) -> Markup:
        """The row's night cells in one string: thousands of them on a national chart, where
        a template loop spent a fifth of the page's time escaping integers."""
        return Markup("".join(  # noqa: S704 - integers and fixed class names only
            f'<td class="text-center small{" tape-full" if n == 0 else ""}">{int(n)}</td>'
            for n in self.free))


@dataclass
class TapeChart:
    nights: list[date]
    rows: list[Row]
    truncated: bool
    keys: dict[BookingState, StateKey] = field(default_factory=lambda: KEYS)


def _lanes(bookings: list[Booking], first: date, days: int,
           joined: dict[int, tuple] | None = None) -> list[list[Segment]]:
    """Stack overlapping stays in lanes; each lane is a row of bars and gaps. `joined`
    gives each stay of a chain its stays before and after (chains.neighbours)."""
    joined = joined or {}
    lanes: list[list[tuple[int, int, Booking]]] = []
    for b in sorted(bookings, key=lambda b: (b.check_in, b.id)):
        start = max((b.check_in - first).days, 0)
        end = min((b.check_in - first).days + b.nights, days)
        if end <= start:
            continue
        for lane in lanes:
            if lane[-1][1] <= start:
                lane.append((start, end, b))
                break
        else:
            lanes.append([(start, end, b)])
    rows = []
    for lane in lanes:
        segments, at = [], 0
        for start, end, b in lane:
            if start > at:
                segments.append(Segment(start - at))
            segments.append(Segment(end - start, b, *joined.get(b.id, (None, None))))
            at = end
        if at < days:
            segments.append(Segment(days - at))
        rows.append(segments)
    return rows


def tape_chart(session: Session, first: date, days: int, kind: str = "all",
               state: str | None = None) -> TapeChart:
    last = first + timedelta(days=days - 1)
    nights = [first + timedelta(days=i) for i in range(days)]
    bookings = session.scalars(
        # No stay is longer than 90 nights, so older check-ins cannot reach `first`; a
        # finished stay reaches it only if it was checked out since (years of history).
        select(Booking).where(
            Booking.check_in <= last, Booking.check_in >= first - timedelta(days=90),
            or_(Booking.state.in_(SHOWN[:-1]),
                and_(Booking.state == BookingState.CHECKED_OUT,
                     Booking.updated_at >= datetime.combine(first, time.min))),
        # The chart shows each stay's case code only: no note, no location, no zones.
        ).options(selectinload(Booking.request).load_only(HousingRequest.case_code))
    ).all()
    bookings = [b for b in bookings if b.check_out > first]
    # The few stays of chains (a first stay whose later ones lie beyond the chart too).
    leads = set(session.scalars(select(Booking.chain_id).where(
        Booking.chain_id.in_([b.id for b in bookings if b.segment == 1])))) if bookings else set()
    chained = [b for b in bookings if b.segment > 1 or b.id in leads]
    joined = neighbours(session, chained) if chained else {}
    by_place: dict[tuple[str, int], list[Booking]] = {}
    for b in bookings:
        key = ("hotel", b.hotel_id) if b.hotel_id else ("shelter", b.shelter_id)
        by_place.setdefault(key, []).append(b)

    rows: list[Row] = []
    truncated = False
    for model, label in ((Shelter, "shelter"), (Hotel, "hotel")):
        if kind not in ("all", label):
            continue
        query = select(model).where(model.active)
        if state:
            query = query.where(model.state == state)
        elif session.scalar(select(func.count(model.id)).where(model.active)) > MAX_ROWS:
            # With no filter, a national list is too long to read: the places with stays.
            query = query.where(model.id.in_([pid for kind_, pid in by_place if kind_ == label]))
        places = session.scalars(
            query.order_by(model.state, model.city, model.name).limit(MAX_ROWS + 1)).all()
        if len(places) > MAX_ROWS:
            places, truncated = places[:MAX_ROWS], True
        availability = (nights_for_shelters if model is Shelter else nights_for_hotels)(
            session, places, first, last)
        for place in places:
            rows.append(Row(
                name=place.name, kind=label, city=f"{place.city}, {place.state}",
                free=[n.free for n in availability[place.id]],
                lanes=_lanes(by_place.get((label, place.id), []), first, days, joined),
            ))
    return TapeChart(nights=nights, rows=rows, truncated=truncated)
