"""Kept page bodies (placement/page_cache.py) are never older than the data, and are the
person's own; the number they are keyed on changes exactly with writing commits
(placement/changes.py). On SQLite nothing is kept."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from placement import changes, home, page_cache
from placement.auth.models import Role
from placement.extensions import db
from placement.requests.models import Priority
from tests.conftest import sign_in

PAGES = ["/coordinator", "/plan", "/tape?days=14"]


@pytest.fixture
def drawn(monkeypatch):
    """How many times the queue's body was drawn (its context read from the database)."""
    calls = []
    queue = home._queue

    def counted():
        calls.append(1)
        return queue()

    monkeypatch.setattr(home, "_queue", counted)
    page_cache.forget_all()
    yield calls
    page_cache.forget_all()


@pytest.fixture
def coordinator(make_user, login):
    return login(make_user(Role.COORDINATOR))


def test_the_number_changes_with_each_writing_commit_only(app, backend, create_shelter):
    if backend == "sqlite":
        assert changes.current(db.session) is None
        return
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    first = changes.current(db.session)
    db.session.commit()  # a transaction that only read
    assert changes.current(db.session) == first
    create_shelter(name="Harbor House")  # an ORM write
    db.session.commit()
    second = changes.current(db.session)
    assert second not in (None, first)
    with db.engine.begin() as connection:  # a Core statement outside the ORM
        connection.execute(text("UPDATE shelter SET name = 'Harbor Home'"))
    third = changes.current(db.session)
    assert third != second
    db.session.commit()
    db.session.execute(text("UPDATE shelter SET name = 'Pier House'"))
    db.session.rollback()  # a write that was not kept
    assert changes.current(db.session) == third


def test_a_kept_queue_shows_a_request_filed_after_it_was_kept(
        app, backend, coordinator, create_request, drawn):
    create_request(priority=Priority.CRITICAL)
    db.session.commit()
    first = coordinator.get("/coordinator")
    again = coordinator.get("/coordinator")
    assert first.status_code == again.status_code == 200
    # PostgreSQL keeps the body between two changes; SQLite draws every time.
    assert len(drawn) == (1 if backend == "postgresql" else 2)
    codes = set(re.findall(r"SB-[A-Z0-9-]+", first.text))
    create_request(priority=Priority.CRITICAL, where="10001")
    db.session.commit()
    after = coordinator.get("/coordinator")
    assert set(re.findall(r"SB-[A-Z0-9-]+", after.text)) > codes
    assert len(drawn) == (2 if backend == "postgresql" else 3)


def test_a_kept_body_lasts_the_minute_at_most(app, backend, coordinator, drawn):
    moment = [datetime(2026, 12, 2, 15, 0, 10, tzinfo=UTC)]
    app.config["SCHEDULER_CLOCK"] = lambda: moment[0]
    coordinator.get("/coordinator")
    moment[0] += timedelta(seconds=40)
    coordinator.get("/coordinator")
    moment[0] += timedelta(seconds=20)  # the next minute: "waiting 47 min" moved on
    coordinator.get("/coordinator")
    assert len(drawn) == (2 if backend == "postgresql" else 3)


def test_a_kept_body_carries_each_persons_own_form_token(app, make_user, create_shelter,
                                                        create_booking, drawn):
    create_booking(create_shelter(name="Harbor House"))  # a proposal: the plan page's forms
    db.session.commit()
    person = make_user(Role.COORDINATOR)  # signed in twice: two browsers, two sessions
    clients = [sign_in(app.test_client(), person) for _ in range(2)]
    app.config["WTF_CSRF_ENABLED"] = True  # after signing in: the forms carry tokens
    secrets = []
    for client in clients:
        for path in PAGES:
            page = client.get(path)
            assert page.status_code == 200
            tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page.text))
            assert not any("csrf-" in t for t in tokens)  # no placeholder left
            if path == "/plan":
                assert tokens, "the plan page offers to approve the proposal"
            # The session's secret is the signed token's first part (itsdangerous).
            secrets.extend({t.split(".")[0] for t in tokens})
        with client.session_transaction() as session:
            own = session["csrf_token"]
        assert all(secret == secrets[0] for secret in secrets), "one session, one secret"
        assert _unsigned(secrets[0]) == own
        secrets.clear()


def _unsigned(part: str) -> str:
    import base64
    import json

    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_metrics_count_kept_and_drawn_bodies(app, backend, coordinator):
    from placement.metrics import PAGE_BODIES

    def counted(result):
        return PAGE_BODIES.labels("planning.index", result)._value.get()

    page_cache.forget_all()
    before = counted("hit"), counted("miss")
    coordinator.get("/plan")
    coordinator.get("/plan")
    after = counted("hit"), counted("miss")
    assert (after[0] - before[0], after[1] - before[1]) == (
        (1, 1) if backend == "postgresql" else (0, 0))


def test_page_cache_0_draws_every_page_afresh(app, coordinator, drawn):
    app.config["PAGE_CACHE"] = False  # the operator's switch (PAGE_CACHE=0)
    coordinator.get("/coordinator")
    coordinator.get("/coordinator")
    assert len(drawn) == 2
