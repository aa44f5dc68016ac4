"""Engine set-up for correctness on both backends, and the one place that commits."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from .extensions import db


def configure_engine(engine: Engine) -> None:
    """SQLite needs three things to behave like a real database under concurrent writers.

    Foreign keys are off by default; WAL lets readers proceed during a write; and taking the
    write lock at BEGIN (not at the first write) means two transactions can never both read
    the last free bed and then both write: the second waits, then reads fresh data.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised on connect
        # Take transaction control away from pysqlite so BEGIN IMMEDIATE below is the BEGIN.
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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit once at the end of a unit of work (a request, a CLI command, a job); roll
    back everything on any error. Models and partner functions only flush."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
