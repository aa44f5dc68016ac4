"""A coordinator's buttons on a stay: for each transition of the table (states.py) that is a
button, the form it posts and the service call it makes. The stay's page renders from this
registry and the one action route dispatches from it, so an action exists in one place.

Every refusal reaches the coordinator on one channel, as an exception carrying its sentence:
`Refused` when the form is not filled in right, `service.BookingConflict` when the stay or
the place no longer allows it, `TransitionNotAllowed` when the table does not.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from ..requests.models import RequestStatus
from . import news, service
from .forms import (
    ActionForm,
    ButtonForm,
    CancelForm,
    ConfirmForm,
    DeclineForm,
    ExtendForm,
    RejectForm,
)
from .models import Booking
from .states import TRANSITIONS, BookingState, Transition, actions_from

RuleCheck = Callable[[Booking], list[str]]


class Refused(service.BookingConflict):
    """The posted form is not filled in right: its own sentence says what to change."""


REFUSALS = service.REFUSED


@dataclass(frozen=True)
class Context:
    """What an action may need beyond its form: the day it is where the person is, and the
    check of the place's rules that an approval runs."""

    today: date
    rule_check: RuleCheck


# The service call's arguments taken from the valid form, by the service's parameter names.
FromForm = Callable[[Any], dict[str, Any]]


def nothing(form: ActionForm) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Action:
    """One button: its transition, the form it posts, and its service call, made as
    call(session, booking, actor_id, **from_form(form), **{name: context.<name> for needs})."""

    transition: Transition
    form: type[ActionForm]
    call: Callable[..., None]
    from_form: FromForm = nothing
    needs: tuple[str, ...] = ()  # names of Context fields
    # Who hears of it (news.py): the advocate of a placed request, the approver of a declined
    # stay; in the same transaction (the inbox) and after the commit (the mail).
    tells: Callable[[Session, Booking], None] | None = None

    @property
    def name(self) -> str:
        return self.transition.action

    @property
    def label(self) -> str:
        return self.transition.label

    @property
    def turns_down(self) -> bool:
        """Gives back what the stay held, or says no to the place: a red button."""
        return self.transition.releases or self.transition.target is BookingState.REJECTED

    def arguments(self, form: ActionForm, context: Context) -> dict[str, Any]:
        return self.from_form(form) | {name: getattr(context, name) for name in self.needs}


def _action(name: str, form: type[ActionForm], call: Callable[..., None],
            from_form: FromForm = nothing, **how) -> Action:
    transition = TRANSITIONS[name]
    assert transition.button, f"{name} is not a coordinator's button"
    return Action(transition, form, call, from_form, **how)


TODAY = ("today",)

ACTIONS: dict[str, Action] = {action.name: action for action in [
    _action("approve", ButtonForm, service.approve, needs=("today", "rule_check"),
            tells=news.placed),
    _action("reject", RejectForm, service.reject, lambda f: {"reason": f.reason.data}),
    _action("expire_hold", ButtonForm, service.expire_hold),
    _action("confirm", ConfirmForm, service.confirm,
            lambda f: {"confirmation": f.confirmation.data,
                       "points_charged": f.points_charged.data}, needs=TODAY),
    _action("decline", DeclineForm, service.decline,
            lambda f: {"reason_code": f.reason_code.data, "note": f.note.data or ""},
            tells=news.declined),
    _action("check_in", ButtonForm, service.check_in),
    _action("no_show", ButtonForm, service.no_show),
    _action("check_out", ButtonForm, service.check_out, needs=TODAY),
    _action("cancel", CancelForm, service.cancel,
            lambda f: {"reason": f.reason.data, "close": f.close,
                       "avoid_place": f.avoid_place.data}),
    _action("extend", ExtendForm, service.extend, lambda f: {"extra_nights": f.nights.data},
            needs=TODAY),
]}


def offered(state: BookingState) -> list[Action]:
    """The buttons a stay in `state` shows, in the table's order."""
    return [ACTIONS[name] for name in actions_from(state) if name in ACTIONS]


def take(action: Action, session: Session, booking: Booking, actor_id: int,
         form: ActionForm, context: Context) -> None:
    """Validate the posted form, then make the action's service call (which flushes; the
    caller commits). Raises one of REFUSALS with the sentence for the coordinator."""
    if not form.validate_on_submit():
        raise Refused(form.refusal())
    action.call(session, booking, actor_id, **action.arguments(form, context))
    if action.tells is not None:
        action.tells(session, booking)


def done_message(action: Action, booking: Booking) -> str:
    """What the coordinator is told after the action; a stay given back also says where its
    request stands now."""
    done = action.transition.done
    if action.transition.releases:
        done += ("; the request is closed" if booking.request.status is RequestStatus.CLOSED
                 else "; the request is back in the queue")
    return f"Stay for {booking.request.case_code} at {booking.place.name}: {done}."
