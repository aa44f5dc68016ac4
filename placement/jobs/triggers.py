"""When jobs fire, and which tick a moment belongs to.

Every process (web workers, the scheduler process, a second host) must agree on the key of
a tick, so the fire time is computed from the clock alone: the latest fire time at or
before `now`. The unique (job, fire_time) row then lets exactly one of them run it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive moment is taken to be UTC already (the database's convention)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Every:
    """Every `minutes`, aligned on the epoch (so 5 means :00, :05, :10...)."""

    minutes: int

    def fire_time(self, now: datetime) -> datetime:
        step = timedelta(minutes=self.minutes)
        now = as_utc(now)
        return (EPOCH + ((now - EPOCH) // step) * step).replace(tzinfo=None)

    def apscheduler(self) -> IntervalTrigger:
        return IntervalTrigger(minutes=self.minutes, start_date=EPOCH, timezone=UTC)

    def __str__(self) -> str:
        return f"every {self.minutes} minutes"


@dataclass(frozen=True)
class Daily:
    """Once a day at a local time of the hotline's time zone."""

    at: time
    timezone: str

    def fire_time(self, now: datetime) -> datetime:
        zone = ZoneInfo(self.timezone)
        local = as_utc(now).astimezone(zone)
        fire = datetime.combine(local.date(), self.at, tzinfo=zone)
        if fire > local:
            fire = datetime.combine(local.date() - timedelta(days=1), self.at, tzinfo=zone)
        return fire.astimezone(UTC).replace(tzinfo=None)

    def apscheduler(self) -> CronTrigger:
        return CronTrigger(hour=self.at.hour, minute=self.at.minute,
                           timezone=ZoneInfo(self.timezone))

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} ({self.timezone})"


class Shifted(BaseTrigger):
    """`trigger` read on a clock `offset` away from the system's (placement.clock's
    OffsetClock). APScheduler waits by the system clock; shifted, a scheduler on a moved
    clock fires when *its* clock reaches a fire time, so the tick it then computes is the
    one it fired for (a daily job at its hour, not at the system's)."""

    def __init__(self, trigger: BaseTrigger, offset: timedelta):
        self.trigger, self.offset = trigger, offset

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        previous = previous_fire_time + self.offset if previous_fire_time else None
        fire = self.trigger.get_next_fire_time(previous, now + self.offset)
        return fire - self.offset if fire else None

    def __str__(self) -> str:
        return f"{self.trigger} on a clock moved by {self.offset}"


def parse_time(value: str) -> time:
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))
