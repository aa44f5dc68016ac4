"""What became of each request, once: placed on time, placed late, or unplaced with a reason
code, so that the reports' history never depends on the latest planner run's sentence.
Written by placement/bookings/outcomes.py (when a request ends, and by the `outcomes` job
when its window is over); read by the reports.

The reason codes are one vocabulary (`REASONS`), each with the words people read, built
from the structured reasons the app already keeps: the planner's why-unplaced kinds
(optimizer/explain.py), a place's decline (reasons.DECLINE_REASONS), a coordinator's
rejection, an expired hold, a no-show, a cancelled stay, and why a request was withdrawn or
closed (reasons.END_REASONS). A request carries the last of them as it waits
(`HousingRequest.wait_reason_code`); the outcome copies it.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partners.base import Base, enum_column

from ..reasons import DECLINE_REASONS, END_REASONS
from .models import HousingRequest, Priority


class OutcomeKind(enum.StrEnum):
    PLACED_ON_TIME = "placed_on_time"
    PLACED_LATE = "placed_late"
    UNPLACED = "unplaced"

    @property
    def label(self) -> str:
        return {"placed_on_time": "Placed on time", "placed_late": "Placed late",
                "unplaced": "Not placed"}[self.value]


# The planner's why-unplaced kinds (optimizer.explain.Reason.kind), each as "planner.<kind>".
PLANNER_REASONS = {
    "distance": "No place within reach",
    "excluded": "Every place that fits was excluded for this person",
    "danger": "Every place that fits lies in an area to avoid",
    "policy": "No place nearby takes this party",
    "pets": "No place nearby admits the animals",
    "accessible": "No wheelchair-accessible place nearby",
    "needs": "No place nearby offers what the party needs",
    "max_stay": "No place nearby allows a stay that long",
    "full_alone": "Every place that fits was full",
    "taken": "The places that fit went to other requests",
    "costly": "Every stay that fits cost more than leaving it unplaced",
    "fits": "A stay fitted that the plan did not use",
    # Several of the rules above together (a kind like "distance+needs").
    "rules": "Several place rules together",
    # The request could not be given to the optimizer (bridge.Snapshot.skipped).
    "skipped": "The planner could not take the request",
    # A plan that gave no reason (explanations off, or an old run).
    "unexplained": "The planner gave no reason",
}

PROPOSED = "proposed"  # the planner proposed a stay that nobody approved
NOT_PLANNED = "not_planned"  # no planner run saw it, nobody placed it
UNCODED_END = "ended.uncoded"  # closed when its stay was cancelled (free text only)

REASONS: dict[str, str] = {
    **{f"planner.{kind}": label for kind, label in PLANNER_REASONS.items()},
    PROPOSED: "A proposed stay was not approved in time",
    "rejected": "A coordinator rejected the proposed stay",
    **{f"declined.{code}": f"The place said no: {label}" for code, label in DECLINE_REASONS},
    "hold_expired": "The place did not confirm in time",
    "no_show": "The person did not arrive",
    "cancelled": "A coordinator cancelled the stay",
    **{f"ended.{code}": f"No place needed any more: {label}" for code, label in END_REASONS},
    UNCODED_END: "Closed when its stay was cancelled",
    NOT_PLANNED: "Never planned while it waited",
}


def planner_reason(kind: str | None) -> str:
    """The reason code of the planner's kind of reason for leaving a request unplaced."""
    if kind and "+" in kind:
        return "planner.rules"
    return f"planner.{kind}" if kind in PLANNER_REASONS else "planner.unexplained"


def ended_reason(code: str | None) -> str:
    """The reason code of a request withdrawn or closed with reasons.END_REASONS' `code`."""
    return f"ended.{code}" if f"ended.{code}" in REASONS else UNCODED_END


def reason_label(code: str | None) -> str:
    return REASONS.get(code or "", "No reason recorded")


class RequestOutcome(Base):
    """One per request, written once: its kind and, when not placed (or placed late), the
    code of why it waited. `booking_id` is the stay that placed it."""

    __tablename__ = "request_outcome"
    __table_args__ = (
        CheckConstraint("kind <> 'unplaced' OR reason IS NOT NULL", name="unplaced_has_reason"),
        Index("ix_request_outcome_kind_reason", "kind", "reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("housing_request.id"), unique=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_column(OutcomeKind, "outcome_kind"))
    reason: Mapped[str | None] = mapped_column(String(40))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"))
    decided_at: Mapped[datetime]

    request: Mapped[HousingRequest] = relationship()


# The planner's reason whose requests' needs are kept as unmet needs (UnmetNeed).
NEEDS_REASON = "planner.needs"


class UnmetNeed(Base):
    """A need of a request left unplaced because no place within reach offered what its
    party needed (the outcome's reason NEEDS_REASON), one row per need the request had
    when its outcome was decided, with the request's month of filing, state and priority.

    No link to the request: a request's needs (a language, "pregnant") are case data that
    retention deletes, and this row stays for the reports, as an aggregate of one. The
    planner's sentence named which of the needs no place offered; only its kind is kept,
    so every need of such a request is counted."""

    __tablename__ = "unmet_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    filed_month: Mapped[date] = mapped_column(index=True)
    us_state: Mapped[str | None] = mapped_column(String(2))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "request_priority"))
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"))
