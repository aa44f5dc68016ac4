"""Booking states and the one table of allowed transitions that every part uses."""

import enum
from dataclasses import dataclass

from ..transitions import TransitionNotAllowed as TransitionNotAllowed  # bookings' import
from ..transitions import TransitionTable


class BookingState(enum.StrEnum):
    PROPOSED = "proposed"  # the planner's suggestion, awaiting a coordinator
    REJECTED = "rejected"
    APPROVED = "approved"  # beds or rooms and points are held
    HOLD_EXPIRED = "hold_expired"  # approved but not confirmed in time
    CONFIRMED = "confirmed"  # the shelter or hotel confirmed
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


S = BookingState

# States that hold beds or rooms and points.
HOLDING = frozenset({S.APPROVED, S.CONFIRMED, S.CHECKED_IN})
# States of a booking that places its request (at most one per request).
PLACING = HOLDING | {S.CHECKED_OUT}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[BookingState]
    target: BookingState | None  # None: the state stays (extend)
    label: str  # the button
    done: str  # "A proposed booking cannot be <done>."
    releases: bool = False  # gives back what was held
    # A coordinator's button (its form and service call: actions.py), or the app's own step
    # (withdraw: a plan run replaces its proposals, an advocate withdraws the request).
    button: bool = True
    # The request's step it records, the first time (requests/models.py STEPS).
    step: str | None = None
    # Why the request waits for a place again after it (requests/outcomes.py REASONS; a
    # decline's code is "declined." and the place's reason code).
    waits: str | None = None


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    Transition("approve", frozenset({S.PROPOSED}), S.APPROVED, "Approve", "approved"),
    Transition("reject", frozenset({S.PROPOSED}), S.REJECTED, "Reject", "rejected",
               waits="rejected"),
    Transition("withdraw", frozenset({S.PROPOSED}), S.CANCELLED, "Withdraw", "withdrawn",
               button=False),
    Transition("expire_hold", frozenset({S.APPROVED}), S.HOLD_EXPIRED, "Release the hold",
               "released", releases=True, waits="hold_expired"),
    Transition("confirm", frozenset({S.APPROVED}), S.CONFIRMED, "Confirm", "confirmed",
               step="confirmed"),
    # The shelter answers through its staff link: yes (a confirmation code is generated)...
    Transition("accept", frozenset({S.APPROVED}), S.CONFIRMED, "Accept", "accepted",
               button=False, step="confirmed"),
    # ...or no, with a reason code; a coordinator records a hotel's (or a shelter's, by
    # phone) no the same way. The place is kept out of the request's plans.
    Transition("decline", frozenset({S.APPROVED}), S.CANCELLED, "The place declined",
               "declined", releases=True, waits="declined.{reason_code}"),
    Transition("check_in", frozenset({S.CONFIRMED}), S.CHECKED_IN, "Check in", "checked in",
               step="checked_in"),
    Transition("no_show", frozenset({S.CONFIRMED}), S.NO_SHOW, "No-show", "marked a no-show",
               releases=True, waits="no_show"),
    Transition("check_out", frozenset({S.CHECKED_IN}), S.CHECKED_OUT, "Check out",
               "checked out", step="checked_out"),
    Transition("cancel", frozenset({S.APPROVED, S.CONFIRMED}), S.CANCELLED, "Cancel",
               "cancelled", releases=True, waits="cancelled"),
    Transition("extend", frozenset({S.APPROVED, S.CONFIRMED, S.CHECKED_IN}), None, "Extend",
               "extended"),
]}


TABLE = TransitionTable("booking", TRANSITIONS, lambda state: state.label.lower())
can, target_of, actions_from = TABLE.can, TABLE.target_of, TABLE.actions_from
