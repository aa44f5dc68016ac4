"""Engine set-up for correctness on both backends, and the places that commit.

A web request commits once, at its end (`init_app`, as indico's `RH.process` does): if the
view returns a response under 400 its work is committed, then the request's mail goes out;
on an exception or a 4xx/5xx answer everything it wrote is rolled back (a refusal may keep
its own record, `keep_on_refusal`) and its mail is dropped. Views only flush. A CLI
command, a scheduled job and a planner run each wrap their work in `unit_of_work()`.
"""

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable)

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(engine: Engine) -> None:
    """SQLite needs three things to behave like a real database under concurrent writers.

    Foreign keys are off by default; WAL lets readers proceed during a write; and a
    transaction that may write takes the write lock at BEGIN (not at the first write), so
    two transactions can never both read the last free bed and then both write: the second
    waits, then reads fresh data. A web request that only reads (`begins_writing`) begins
    DEFERRED and never holds the write lock.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised on connect
        # Take transaction control away from pysqlite so the BEGIN below is the BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if begins_writing() else "BEGIN")


def writes(view: F) -> F:
    """A GET view that writes (an audited read of a request's details): its transaction
    takes SQLite's write lock at BEGIN, as a POST's does. Without it a GET begins DEFERRED,
    and a read lock upgraded later fails at once when another writer is about."""
    view.writes_on_read = True  # type: ignore[attr-defined]
    return view


def begins_writing() -> bool:
    """Whether a transaction beginning now may write: always outside a web request (CLI,
    jobs, planner threads); in a request, for every method but GET, HEAD and OPTIONS, and
    for the views marked `writes`."""
    if not has_request_context() or request.method not in READ_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "writes_on_read", False))


@dataclass
class _Request:
    after_commit: list[Callable[[], object]] = field(default_factory=list)
    kept: list[Callable[[], object]] = field(default_factory=list)


_current: ContextVar[_Request | None] = ContextVar("placement_request_unit", default=None)


def after_commit(action: Callable[[], object]) -> None:
    """Run `action` once the request's work is committed (mail, never before the commit
    that makes it true); dropped if the request rolls back. Outside a request (a job, a
    planner run, which call it after their own commit) it runs now."""
    unit = _current.get()
    if unit is None:
        action()
    else:
        unit.after_commit.append(action)


def keep_on_refusal(write: Callable[[], object]) -> None:
    """A record a refusal must leave (a failed sign-in counts towards the throttle; every
    read of a request's details is on the record). `write` adds to the request's
    transaction now; if the request then answers 4xx, the boundary rolls back everything
    else it wrote and commits `write` again alone."""
    write()
    unit = _current.get()
    if unit is not None:
        unit.kept.append(write)


def init_app(app: Flask) -> None:
    """The request's one transaction boundary, around every view (and so every route)."""
    dispatch = app.dispatch_request

    @wraps(dispatch)
    def dispatch_in_one_transaction():
        unit = _Request()
        token = _current.set(unit)
        try:
            try:
                response = app.make_response(dispatch())
                _end(unit, response.status_code)
            except BaseException:  # the view's error, or the commit's (a conflict at COMMIT)
                db.session.rollback()
                raise
            return response
        finally:
            _current.reset(token)

    app.dispatch_request = dispatch_in_one_transaction  # type: ignore[method-assign]


def _end(unit: _Request, status: int) -> None:
    if status < 400:
        if db.session().in_transaction():
            db.session.commit()
    else:
        db.session.rollback()
        unit.after_commit.clear()  # mail about work that was not kept
        if unit.kept:
            for write in unit.kept:
                write()
            db.session.commit()
    for action in unit.after_commit:
        try:
            action()
        except Exception:  # the work is saved: a failure after it is logged, never a 500
            log.exception("after-commit step failed at %s", request.endpoint)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once at the end of a unit of work outside a web request (a CLI command, a
    job, a planner run); roll back everything on any error. Models and partner functions
    only flush."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def one_at_a_time(session: Session, name: str) -> None:
    """Make the rest of this transaction's "is one under way? if not, start one" a single
    step across every process and host: on PostgreSQL a lock named `name`, held until the
    transaction ends; SQLite's BEGIN IMMEDIATE already lets one writer in at a time. Without
    it two transactions at the same instant both find none and both start one."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(f"shelter-bridge:{name}".encode(), digest_size=8).digest()
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": int.from_bytes(digest, "big", signed=True)})
