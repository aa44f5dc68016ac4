"""The web stack's fixtures: the app on SQLite and on PostgreSQL, its client, users.

Registered by `tests/conftest.py` (with the factories) as soon as a test module outside
tests/optimizer is collected, so the optimizer's tests run without Flask, SQLAlchemy or a
database driver. Every test that asks for `app` runs twice: on SQLite and on PostgreSQL.

The schema always comes from the migrations: once per run and backend into a template (a
SQLite file, a throwaway PostgreSQL database), then each test gets a fresh copy (SQLite) or
emptied tables (PostgreSQL).
"""

import contextvars
import os
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pyotp
import pytest
from aiosmtpd.controller import Controller
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from placement import create_app
from placement.auth.cli import create_user
from placement.auth.models import Role, User
from placement.auth.totp import set_secret
from placement.extensions import db
from tests.conftest import BACKENDS, PASSWORD, PG_ADMIN_URL, sign_in


def _config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-" + uuid.uuid4().hex,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(instance),
        "REPLAN_ON_CRITICAL": False,  # tests that want it turn it on with PLANNER_SYNC
        "REPLAN_ON_DECLINE": False,
    }


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_config(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _postgres_required() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("SB_SKIP_POSTGRES") != "1"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory) -> Iterator[str]:
    name = f"sb_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is required for the test suite ({PG_ADMIN_URL}): {error}"
        if _postgres_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message + " (SB_SKIP_POSTGRES=1 outside CI)")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        try:
            _migrate(url, tmp_path_factory.mktemp("pg-instance"))
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    if backend == "sqlite":
        path = tmp_path / "db.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_database")


class RequestClient(FlaskClient):
    """A test client whose requests run as they do in production: in an app context and a
    database session of their own, not in the test's.

    The test's session commits first, so the request sees what the test set up and the
    test holds no SQLite write lock while the request runs.
    """

    def open(self, *args, **kwargs):
        if has_app_context():  # not when following a redirect inside a request's own run
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url, backend, tmp_path) -> Iterator[Flask]:
    app = create_app(_config(database_url, tmp_path / "instance"))
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        db.session.remove()
        if backend == "postgresql":
            tables = ", ".join(
                f'"{t.name}"' for t in db.metadata.sorted_tables
            )
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.ADVOCATE, email: str | None = None, password: str = PASSWORD,
             active: bool = True) -> User:
        user = create_user(email or f"{role.value}{next(counter)}@example.org", role, password)
        user.active = active
        if role.value in current_app.config["TOTP_REQUIRED_ROLES"]:
            set_secret(user, pyotp.random_base32())  # enrolled, as they must be
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client) -> Callable[[User], FlaskClient]:
    def sign_in_here(user: User, password: str = PASSWORD) -> FlaskClient:
        return sign_in(client, user, password)

    return sign_in_here


# -- a real SMTP server on loopback (aiosmtpd) that keeps what it is sent -------------------

class SmtpInbox:
    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []  # (recipients, the whole message)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(app) -> Iterator[SmtpInbox]:
    """The app mails a real server; plan runs are synchronous so that their mail is in."""
    handler = SmtpInbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port,
                      PUBLIC_URL="https://hotline.example.org", PLANNER_SYNC=True,
                      PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    yield handler
    controller.stop()
