"""One commit per request (placement/database.py): a request's work is committed once, at
its end, and only when it answers under 400; an exception or a refusal leaves nothing
behind but the refusal's own record; mail goes out after the commit; a page that only reads
never takes SQLite's write lock."""

import sqlite3
from contextlib import contextmanager

import pyotp
import pytest
from flask import Blueprint, template_rendered
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.pool import NullPool

from partners.points import Donor, DonorKind
from placement import database
from placement.auth.access import PUBLIC
from placement.auth.models import Role
from placement.extensions import db
from placement.requests.models import HousingRequest
from tests import test_access, test_notifications
from tests.conftest import PASSWORD

records = test_access.records
inbox = test_notifications.inbox
REQUEST = test_notifications.REQUEST


def donors(name: str) -> int:
    return db.session.scalar(select(func.count(Donor.id)).where(Donor.name == name))


def requests_filed() -> int:
    return db.session.scalar(select(func.count(HousingRequest.id)))


@pytest.fixture
def probe(app):
    """Routes that write and then answer as a view may: raise, refuse, succeed."""
    bp = Blueprint("probe", __name__)

    def add(name: str) -> None:
        db.session.add(Donor(name=name, kind=DonorKind.PERSON))
        db.session.flush()

    @bp.route("/probe/<outcome>", methods=["POST"])
    def write(outcome: str):
        if outcome == "kept":
            database.keep_on_refusal(lambda: add("kept record"))
        add(outcome)
        if outcome == "raise":
            raise RuntimeError("after the flush")
        return ("refused", 400) if outcome in ("refused", "kept") else ("ok", 200)

    write.allowed_roles = PUBLIC
    app.register_blueprint(bp)
    return app.test_client()


def test_a_view_that_raises_after_flushing_leaves_nothing(app, probe):
    with pytest.raises(RuntimeError):
        probe.post("/probe/raise")
    assert probe.post("/probe/refused").status_code == 400
    assert donors("raise") == donors("refused") == 0
    assert probe.post("/probe/ok").status_code == 200
    assert donors("ok") == 1


def test_a_refusal_keeps_only_its_own_record(app, probe):
    assert probe.post("/probe/kept").status_code == 400
    assert donors("kept") == 0
    assert donors("kept record") == 1


def test_a_critical_request_that_fails_late_is_not_filed_and_mails_nobody(
        app, inbox, make_user, login, monkeypatch):
    coordinator = make_user(Role.COORDINATOR)
    coordinator.on_call = True
    db.session.commit()
    client = login(make_user(Role.ADVOCATE))

    def broken_flash(*_args, **_kwargs):
        raise RuntimeError("after filing and queueing the mail")

    monkeypatch.setattr("placement.requests.views.flash", broken_flash)
    with pytest.raises(RuntimeError):
        client.post("/requests/new", data=REQUEST)
    assert requests_filed() == 0
    assert inbox.messages == []


def test_a_refusal_answered_with_a_redirect_leaves_nothing(app, records, make_user, login,
                                                          monkeypatch):
    """A stay's action refused after the service flushed: the coordinator is sent back with
    the reason (303), and nothing the service wrote is kept."""
    from placement.bookings.service import BookingConflict

    def half_then_refuse(*_args, **_kwargs):
        db.session.add(Donor(name="half written", kind=DonorKind.PERSON))
        db.session.flush()
        raise BookingConflict("the place is full now")

    monkeypatch.setattr("placement.bookings.views.take", half_then_refuse)
    client = login(make_user(Role.COORDINATOR))
    response = client.post(f"/bookings/{records['booking_id']}/approve")
    assert response.status_code == 303
    assert donors("half written") == 0


def test_a_critical_filing_plans_after_its_commit(app, make_user, login):
    """The run a critical filing starts is the planner's own transaction, queued once the
    request is committed: it sees the request it was started for."""
    from placement.planning.models import PlanRun, RunStatus

    app.config.update(REPLAN_ON_CRITICAL=True, PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5,
                      PLANNER_WORKERS=1)
    response = login(make_user(Role.ADVOCATE)).post("/requests/new", data=REQUEST)
    assert response.status_code == 302
    run = db.session.scalar(select(PlanRun))
    assert run.status is RunStatus.DONE and run.requests == 1


def test_mail_goes_out_only_after_the_commit(app, inbox, make_user, login):
    """The SMTP server looks at the database from another connection while the message
    arrives: the request it announces is already there."""
    coordinator = make_user(Role.COORDINATOR)
    coordinator.on_call = True
    db.session.commit()
    seen = []
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    receive = inbox.handle_DATA

    async def handle_data(server, session, envelope):
        with engine.connect() as connection:
            seen.append(connection.scalar(text("SELECT count(*) FROM housing_request")))
        return await receive(server, session, envelope)

    inbox.handle_DATA = handle_data
    response = login(make_user(Role.ADVOCATE)).post("/requests/new", data=REQUEST)
    engine.dispose()
    assert response.status_code == 302
    assert seen == [1]


def test_a_refused_second_factor_code_writes_nothing(app, make_user, login):
    """Turning on two-step sign-in with the right password and a wrong code: the account
    is as it was (the old code reset its last used code step, then refused)."""
    user = make_user(Role.ADVOCATE)
    user.totp_last_step = 1234
    db.session.commit()
    client = login(user)
    client.get("/account/totp")
    with client.session_transaction() as session:
        secret = session["enroll_secret"]
    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
    response = client.post("/account/totp", data={"code": wrong,
                                                  "current_password": PASSWORD})
    assert response.status_code == 400
    db.session.expire_all()
    assert user.totp_last_step == 1234 and user.totp_secret_encrypted is None


@contextmanager
def write_lock_probe(app):
    """While each page renders, try to take SQLite's write lock from another connection."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    free = []

    def try_lock(_sender, **_extra):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()

    with template_rendered.connected_to(try_lock, app):
        yield free


def test_a_page_that_only_reads_leaves_the_write_lock_free(app, backend, make_user, login,
                                                           create_request):
    if backend != "sqlite":
        pytest.skip("SQLite's write lock")
    request_id = create_request().id
    db.session.commit()
    client = login(make_user(Role.COORDINATOR))
    with write_lock_probe(app) as free:
        for page in ("/coordinator", "/bookings", "/plan", "/points", "/places/shelters", "/tape"):
            assert client.get(page).status_code == 200, page
    assert free and all(free)
    with write_lock_probe(app) as free:  # an audited read writes: it holds the lock
        assert client.get(f"/requests/{request_id}").status_code == 200
    assert free and not any(free)


@pytest.mark.parametrize("role", list(Role))
def test_no_request_commits_twice_or_writes_undeclared(app, backend, records, make_user, login,
                                                       role):
    """Every route, every method, with real ids: at most one commit on the request's own
    connection (a planner run in its thread keeps its own transactions), and no GET writes
    unless it says so (`database.writes`): it began without SQLite's write lock. (What the
    views do is the same on both backends: walked once.)"""
    if backend != "sqlite":
        pytest.skip("walked on SQLite")
    from flask import has_request_context, request

    commits, undeclared = [], []

    def count(_connection):
        if has_request_context():
            commits.append(1)

    def watch(_connection, _cursor, statement, *_args):
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if (verb in ("INSERT", "UPDATE", "DELETE") and has_request_context()
                and not database.begins_writing()):
            undeclared.append((request.endpoint, statement[:60]))

    event.listen(db.engine, "commit", count)
    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        client = login(make_user(role))
        twice = []
        for endpoint, method, url, _allowed in test_access.walk(app, records):
            if endpoint == "auth.logout":
                continue
            before = len(commits)
            client.open(url, method=method)
            if len(commits) - before > 1:
                twice.append((endpoint, method, len(commits) - before))
    finally:
        event.remove(db.engine, "commit", count)
        event.remove(db.engine, "before_cursor_execute", watch)
    assert twice == []
    assert undeclared == []
