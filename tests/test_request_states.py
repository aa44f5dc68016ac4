"""A request's own transition table, checked exhaustively: every action from every status."""

import pytest
from sqlalchemy import select

from placement.audit import AuditEvent
from placement.bookings.states import TransitionNotAllowed
from placement.extensions import db
from placement.requests.models import RequestStatus
from placement.requests.states import (
    FINAL,
    TRANSITIONS,
    RequestTransitionNotAllowed,
    actions_from,
    can,
    move,
    target_of,
)

S = RequestStatus
EXPECTED = {
    ("place", S.PENDING): S.PLACED,
    ("requeue", S.PLACED): S.PENDING,
    ("close", S.PENDING): S.CLOSED,
    ("close", S.PLACED): S.CLOSED,
    ("withdraw", S.PENDING): S.WITHDRAWN,
    ("withdraw", S.PLACED): S.WITHDRAWN,
}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", list(RequestStatus))
def test_every_action_from_every_status(action, status):
    expected = EXPECTED.get((action, status))
    assert can(action, status) is (expected is not None)
    if expected is None:
        with pytest.raises(RequestTransitionNotAllowed, match=f"is {status.value}"):
            target_of(action, status)
    else:
        assert target_of(action, status) is expected


def test_closed_and_withdrawn_requests_are_final():
    assert set(FINAL) == {S.CLOSED, S.WITHDRAWN}
    for status in FINAL:
        assert actions_from(status) == []


def test_only_a_pending_request_can_be_placed():
    assert [s for s in RequestStatus if can("place", s)] == [S.PENDING]


def test_a_refused_request_transition_reads_like_a_refused_booking_transition():
    # The booking pages answer TransitionNotAllowed with its message, never a 500.
    assert issubclass(RequestTransitionNotAllowed, TransitionNotAllowed)
    with pytest.raises(TransitionNotAllowed, match="unknown action"):
        target_of("teleport", S.PENDING)


def test_a_move_keeps_the_reason_and_leaves_an_audit_row(create_request, make_user):
    from placement.auth.models import Role

    coordinator = make_user(Role.COORDINATOR)
    request = create_request()
    move(db.session, request, "close", coordinator.id, "  Client found family to stay with ")
    assert request.status is S.CLOSED
    assert request.status_reason == "Client found family to stay with"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject == "request")).one()
    assert (event.action, event.subject_id, event.from_state, event.to_state,
            event.actor_id, event.detail) == ("close", request.id, "pending", "closed",
                                              coordinator.id, None)
    with pytest.raises(RequestTransitionNotAllowed, match="is closed; it cannot be placed"):
        move(db.session, request, "place", coordinator.id)
    assert request.status is S.CLOSED
