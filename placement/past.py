"""Fictional history for `flask demo` and `flask bench-data`: the shares a hotline sees
(types of trafficking, how people reach it, what became of requests and why they waited),
and one past request drawn from them: its steps, its stays and its outcome, consistent
with how the app records them (placement/bookings/outcomes.py). Realistic ranges, nobody's
data."""

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from .bookings.states import BookingState
from .requests.models import STEPS, ContactChannel, Priority, RequestStatus, TraffickingType
from .requests.outcomes import NEEDS_REASON, NOT_PLANNED, PROPOSED, OutcomeKind
from .requests.service import WINDOW_DAYS


class Shares:
    """Values drawn in proportion to their weights, quickly (bench-data draws millions)."""

    def __init__(self, weights: dict) -> None:
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))

    def draw(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


PRIORITIES = Shares({Priority.CRITICAL: 35, Priority.HIGH: 35, Priority.NORMAL: 30})
# Published hotline figures: sex trafficking most of the cases, labor a fifth, some both.
TRAFFICKING = Shares({TraffickingType.SEX: 55, TraffickingType.LABOR: 20,
                      TraffickingType.BOTH: 8, TraffickingType.UNKNOWN: 10, None: 7})
CHANNELS = Shares({ContactChannel.CALL: 60, ContactChannel.TEXT: 15, ContactChannel.CHAT: 12,
                   ContactChannel.EMAIL: 3, ContactChannel.PARTNER: 8, None: 2})
# Where people call from: the states in proportion to their people (2020 census, millions).
STATES = Shares({
    "AL": 5.0, "AK": .73, "AZ": 7.2, "AR": 3.0, "CA": 39.5, "CO": 5.8, "CT": 3.6, "DE": 1.0,
    "DC": .69, "FL": 21.5, "GA": 10.7, "HI": 1.46, "ID": 1.84, "IL": 12.8, "IN": 6.8,
    "IA": 3.19, "KS": 2.94, "KY": 4.5, "LA": 4.66, "ME": 1.36, "MD": 6.18, "MA": 7.03,
    "MI": 10.08, "MN": 5.71, "MS": 2.96, "MO": 6.15, "MT": 1.08, "NE": 1.96, "NV": 3.1,
    "NH": 1.38, "NJ": 9.29, "NM": 2.12, "NY": 20.2, "NC": 10.44, "ND": .78, "OH": 11.8,
    "OK": 3.96, "OR": 4.24, "PA": 13.0, "PR": 3.29, "RI": 1.1, "SC": 5.12, "SD": .89,
    "TN": 6.91, "TX": 29.1, "UT": 3.27, "VT": .64, "VA": 8.63, "WA": 7.71, "WV": 1.79,
    "WI": 5.89, "WY": .58})
KINDS = Shares({OutcomeKind.PLACED_ON_TIME: 62, OutcomeKind.PLACED_LATE: 11,
                OutcomeKind.UNPLACED: 27})
# Why requests went unplaced: full places first, then the rules and the stays that failed.
UNPLACED = Shares({
    "planner.full_alone": 22, "planner.taken": 12, "planner.needs": 8, "planner.distance": 7,
    "planner.policy": 3, "planner.pets": 2, "planner.rules": 2, "declined.no_bed": 8,
    "declined.criteria": 3, "declined.safety": 1, "rejected": 4, "hold_expired": 4,
    "no_show": 6, PROPOSED: 3, NOT_PLANNED: 2, "ended.found_housing": 8,
    "ended.unreachable": 5, "ended.safety_plan": 2, "ended.duplicate": 1})
# What the parties no place within reach served needed (the reason planner.needs): one
# need, sometimes two.
UNMET_NEEDS = Shares({"lang:es": 40, "no-id": 25, "trafficking-specialized": 15,
                      "pregnant": 10, "lgbtq-affirming": 10})
# Why those placed late waited first (None: only the window moved).
LATE = Shares({"planner.full_alone": 40, "planner.taken": 20, "declined.no_bed": 15,
               "hold_expired": 10, "no_show": 5, None: 10})
# The stay each reason leaves behind: its state and, for a place's no, its code.
FAILED_STAYS = {"rejected": BookingState.REJECTED, "hold_expired": BookingState.HOLD_EXPIRED,
                "no_show": BookingState.NO_SHOW, PROPOSED: BookingState.CANCELLED}
# Minutes from filing to the first proposal, by priority (the planner runs every 5).
FIRST_PROPOSAL = {Priority.CRITICAL: (5, 45), Priority.HIGH: (20, 240),
                  Priority.NORMAL: (60, 1200)}
EVENING, MORNING = time(23), time(15)  # UTC: check-ins at night, check-outs by noon (US)


def window(priority: Priority, earliest: date) -> date:
    """The last arrival day a request of `priority` is filed with (its deadline)."""
    return earliest + timedelta(days=WINDOW_DAYS[priority][1])


@dataclass
class Stay:
    check_in: date
    state: BookingState
    approved_at: datetime | None = None
    reason_code: str | None = None


@dataclass
class PastRequest:
    """A request filed at `filed`, as the app would have left it once its window was over."""

    latest: date
    kind: OutcomeKind
    reason: str | None
    decided_at: datetime
    status: RequestStatus
    trafficking_type: TraffickingType | None
    contact_channel: ContactChannel | None
    status_reason_code: str | None = None
    steps: dict[str, datetime] = field(default_factory=dict)
    stays: list[Stay] = field(default_factory=list)  # the placing one last
    needs: list[str] = field(default_factory=list)  # need codes, when no place offered them

    @property
    def placed(self) -> Stay | None:
        return self.stays[-1] if self.kind is not OutcomeKind.UNPLACED else None

    def columns(self) -> dict:
        """The request's columns this history sets (the same keys for every request: the
        benchmark inserts them in bulk)."""
        return {"latest": self.latest, "status": self.status,
                "status_reason_code": self.status_reason_code,
                "trafficking_type": self.trafficking_type,
                "contact_channel": self.contact_channel, "wait_reason_code": self.reason,
                **{f"{step}_at": self.steps.get(step) for step in STEPS}}


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(minutes=rng.uniform(low, high))


def draw(rng: random.Random, filed: datetime, priority: Priority, earliest: date,
         nights: int) -> PastRequest:
    """One past request filed at `filed` (naive UTC) to arrive from `earliest`."""
    arrive_by = window(priority, earliest)
    kind = KINDS.draw(rng)
    reason = (UNPLACED.draw(rng) if kind is OutcomeKind.UNPLACED
              else LATE.draw(rng) if kind is OutcomeKind.PLACED_LATE else None)
    past = PastRequest(latest=arrive_by, kind=kind, reason=reason, decided_at=datetime.min,
                       status=RequestStatus.PLACED, trafficking_type=TRAFFICKING.draw(rng),
                       contact_channel=CHANNELS.draw(rng))
    proposed = filed + _minutes(rng, *FIRST_PROPOSAL[priority])
    if reason is not None and not reason.startswith(("planner.", NOT_PLANNED, "ended.")):
        past.steps["first_proposed"] = proposed
    if kind is OutcomeKind.PLACED_LATE:  # the window moved on; placed in the new one
        past.latest = arrive_by + timedelta(days=rng.randint(1, 4))
    # The outcomes job's verdict, a day after the window (an ending's is when it ended).
    past.decided_at = datetime.combine(past.latest + timedelta(days=2), time(6))
    if kind is OutcomeKind.UNPLACED:
        _unplaced(rng, past, proposed, max(earliest, proposed.date()))
        if reason == NEEDS_REASON:
            past.needs = _unmet_needs(filed)
        return past
    if kind is OutcomeKind.PLACED_LATE:
        if reason is not None:
            _failed(past, reason, proposed, max(earliest, proposed.date()))
        check_in = past.latest
        approved = datetime.combine(check_in, time(12)) - _minutes(rng, 0, 600)
        past.steps.setdefault("first_proposed", approved - _minutes(rng, 5, 90))
    else:
        approved = proposed + _minutes(rng, 5, 90)
        check_in = min(max(earliest, approved.date()), arrive_by)
        past.steps["first_proposed"] = proposed
    past.steps.setdefault("approved", approved)
    confirmed = past.steps.setdefault("confirmed", approved + _minutes(rng, 15, 240))
    past.steps["checked_in"] = max(datetime.combine(check_in, EVENING),
                                   confirmed + timedelta(minutes=40))
    past.steps["checked_out"] = datetime.combine(check_in + timedelta(days=nights), MORNING)
    past.stays.append(Stay(check_in, BookingState.CHECKED_OUT, approved))
    return past


def _failed(past: PastRequest, reason: str, proposed: datetime, check_in: date) -> None:
    """The stay given back that made the request wait (`reason`), with its steps."""
    approved = proposed + timedelta(minutes=20)
    if reason.startswith("declined."):
        past.stays.append(Stay(check_in, BookingState.CANCELLED, approved,
                               reason.split(".", 1)[1]))
    elif reason in FAILED_STAYS:
        state = FAILED_STAYS[reason]
        past.stays.append(Stay(check_in, state, approved if state not in (
            BookingState.REJECTED, BookingState.CANCELLED) else None))
    else:
        return
    if past.stays[-1].approved_at is not None:
        past.steps["approved"] = approved
    if reason == "no_show":
        past.steps["confirmed"] = approved + timedelta(hours=1)


def _unplaced(rng: random.Random, past: PastRequest, proposed: datetime,
              check_in: date) -> None:
    """Ended by the advocate or a coordinator (its reason's code), or, once its window was
    over unplaced, closed by a coordinator as no longer reachable."""
    reason = past.reason
    if reason.startswith("ended."):
        if rng.random() < .5:
            past.steps["first_proposed"] = proposed
        ended = proposed + _minutes(rng, 30, 1800)
        past.status = RequestStatus.WITHDRAWN if rng.random() < .7 else RequestStatus.CLOSED
        past.status_reason_code = reason.split(".", 1)[1]
        past.steps["ended"] = past.decided_at = ended
        return
    _failed(past, reason, proposed, check_in)
    past.status, past.status_reason_code = RequestStatus.CLOSED, "unreachable"
    past.steps["ended"] = datetime.combine(past.latest + timedelta(days=rng.randint(3, 20)),
                                           time(14))


def _unmet_needs(filed: datetime) -> list[str]:
    """The needs of a party no place within reach served. Drawn from a generator of its
    own (seeded by the filing moment), so that adding them left every other draw, and so
    the demo's and bench-data's history, as it was."""
    rng = random.Random(int(filed.timestamp()))
    return sorted({UNMET_NEEDS.draw(rng) for _ in range(1 if rng.random() < .8 else 2)})


def unmet_need_rows(past: PastRequest, request: dict, need_ids: dict[str, int]) -> list[dict]:
    """The UnmetNeed rows the outcome of `past` leaves (requests/outcomes.py), for a
    request with these columns (filed_month, us_state, priority)."""
    return [dict(filed_month=request["filed_month"], us_state=request["us_state"],
                 priority=request["priority"], need_id=need_ids[code]) for code in past.needs]
