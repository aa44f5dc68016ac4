"""One shape for a table of allowed transitions, used by bookings and by requests: each
names its action, the states it leaves from, the state it leads to and the words a person
reads ("This booking is confirmed; it cannot be approved now.")."""

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class TransitionNotAllowed(ValueError):
    """The action is unknown, or not allowed from the record's state; the message says so."""


class _Transition(Protocol):
    sources: frozenset
    target: Any
    done: str


class TransitionTable:
    def __init__(self, noun: str, transitions: Mapping[str, _Transition],
                 label: Callable[[Any], str],
                 error: type[TransitionNotAllowed] = TransitionNotAllowed) -> None:
        self.noun, self.transitions, self.label, self.error = noun, transitions, label, error

    def can(self, action: str, state) -> bool:
        transition = self.transitions.get(action)
        return transition is not None and state in transition.sources

    def target_of(self, action: str, state):
        """The state `action` leads to from `state` (the same one for a transition whose
        target is None), or the table's TransitionNotAllowed."""
        transition = self.transitions.get(action)
        if transition is None:
            raise self.error(f"unknown action {action!r}")
        if state not in transition.sources:
            raise self.error(f"This {self.noun} is {self.label(state)}; it cannot be "
                             f"{transition.done} now.")
        return transition.target or state

    def actions_from(self, state) -> list[str]:
        return [action for action, t in self.transitions.items() if state in t.sources]
