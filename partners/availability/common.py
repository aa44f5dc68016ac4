"""What shelters and hotels share: named errors, night ranges, freshness, row locks."""

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

MAX_RANGE_NIGHTS = 366
AGING_AFTER = timedelta(hours=2)  # open-source bed registries' thresholds (domain brief)
STALE_AFTER = timedelta(hours=8)


class AvailabilityError(ValueError):
    """A change the numbers cannot take; the message is written for a person."""


class InvalidNights(AvailabilityError):
    pass


class PlaceNotFound(AvailabilityError):
    pass


class NotEnoughBeds(AvailabilityError):
    def __init__(self, message: str, *, shelter_id: int, night: date | None, free: int):
        super().__init__(message)
        self.shelter_id, self.night, self.free = shelter_id, night, free


class NotEnoughRooms(AvailabilityError):
    def __init__(self, message: str, *, hotel_id: int, night: date | None, free: int):
        super().__init__(message)
        self.hotel_id, self.night, self.free = hotel_id, night, free


class ImpossibleReport(AvailabilityError):
    """Staff reported more free beds than the shelter can have that night."""


def night_label(night: date) -> str:
    """"Thu Dec 3": how a person on the phone names a night."""
    return f"{night:%a %b} {night.day}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def nights_between(first: date, last: date) -> list[date]:
    """Every night from `first` to `last`, both included."""
    if last < first:
        raise InvalidNights("The last night comes before the first.")
    count = (last - first).days + 1
    if count > MAX_RANGE_NIGHTS:
        raise InvalidNights(f"Choose at most {MAX_RANGE_NIGHTS} nights at a time.")
    return [first + timedelta(days=i) for i in range(count)]


def stay_nights(first_night: date, nights: int) -> list[date]:
    if nights < 1:
        raise InvalidNights("A stay lasts at least one night.")
    return nights_between(first_night, first_night + timedelta(days=nights - 1))


def check_count(value: int, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AvailabilityError(f"{what} must be a whole number of at least {minimum}.")
    return value


def check_booking_ref(booking_ref: str) -> str:
    if not booking_ref or len(booking_ref) > 64:
        raise AvailabilityError("A hold needs a booking reference of 1 to 64 characters.")
    return booking_ref


def as_naive_utc(moment: datetime) -> datetime:
    """The stored form of a moment: naive UTC (SQLite and PostgreSQL then agree)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def local_today(timezone: str, now: datetime) -> date:
    """The place's local date at `now` (naive UTC or aware): its "tonight"."""
    return as_naive_utc(now).replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class NightRange:
    """Consecutive nights that share the same settings (for "changes ahead" lists)."""

    first: date
    last: date
    values: tuple

    @property
    def nights(self) -> int:
        return (self.last - self.first).days + 1


def group_nights(items: list[tuple[date, tuple]]) -> list[NightRange]:
    """[(night, values)] sorted by night -> runs of consecutive nights with equal values."""
    ranges: list[NightRange] = []
    for night, values in items:
        last = ranges[-1] if ranges else None
        if last and last.values == values and last.last + timedelta(days=1) == night:
            ranges[-1] = NightRange(last.first, night, values)
        else:
            ranges.append(NightRange(night, night, values))
    return ranges


class Freshness(enum.StrEnum):
    FRESH = "fresh"
    AGING = "aging"
    STALE = "stale"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {"fresh": "Fresh", "aging": "Aging", "stale": "Stale",
                "never": "Never confirmed"}[self.value]


def freshness(confirmed_at: datetime | None, now: datetime) -> Freshness:
    """Fresh up to 2 hours after the last confirmation, aging up to 8, stale after."""
    if confirmed_at is None:
        return Freshness.NEVER
    age = as_naive_utc(now) - as_naive_utc(confirmed_at)
    if age > STALE_AFTER:
        return Freshness.STALE
    if age > AGING_AFTER:
        return Freshness.AGING
    return Freshness.FRESH


def freshness_counts(session: Session, column, *where) -> dict[str, int]:
    """How many rows are fresh, aging, stale or never confirmed, counted by the database
    (the queue and plan pages show this on every load; 3,000 shelters at national scale).
    The same thresholds as `freshness`: older than the limit, not equal to it."""
    now = as_naive_utc(datetime.now(UTC))
    level = case(
        (column.is_(None), Freshness.NEVER.value),
        (column < now - STALE_AFTER, Freshness.STALE.value),
        (column < now - AGING_AFTER, Freshness.AGING.value),
        else_=Freshness.FRESH.value,
    ).label("level")
    counts = {f.value: 0 for f in Freshness}
    counts.update(session.execute(select(level, func.count()).where(*where).group_by(level)).all())
    return counts


def lock(session: Session, model, place_id: int):
    """Load a place and lock its row until the transaction ends.

    PostgreSQL: SELECT ... FOR NO KEY UPDATE makes a second writer wait, then read what the
    first committed. NO KEY: a row inserted elsewhere that refers to this place (a booking,
    a hold) takes a KEY SHARE lock on it, which FOR UPDATE would conflict with: two writers
    that each inserted first and then asked for the lock would deadlock. SQLite ignores FOR
    UPDATE, but the app begins every transaction with BEGIN
    IMMEDIATE, which serializes writers the same way. populate_existing: the numbers must be
    the ones read under the lock, not an older copy in the session.
    """
    place = session.scalar(
        select(model).where(model.id == place_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)
    )
    if place is None:
        raise PlaceNotFound(f"There is no {model.__tablename__} number {place_id}.")
    return place
