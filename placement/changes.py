"""A number that changes with every commit that wrote to the database (PostgreSQL).

Kept pages (placement/page_cache.py) are keyed on it: a page read under one number shows
nothing older than what was committed when the number was read, so a page kept under the
number now current is as fresh as drawing it again.

Every transaction through the app's engine that wrote anything (an ORM flush, a Core
statement, raw SQL, a trigger: PostgreSQL assigns it a transaction id) bumps the one row of
`data_version` as its last statement, just before COMMIT, so the bump is visible exactly
when the writes are. Transactions that only read do not bump and stay read-only. Under READ
COMMITTED a second writer waits for the row only for the instant between the first's bump
and its COMMIT.

The hook is put on the engine at its first connection, when the table exists (a database
not yet migrated has none; `counting` then says no and nothing is kept). Writes that do not
go through the app (psql by hand) and migrations do not bump: kept pages also expire with
the minute.
"""

from sqlalchemy import BigInteger, Column, Engine, Integer, Table, event, text
from sqlalchemy.orm import Session

from partners.base import Base

data_version = Table(
    "data_version", Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

# Written by the last statement before COMMIT, and only by a transaction that has written.
# A missing row (a truncated table) comes back, started from the clock in microseconds, so
# a number once used is not handed out again.
BUMP = """
INSERT INTO data_version (id, version)
SELECT 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
WHERE pg_current_xact_id_if_assigned() IS NOT NULL
ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1
"""


def _bump(connection) -> None:
    if connection.info.get("uncounted"):  # a migration (migrations/env.py)
        return
    with connection.connection.dbapi_connection.cursor() as cursor:
        cursor.execute(BUMP)


def _install(dbapi_connection, _record, engine: Engine) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('data_version') IS NOT NULL")
        exists = cursor.fetchone()[0]
    dbapi_connection.rollback()  # psycopg began a transaction for the check
    if exists and not event.contains(engine, "commit", _bump):
        event.listen(engine, "commit", _bump)


def count_changes(engine: Engine) -> None:
    """Bump the number on every writing commit through `engine` (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "first_connect",
                 lambda dbapi_connection, record: _install(dbapi_connection, record, engine))


def counting(engine: Engine) -> bool:
    return event.contains(engine, "commit", _bump)


def current(session: Session) -> int | None:
    """The number now, or None where nothing counts (SQLite, an unmigrated database)."""
    if not counting(session.get_bind()):
        return None
    return session.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar()
