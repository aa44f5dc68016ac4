"""Backups: encrypted with a backup key of their own, and restored whole or not at all, on
both databases and across them."""

import gzip
import io
import json
import shutil
import uuid
from datetime import datetime

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from placement import backup, create_app
from placement.auth.cli import create_user
from placement.auth.models import Role
from placement.backup_crypto import (
    HEADER_SIZE,
    TAG_SIZE,
    OpeningReader,
    generate_key,
    key_id,
    parse_key,
)
from placement.crypto import load_keys
from placement.extensions import db
from placement.jobs.models import JobOutcome, JobRun
from placement.requests.models import HousingRequest
from tests.conftest import PG_ADMIN_URL


def every_row() -> dict[str, list[tuple]]:
    rows = {t.name: [tuple(row) for row in db.session.execute(
                select(t).order_by(*t.primary_key))]
            for t in backup.backed_up_tables()}
    db.session.rollback()
    return rows


def nulls() -> dict[str, int]:
    """SQL NULLs per column: a JSON column must not come back as the JSON text 'null'
    (`plan_run.problem IS NOT NULL` finds the runs whose problem the purge scrubs)."""
    counts = {f"{t.name}.{c.name}": db.session.scalar(
                  select(func.count()).select_from(t).where(c.is_(None)))
              for t in backup.backed_up_tables() for c in t.columns if c.nullable}
    db.session.rollback()
    return counts


def table_counts() -> dict[str, int]:
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t))
              for t in backup.backed_up_tables()}
    db.session.rollback()  # holds no SQLite lock while a command runs
    return counts


@pytest.fixture
def empty_database(sqlite_template, tmp_path, backend):
    """A fresh, migrated database of the same kind as the test's."""
    if backend == "sqlite":
        path = tmp_path / "restored.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    name = f"sb_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                        "INSTANCE_PATH": str(tmp_path / "pg")})
    with other.app_context():
        upgrade()
        db.engine.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def backup_key(app) -> str:
    key = generate_key()
    app.config["BACKUP_KEYS"] = key
    return key


def restoring_app(app, url: str, keys: str | None):
    return create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                       "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": app.instance_path,
                       "BACKUP_KEYS": keys})


def make_backup(app, file) -> str:
    db.session.commit()  # the test holds no SQLite lock while the backup reads
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_backup_restores_every_row_and_holds_no_plaintext(app, tmp_path, empty_database,
                                                             backup_key):
    app.test_cli_runner().invoke(args=["demo"])
    db.session.add(JobRun(job="replan", fire_time=datetime(2026, 12, 1), outcome=JobOutcome.FAILED,
                          error="KeyError (see the scheduler's log)"))  # counts: NULL
    db.session.commit()
    before, null_before = every_row(), nulls()
    assert null_before["job_run.counts"] == 1
    case_code = db.session.scalar(select(HousingRequest.case_code).limit(1))
    file = tmp_path / "shelter-bridge.backup"
    output = make_backup(app, file)
    assert key_id(parse_key(backup_key)) in output
    assert file.stat().st_mode & 0o777 == 0o600  # the owner's eyes only
    sealed = file.read_bytes()
    for known in (case_code, "@demo.shelter-bridge.org", "shelter-bridge-backup",
                  "housing_request"):
        assert known.encode() not in sealed, known
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(sealed)  # not merely compressed
    inside = gzip.decompress(OpeningReader(io.BytesIO(sealed), [parse_key(backup_key)]).read())
    assert case_code.encode() in inside  # it is there, sealed
    assert list(tmp_path.glob("*.partial")) == []

    restored = restoring_app(app, empty_database, backup_key)
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(file)])
        assert result.exit_code == 0, result.output
        assert every_row() == before and nulls() == null_before
        # New rows get ids after the restored ones (PostgreSQL sequences were moved on).
        create_user("after.restore@example.org", Role.ADVOCATE, "violet kettle harbor")
        db.session.commit()
        again = restored.test_cli_runner().invoke(args=["restore", str(file)])
        assert again.exit_code != 0 and "not empty" in again.output
        db.session.remove()
        db.engine.dispose()


def test_no_backup_is_written_without_a_backup_key(app, tmp_path):
    app.config["BACKUP_KEYS"] = None
    file = tmp_path / "b.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "set BACKUP_KEYS" in result.output and "keys generate-backup" in result.output
    assert not file.exists() and not list(tmp_path.glob("*.partial"))


def test_a_note_key_is_refused_as_a_backup_key(app, tmp_path):
    note_key = load_keys(app)[0]
    app.config["BACKUP_KEYS"] = f"{generate_key()},{note_key}"
    file = tmp_path / "b.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code != 0 and "note key" in result.output
    assert note_key not in result.output and not file.exists()


def test_new_backups_use_the_newest_key_and_older_ones_still_open(app, tmp_path, backup_key):
    old_file, new_file = tmp_path / "old.backup", tmp_path / "new.backup"
    make_backup(app, old_file)
    newer = app.test_cli_runner().invoke(args=["keys", "generate-backup"]).output.strip()
    app.config["BACKUP_KEYS"] = f"{newer},{backup_key}"
    make_backup(app, new_file)
    assert new_file.read_bytes()[9:17].hex() == key_id(parse_key(newer))
    runner = app.test_cli_runner()
    for file in (old_file, new_file):
        result = runner.invoke(args=["restore", "--check", str(file)])
        assert result.exit_code == 0 and "is sound" in result.output, result.output
    app.config["BACKUP_KEYS"] = newer  # the old key dropped too soon
    result = runner.invoke(args=["restore", "--check", str(old_file)])
    assert result.exit_code != 0 and key_id(parse_key(backup_key)) in result.output


def damaged_copies(sealed: bytes, chunk: int) -> dict[str, tuple[bytes, str]]:
    part = chunk + TAG_SIZE
    assert len(sealed) > HEADER_SIZE + 3 * part  # several parts, so cuts can fall between

    def flipped(position: int) -> bytes:
        changed = bytearray(sealed)
        changed[position] ^= 0x40
        return bytes(changed)

    return {
        "a byte changed early": (flipped(HEADER_SIZE + 5), "damaged"),
        "a byte changed in the last part": (flipped(len(sealed) - 3), "damaged"),
        "cut between parts": (sealed[:HEADER_SIZE + 2 * part], "truncated"),
        "cut inside a part": (sealed[:HEADER_SIZE + 2 * part + 9], "truncated"),
    }


def test_a_damaged_or_foreign_file_restores_nothing_and_says_why_in_one_line(
        app, tmp_path, empty_database, backup_key, create_request, monkeypatch):
    monkeypatch.setattr(backup, "CHUNK_BYTES", 512)
    for _ in range(12):
        create_request()
    file = tmp_path / "good.backup"
    make_backup(app, file)
    cases = damaged_copies(file.read_bytes(), 512)
    cases["another key"] = (file.read_bytes(), "not in BACKUP_KEYS")
    restored = restoring_app(app, empty_database, backup_key)
    with restored.app_context():
        empty = table_counts()
        runner = restored.test_cli_runner()
        for name, (content, reason) in cases.items():
            bad = tmp_path / f"{name}.backup"
            bad.write_bytes(content)
            restored.config["BACKUP_KEYS"] = (generate_key() if name == "another key"
                                              else backup_key)
            result = runner.invoke(args=["restore", str(bad)])
            assert result.exit_code != 0, name
            assert reason in result.output and "Nothing was restored" in result.output, name
            assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
            assert table_counts() == empty, name
        restored.config["BACKUP_KEYS"] = backup_key
        result = runner.invoke(args=["restore", str(file)])
        assert result.exit_code == 0, result.output
        assert table_counts()["housing_request"] == 12
        db.session.remove()
        db.engine.dispose()


def old_plaintext_backup(path) -> None:
    """The format before backups were encrypted: gzipped JSON of every row."""
    with db.engine.connect() as connection:
        document = {"format": "shelter-bridge-backup/1",
                    "revision": backup.current_revision(connection), "tables": {}}
        for table in backup.backed_up_tables():
            document["tables"][table.name] = [
                dict(row) for row in connection.execute(select(table)).mappings()]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(document, handle, default=backup.json_value)


def test_an_old_unencrypted_backup_restores_only_when_asked(app, tmp_path, empty_database,
                                                          backup_key, create_request):
    create_request()
    db.session.commit()
    before = table_counts()
    file = tmp_path / "old.json.gz"
    old_plaintext_backup(file)
    restored = restoring_app(app, empty_database, backup_key)
    with restored.app_context():
        runner = restored.test_cli_runner()
        refused = runner.invoke(args=["restore", str(file)])
        assert refused.exit_code != 0 and "--unencrypted" in refused.output
        result = runner.invoke(args=["restore", "--unencrypted", str(file)])
        assert result.exit_code == 0, result.output
        assert table_counts() == before
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path, backup_key):
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup")
    result = app.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "not a Shelter Bridge backup" in result.output
