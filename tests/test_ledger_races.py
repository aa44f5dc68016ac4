"""Two coordinators holding the last points of a program at the same moment.

Each round, two threads (each with its own app context, session and connection) start
together on a barrier and, once each has read the balances, wait for the other to have
read too before writing (the `_after_read` pause). Only the program lock can then keep
them apart: one wins, the other is told there are not enough points. Without the lock the
loser is stopped only by the database backstop, with a conflict error, and this test fails.
"""

import contextlib
import threading

import pytest

from partners import ledger
from partners.ledger import InsufficientPoints, hold_points, program_balances, release_hold
from placement.database import unit_of_work
from placement.extensions import db
from tests.points_factories import TODAY

ROUNDS = 100


@pytest.fixture
def pause_after_read(monkeypatch):
    state = {"barrier": None}

    def wait_for_the_other_reader():
        # A broken barrier means the other thread is waiting on the lock, as it should.
        with contextlib.suppress(threading.BrokenBarrierError):
            state["barrier"].wait()

    monkeypatch.setattr(ledger, "_after_read", wait_for_the_other_reader)
    return state


def test_two_holds_racing_for_the_last_points_never_both_succeed(app, make_lot, pause_after_read):
    lot = make_lot(10_000)
    program_id = lot.program_id
    db.session.commit()

    def attempt(start: threading.Barrier, ref: str, outcome: dict) -> None:
        with app.app_context():
            start.wait()
            try:
                with unit_of_work():
                    hold_points(db.session, program_id, 10_000, ref, TODAY)
                outcome[ref] = "held"
            except Exception as error:  # noqa: BLE001 - the test reports what it was
                outcome[ref] = type(error).__name__
            finally:
                db.session.remove()

    for round_number in range(ROUNDS):
        start = threading.Barrier(2)
        pause_after_read["barrier"] = threading.Barrier(2, timeout=0.05)
        outcome: dict[str, str] = {}
        refs = [f"r{round_number}-a", f"r{round_number}-b"]
        threads = [threading.Thread(target=attempt, args=(start, ref, outcome)) for ref in refs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcome.values()) == ["InsufficientPoints", "held"], (round_number, outcome)
        winner = next(ref for ref, result in outcome.items() if result == "held")
        with unit_of_work():
            assert program_balances(db.session, program_id).held == 10_000
            release_hold(db.session, winner)
    assert program_balances(db.session, program_id) == ledger.Balances(available=10_000)


def test_retries_with_one_idempotency_key_at_once_post_once(app, make_lot):
    lot = make_lot(50_000)
    program_id = lot.program_id
    db.session.commit()
    start = threading.Barrier(4)
    results = []

    def retry() -> None:
        with app.app_context():
            start.wait()
            try:
                with unit_of_work():
                    txn = hold_points(db.session, program_id, 10_000, "stay-1", TODAY,
                                      idempotency_key="approve-stay-1")
                    results.append(txn.id)
            except InsufficientPoints as error:  # pragma: no cover - would be a failure
                results.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 4 and len(set(results)) == 1
    assert program_balances(db.session, program_id).held == 10_000
