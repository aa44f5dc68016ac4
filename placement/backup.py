"""`flask --app placement backup FILE` and `restore FILE`: every row, portable between
SQLite and PostgreSQL, in a file that is encrypted and authenticated.

Inside the seal (placement/backup_crypto.py) is gzipped JSON lines: a header (format,
schema revision), then per table in dependency order a line naming it and its columns and
lines of up to 1,000 rows. Both ways stream, a line at a time. The key is the first of
BACKUP_KEYS, which must not be a note key: notes stay encrypted under the note keys inside
the backup, and one leaked key must not open both. A restore goes only into an empty
database migrated to the same revision, inside one transaction that commits only once the
file has been read and checked to its last byte: it completes or leaves nothing.

Backups written before they were encrypted (format /1, plain gzipped JSON) are restored
only with --unencrypted: a hotline may hold a few until they age out, and refusing them
would leave it without its only copy; the flag keeps it deliberate.
"""

import base64
import binascii
import enum
import gzip
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

import click
from alembic.migration import MigrationContext
from flask import current_app
from flask.cli import with_appcontext
from psycopg import sql
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Enum,
    LargeBinary,
    delete,
    func,
    insert,
    null,
    select,
)
from sqlalchemy.exc import DBAPIError

from partners.base import Base

from .backup_crypto import (
    CHUNK,
    BackupKeyError,
    OpeningReader,
    SealedFileError,
    SealingWriter,
    key_id,
    parse_key,
)
from .crypto import load_keys
from .extensions import db

FORMAT = "shelter-bridge-backup/2"
PLAIN_FORMAT = "shelter-bridge-backup/1"
GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = CHUNK
# Tables the migrations seed (the vocabulary of needs): a fresh database has their rows,
# and a restore replaces them with the backup's (which hold the admins' additions).
SEEDED = {"need"}
BATCH = 1000
KEY_HINT = "`flask --app placement keys generate-backup` makes one"
# Not data: the number of the last writing commit (placement/changes.py) starts afresh.
NOT_DATA = {"data_version"}


def backed_up_tables() -> list:
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_DATA]


class BackupError(click.ClickException):
    """One line for the operator; exits non-zero without a traceback."""


def json_value(value):
    """What JSON cannot hold by itself (called for those values only: str enums, numbers
    and strings go straight through the C encoder, which matters at a million rows)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"{type(value).__name__} is not kept in backups")


# One encoder for every batch of rows: a line of up to BATCH of them, compact.
ROWS = json.JSONEncoder(default=json_value, check_circular=False, separators=(",", ":"))


def _loader(column) -> Callable | None:
    """How a column's JSON value becomes its Python value again (None: as it is)."""
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat
    if isinstance(kind, Date):
        return date.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class
    return None


def current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


# -- keys -----------------------------------------------------------------------------------

def _note_key_bytes() -> set[bytes]:
    found = set()
    for text in load_keys(current_app):
        with suppress(binascii.Error, ValueError):
            found.add(base64.urlsafe_b64decode(text.encode()))
    return found


def backup_keys() -> list[bytes]:
    """BACKUP_KEYS, newest first: the first seals new backups, any of them opens one."""
    texts = [k.strip() for k in (current_app.config.get("BACKUP_KEYS") or "").split(",")]
    keys = [parse_key(text) for text in texts if text]
    if set(keys) & _note_key_bytes():
        raise BackupKeyError(f"a key in BACKUP_KEYS is also a note key: give backups a key "
                             f"of their own ({KEY_HINT})")
    return keys


def sealing_key() -> bytes:
    keys = backup_keys()
    if not keys:
        raise BackupKeyError(f"set BACKUP_KEYS: backups are written only encrypted, with a "
                             f"key of their own ({KEY_HINT}; keep a copy away from the "
                             "backups)")
    return keys[0]


# -- writing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Written:
    rows: int
    tables: int
    bytes: int
    key_id: str


@contextmanager
def _snapshot() -> Iterator[Connection]:
    """One consistent view of every table. PostgreSQL: a repeatable-read, read-only
    transaction of its own (under read committed a booking could appear between reading
    the requests and reading the bookings). SQLite: the session's transaction, a snapshot
    already; a second connection would wait for it, since transactions outside a web
    request take the write lock at BEGIN."""
    if db.engine.dialect.name == "sqlite":
        yield db.session.connection()
        return
    with db.engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True) as connection:
        yield connection


def _write_rows(connection: Connection, out: TextIO) -> dict[str, int]:
    out.write(json.dumps({"format": FORMAT, "revision": current_revision(connection)}) + "\n")
    counts = {}
    for table in backed_up_tables():
        out.write(json.dumps({"table": table.name, "columns": [c.name for c in table.columns]})
                  + "\n")
        rows = connection.execute(select(table).order_by(*table.primary_key)
                                  .execution_options(yield_per=BATCH))
        counts[table.name] = 0
        for batch in rows.partitions():
            out.write(ROWS.encode([tuple(row) for row in batch]) + "\n")
            counts[table.name] += len(batch)
    return counts


def write_backup(raw: BinaryIO, key: bytes) -> dict[str, int]:
    """Every row, sealed with `key`, into `raw` (left open)."""
    sealed = SealingWriter(raw, key, chunk_size=CHUNK_BYTES)
    with (_snapshot() as connection,
          # Level 6 (zlib's default): a third of level 9's time for a few percent more.
          gzip.GzipFile(fileobj=sealed, mode="wb", compresslevel=6, mtime=0) as zipped,
          io.TextIOWrapper(zipped, encoding="utf-8") as out):
        counts = _write_rows(connection, out)
    sealed.close()  # the last chunk, flagged as such
    return counts


def write_file(path: Path) -> Written:
    """Write a backup to `path` whole or not at all: into a hidden file beside it (mode
    600, synced), renamed over `path` once complete."""
    key = sealing_key()  # refuse before creating anything
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as raw:
            counts = write_backup(raw, key)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)
    return Written(rows=sum(counts.values()), tables=len(counts),
                   bytes=path.stat().st_size, key_id=key_id(key))


# -- reading --------------------------------------------------------------------------------

def _plain_records(raw: BinaryIO) -> Iterator:
    """The records of a format /1 file, read whole as that format always was."""
    with gzip.GzipFile(fileobj=raw) as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or document.get("format") != PLAIN_FORMAT:
        raise ValueError("not a backup")
    yield {"format": FORMAT, "revision": document.get("revision")}
    for name, rows in document["tables"].items():
        columns = list(rows[0]) if rows else []
        yield {"table": name, "columns": columns}
        for start in range(0, len(rows), BATCH):
            yield [[row.get(column) for column in columns] for row in rows[start:start + BATCH]]


@contextmanager
def _opened(path: Path, unencrypted: bool) -> Iterator[tuple[Iterator, Callable[[], None]]]:
    """The file's records, and the check that it was sound to its end."""
    with open(path, "rb") as raw:
        if raw.read(2) == GZIP_MAGIC:
            if not unencrypted:
                raise BackupError(
                    f"{path} is an unencrypted backup from before backups were encrypted: "
                    "restore it with --unencrypted if you must, then delete it and its copies")
            raw.seek(0)
            yield _plain_records(raw), lambda: None
            return
        raw.seek(0)
        reader = OpeningReader(raw, backup_keys())
        with gzip.GzipFile(fileobj=reader) as zipped:
            lines = io.TextIOWrapper(zipped, encoding="utf-8")
            yield (json.loads(line) for line in lines), reader.check_end


def _header(records: Iterator) -> str | None:
    header = next(records, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("no backup header")
    return header.get("revision")


def _tables(records: Iterator) -> Iterator[tuple[object, list, list[list]]]:
    """(table, its columns in the file's order, a batch of rows), batch after batch; each
    table starts with an empty batch, so a table without rows is counted too."""
    tables = Base.metadata.tables
    table, columns = None, []
    for record in records:
        if isinstance(record, dict):
            table = tables[record["table"]]  # KeyError: a table this schema lacks
            columns = [table.c.get(name) for name in record["columns"]]
            yield table, columns, []
        elif table is None or not isinstance(record, list):
            raise ValueError("rows outside their table")
        else:
            yield table, columns, record


def _check_empty(connection: Connection, revision: str | None) -> None:
    if current_revision(connection) != revision:
        raise BackupError(
            f"the backup is of schema {revision}; this database is at "
            f"{current_revision(connection)}: restore into a fresh database migrated to the "
            f"backup's (`flask --app placement db upgrade {revision}`), then `db upgrade`")
    for table in backed_up_tables():
        if table.name not in SEEDED and connection.scalar(
                select(func.count()).select_from(table)):
            raise BackupError(f"the database is not empty (table {table.name}); "
                              "restore only into a fresh, migrated database")


def _insert(connection: Connection, records: Iterator) -> dict[str, int]:
    for table in backed_up_tables():  # nothing refers to them yet
        if table.name in SEEDED:
            connection.execute(delete(table))
    counts: dict[str, int] = {}
    copy = connection.dialect.name == "postgresql"
    for table, columns, batch in _tables(records):
        counts.setdefault(table.name, 0)
        if any(len(row) != len(columns) for row in batch):
            raise ValueError("a row of the wrong width")
        kept = [(at, column) for at, column in enumerate(columns) if column is not None]
        if batch:
            (_copy if copy else _execute)(connection, table, kept, batch)
        counts[table.name] += len(batch)
    return counts


def _execute(connection: Connection, table, kept: list, batch: list[list]) -> None:
    # A JSON column would store None as the JSON text 'null', not NULL: null() is NULL.
    fields = [(at, c.name, _loader(c), null() if isinstance(c.type, JSON) else None)
              for at, c in kept]
    connection.execute(insert(table), [
        {name: empty if row[at] is None else load(row[at]) if load else row[at]
         for at, name, load, empty in fields} for row in batch])


def _copy(connection: Connection, table, kept: list, batch: list[list]) -> None:
    """PostgreSQL's COPY, in the restore's transaction: many times faster than inserts. It
    reads every value as text of its column's type, so dates, times and enum values go in
    as the file has them; None is NULL, JSON too."""
    fields = [(at, base64.b64decode if isinstance(c.type, LargeBinary)
               else json.dumps if isinstance(c.type, JSON) else None) for at, c in kept]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c.name) for _, c in kept))
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(statement) as rows:
        for row in batch:
            rows.write_row([row[at] if load is None or row[at] is None else load(row[at])
                            for at, load in fields])


def _move_sequences(connection: Connection, counts: dict[str, int]) -> None:
    """New rows must get ids after the restored ones. Last, once the file proved sound:
    a sequence moved is not undone by a rollback."""
    if connection.dialect.name != "postgresql":
        return
    for name, count in counts.items():
        table = Base.metadata.tables[name]
        if count and "id" in table.c:
            connection.execute(select(func.setval(
                func.pg_get_serial_sequence(f'"{name}"', "id"),
                select(func.max(table.c.id)).scalar_subquery())))


@dataclass(frozen=True)
class Restored:
    revision: str | None
    counts: dict[str, int]


def restore_backup(path: Path, unencrypted: bool = False, check: bool = False) -> Restored:
    """Load the backup into this empty database, or with `check` only read it through."""
    try:
        with _opened(path, unencrypted) as (records, check_end):
            revision = _header(records)
            if check:
                counts: dict[str, int] = {}
                for table, _columns, batch in _tables(records):
                    counts[table.name] = counts.get(table.name, 0) + len(batch)
                check_end()
                return Restored(revision, counts)
            with db.engine.begin() as connection:
                _check_empty(connection, revision)
                counts = _insert(connection, records)
                check_end()  # before the commit: sound to its last byte
                _move_sequences(connection, counts)
            return Restored(revision, counts)
    except (SealedFileError, BackupKeyError) as error:
        raise BackupError(f"{path} cannot be restored: {error}. Nothing was restored.") from None
    except (OSError, EOFError, ValueError, KeyError, TypeError) as error:
        # Not the message: it could quote a value from the file.
        raise BackupError(f"{path} is not a Shelter Bridge backup that can be read "
                          f"({type(error).__name__}). Nothing was restored.") from None
    except DBAPIError as error:
        raise BackupError(f"the database refused the backup's rows ({type(error).__name__}). "
                          "Nothing was restored.") from None


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write every row to PATH, encrypted with the first of BACKUP_KEYS."""
    started = time.monotonic()
    try:
        written = write_file(path)
    except BackupKeyError as error:
        raise BackupError(str(error)) from None
    finally:
        db.session.rollback()  # SQLite read in the session's transaction
    click.echo(f"Backed up {written.rows:,} rows from {written.tables} tables to {path} in "
               f"{time.monotonic() - started:.1f} s ({written.bytes / 1e6:.2f} MB, backup key "
               f"{written.key_id}).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--check", is_flag=True,
              help="Read and verify every row of PATH with the keys; write nothing.")
@click.option("--unencrypted", is_flag=True,
              help="Accept a backup written before backups were encrypted.")
@with_appcontext
def restore_command(path: Path, check: bool, unencrypted: bool) -> None:
    """Load a backup into this (empty, migrated) database."""
    started = time.monotonic()
    restored = restore_backup(path, unencrypted=unencrypted, check=check)
    counts = restored.counts
    done = (f"{sum(counts.values()):,} rows of {len(counts)} tables (schema "
            f"{restored.revision}) in {time.monotonic() - started:.1f} s")
    if check:
        click.echo(f"{path} is sound: {done}.")
        return
    click.echo(f"Restored {done}. Details that passed "
               "retention since the backup was made are back: purge them now with "
               "`flask --app placement scheduler --once retention`.")
