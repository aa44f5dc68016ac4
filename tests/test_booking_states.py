"""The transition table, checked exhaustively: every action from every state."""

import pytest

from placement.bookings.states import (
    HOLDING,
    TRANSITIONS,
    BookingState,
    TransitionNotAllowed,
    actions_from,
    can,
    target_of,
)

S = BookingState
EXPECTED = {
    ("approve", S.PROPOSED): S.APPROVED,
    ("reject", S.PROPOSED): S.REJECTED,
    ("withdraw", S.PROPOSED): S.CANCELLED,
    ("expire_hold", S.APPROVED): S.HOLD_EXPIRED,
    ("confirm", S.APPROVED): S.CONFIRMED,
    ("accept", S.APPROVED): S.CONFIRMED,
    ("decline", S.APPROVED): S.CANCELLED,
    ("check_in", S.CONFIRMED): S.CHECKED_IN,
    ("no_show", S.CONFIRMED): S.NO_SHOW,
    ("check_out", S.CHECKED_IN): S.CHECKED_OUT,
    ("cancel", S.APPROVED): S.CANCELLED,
    ("cancel", S.CONFIRMED): S.CANCELLED,
    ("extend", S.APPROVED): S.APPROVED,
    ("extend", S.CONFIRMED): S.CONFIRMED,
    ("extend", S.CHECKED_IN): S.CHECKED_IN,
}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("state", list(BookingState))
def test_every_action_from_every_state(action, state):
    expected = EXPECTED.get((action, state))
    assert can(action, state) is (expected is not None)
    if expected is None:
        with pytest.raises(TransitionNotAllowed, match=f"is {state.label.lower()}"):
            target_of(action, state)
    else:
        assert target_of(action, state) is expected


def test_final_states_allow_nothing():
    for state in (S.REJECTED, S.HOLD_EXPIRED, S.CHECKED_OUT, S.NO_SHOW, S.CANCELLED):
        assert actions_from(state) == []


def test_every_releasing_action_leaves_a_holding_state():
    for transition in TRANSITIONS.values():
        if transition.releases:
            assert transition.sources <= HOLDING
            assert transition.target not in HOLDING


def test_an_unknown_action_is_refused():
    with pytest.raises(TransitionNotAllowed, match="unknown action"):
        target_of("teleport", S.PROPOSED)
