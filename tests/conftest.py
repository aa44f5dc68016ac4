"""Test fixtures and the run's checks.

The web stack's fixtures (the app on SQLite and PostgreSQL, its client, users) and the
factories live in `tests/web_fixtures.py` and the `*_factories` modules. They are registered
the first time a test module outside tests/optimizer is collected, so
`python -m pytest tests/optimizer` imports no Flask, SQLAlchemy or database driver (the
optimizer stands alone; tests/optimizer/test_opt_standalone.py checks it) while a run of the
whole suite, or of any web test, has them as before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flask.testing import FlaskClient

    from placement.auth.models import User

WEB_PLUGINS = ["tests.web_fixtures", "tests.factories", "tests.points_factories",
               "tests.request_factories", "tests.api_support"]
STANDALONE = Path(__file__).parent / "optimizer"  # tests that need no web stack

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"
BACKENDS = ["sqlite", "postgresql"]


def pytest_collectstart(collector: pytest.Collector) -> None:
    """Register the web fixtures before the first test module that may use them is read.

    (A module is read when it is collected, not when it is only listed beside a folder that
    was asked for. Fixtures of a plugin registered now are visible to every test, as those
    of `pytest_plugins` are.)
    """
    if not isinstance(collector, pytest.Module) or STANDALONE in collector.path.parents:
        return
    manager = collector.config.pluginmanager
    for name in WEB_PLUGINS:
        manager.import_plugin(name)  # a no-op once registered


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> FlaskClient:
    """Sign in as a person would: password, then the authenticator's code when needed."""
    import pyotp

    from placement.auth.totp import secret_of
    from placement.extensions import db

    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.text
    if response.headers["Location"].endswith("/login/verify"):
        # Each code works once; a test may sign the same person in twice in 30 seconds.
        user.totp_last_step = None
        db.session.commit()
        code = pyotp.TOTP(secret_of(user)).now()
        response = client.post("/login/verify", data={"code": code})
        assert response.status_code == 302, response.text
    return client


# CI must not pass with the PostgreSQL half of the suite silently missing.
_postgres_runs = {"passed": 0, "not_passed": 0}


def _on_postgres(nodeid: str) -> bool:
    return "[" in nodeid and "postgresql" in nodeid.rsplit("[", 1)[1].rstrip("]").split("-")

def pytest_runtest_logreport(report):
    if report.when == "call" and _on_postgres(report.nodeid):
        _postgres_runs["passed" if report.passed else "not_passed"] += 1


def pytest_sessionfinish(session, exitstatus):
    collected_pg = any(_on_postgres(item.nodeid) for item in getattr(session, "items", []))
    if os.environ.get("CI") == "true" and collected_pg and _postgres_runs["passed"] == 0:
        print("\nCI: no test ran on PostgreSQL; failing the run.")
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"PostgreSQL runs: {_postgres_runs['passed']} passed, "
        f"{_postgres_runs['not_passed']} not passed"
    )

