"""Backups round-trip on both databases, and across them."""

import shutil
import uuid

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from partners.base import Base
from placement import create_app
from placement.auth.cli import create_user
from placement.auth.models import Role
from placement.extensions import db
from tests.conftest import PG_ADMIN_URL


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


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


def test_a_backup_restores_every_row(app, tmp_path, empty_database):
    app.test_cli_runner().invoke(args=["demo"])
    before = table_counts()
    db.session.commit()  # the test holds no SQLite lock while the backup reads
    file = tmp_path / "backup.json.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert file.stat().st_mode & 0o777 == 0o600  # the owner's eyes only
    restored = create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"],
                           "SQLALCHEMY_DATABASE_URI": empty_database,
                           "INSTANCE_PATH": app.instance_path})
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(file)])
        assert result.exit_code == 0, result.output
        assert table_counts() == before
        # New rows get ids after the restored ones (PostgreSQL sequences were moved on).
        create_user("after.restore@example.org", Role.ADVOCATE, "violet kettle harbor")
        db.session.commit()
        again = restored.test_cli_runner().invoke(args=["restore", str(file)])
        assert again.exit_code != 0 and "not empty" in again.output
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"not gzip")
    result = app.test_cli_runner().invoke(args=["restore", str(junk)])
    assert result.exit_code != 0 and "not a Shelter Bridge backup" in result.output
