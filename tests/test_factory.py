from pathlib import Path

import pytest

from placement import create_app
from placement.config import normalize_database_url


def test_defaults_to_a_sqlite_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/shelter-bridge.sqlite3"


def test_generates_a_secret_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    key_file = Path(tmp_path) / "secret_key"
    assert first == second == key_file.read_text()
    assert len(first) == 64
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_reads_secret_key_and_database_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.internal/sb")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.internal/sb"
    assert not (Path(tmp_path) / "secret_key").exists()


def test_test_config_overrides_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    assert app.testing and app.config["SECRET_KEY"] == "x"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg_3(given, expected):
    assert normalize_database_url(given) == expected


def test_sqlite_is_set_up_for_correctness(sqlite_template, tmp_path):
    import shutil

    import sqlalchemy
    from sqlalchemy import text

    from placement.extensions import db

    path = tmp_path / "db.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context(), db.engine.connect() as first, db.engine.connect() as second:
        assert first.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert first.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        first.commit()
        second.exec_driver_sql("PRAGMA busy_timeout = 50")
        second.commit()
        # A transaction takes the write lock when it begins: a second writer cannot start
        # and then act on what it read before the first commits.
        first.begin()
        with pytest.raises(sqlalchemy.exc.OperationalError, match="locked"):
            second.begin()
        first.rollback()
        db.engine.dispose()


def test_production_refuses_to_start_without_its_keys_and_generates_none(tmp_path,
                                                                        monkeypatch):
    from placement.config import ConfigError

    monkeypatch.setenv("SHELTER_BRIDGE_ENV", "production")
    for name in ("SECRET_KEY", "NOTE_KEYS", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY and NOTE_KEYS"):
        create_app({"INSTANCE_PATH": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    with pytest.raises(ConfigError, match="NOTE_KEYS"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_cookies_are_secure_host_only_and_demo_commands_are_gone(tmp_path,
                                                                           monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("SHELTER_BRIDGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("NOTE_KEYS", Fernet.generate_key().decode())
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    commands = set(app.cli.list_commands(None))
    assert {"backup", "restore", "users", "keys", "scheduler"} <= commands
    assert not commands & {"demo", "demo-code", "bench-data", "bench-plan"}
    development = create_app({"INSTANCE_PATH": str(tmp_path / "dev"), "ENV_NAME": "development"})
    assert {"demo", "bench-data"} <= set(development.cli.list_commands(None))
    assert development.config["SESSION_COOKIE_NAME"] == "session"


def test_a_body_over_the_size_limit_is_a_413(client):
    response = client.post("/login", data={"email": "x" * (9 * 1024 * 1024)})
    assert response.status_code == 413 and "too large" in response.text
