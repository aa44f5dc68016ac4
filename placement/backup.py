"""`flask --app placement backup FILE` and `restore FILE`: every row, portable between
SQLite and PostgreSQL.

The file is gzipped JSON: the schema revision and, per table in dependency order, its rows.
Encrypted notes stay encrypted: keep the note keys (NOTE_KEYS or instance/note_keys) with
the backup, but never inside it. A restore goes only into an empty database migrated to the
same revision, inside one transaction: it completes or leaves nothing.
"""

import base64
import enum
import gzip
import json
import os
from datetime import date, datetime
from pathlib import Path

import click
from alembic.migration import MigrationContext
from flask.cli import with_appcontext
from sqlalchemy import Date, DateTime, Enum, LargeBinary, delete, func, insert, select

from partners.base import Base

from .extensions import db

FORMAT = "shelter-bridge-backup/1"
# Tables the migrations seed (the vocabulary of needs): a fresh database has their rows,
# and a restore replaces them with the backup's (which hold the admins' additions).
SEEDED = {"need"}
BATCH = 1000


def _dump_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    return value


def _load_value(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    return value


def current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def write_backup(path: Path) -> dict[str, int]:
    counts = {}
    with db.engine.connect() as connection:
        document = {"format": FORMAT, "revision": current_revision(connection), "tables": {}}
        for table in Base.metadata.sorted_tables:
            rows = [
                {key: _dump_value(value) for key, value in row.items()}
                for row in connection.execute(select(table).order_by(*table.primary_key))
                .mappings()
            ]
            document["tables"][table.name] = rows
            counts[table.name] = len(rows)
    # Readable by the owner only: a backup holds every case (notes still encrypted).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as handle:
        json.dump(document, handle)
    return counts


class RestoreError(click.ClickException):
    pass


def read_backup(path: Path) -> dict:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        raise RestoreError(f"{path} is not a Shelter Bridge backup ({error})") from None
    if document.get("format") != FORMAT:
        raise RestoreError(f"{path} is not a {FORMAT} file")
    return document


def restore_backup(path: Path) -> dict[str, int]:
    document = read_backup(path)
    counts = {}
    with db.engine.begin() as connection:
        if current_revision(connection) != document["revision"]:
            raise RestoreError(
                f"the backup is of schema {document['revision']}; this database is at "
                f"{current_revision(connection)}: run `flask db upgrade` to match first")
        for table in Base.metadata.sorted_tables:
            if table.name not in SEEDED and connection.scalar(
                    select(func.count()).select_from(table)):
                raise RestoreError(f"the database is not empty (table {table.name}); "
                                   "restore only into a fresh, migrated database")
        for table in Base.metadata.sorted_tables:  # nothing refers to them yet
            if table.name in SEEDED:
                connection.execute(delete(table))
        for table in Base.metadata.sorted_tables:
            rows = document["tables"].get(table.name, [])
            columns = {c.name: c for c in table.columns}
            loaded = [{k: _load_value(columns[k], v) for k, v in row.items() if k in columns}
                      for row in rows]
            for start in range(0, len(loaded), BATCH):
                connection.execute(insert(table), loaded[start:start + BATCH])
            counts[table.name] = len(loaded)
            if connection.dialect.name == "postgresql" and "id" in columns and loaded:
                # New rows must get ids after the restored ones.
                connection.execute(select(func.setval(
                    func.pg_get_serial_sequence(f'"{table.name}"', "id"),
                    select(func.max(table.c.id)).scalar_subquery(),
                )))
    return counts


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write every row to PATH (gzipped JSON)."""
    counts = write_backup(path)
    click.echo(f"Backed up {sum(counts.values())} rows from {len(counts)} tables to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Load a backup into this (empty, migrated) database."""
    counts = restore_backup(path)
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
