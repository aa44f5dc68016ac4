"""Contention is never an error page: a deadlock or a busy database answers 409 and asks
the person to retry; other database errors still reach the 500 handler."""

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from placement.auth.access import public


@pytest.fixture
def raising_app(app):
    def raise_(orig):
        raise OperationalError("UPDATE shelter ...", {}, orig)

    @public
    def deadlock():
        raise_(psycopg.errors.DeadlockDetected("deadlock detected"))

    @public
    def busy():
        raise_(sqlite3.OperationalError("database is locked"))

    @public
    def broken():
        raise_(sqlite3.OperationalError("no such table: shelter"))

    for view in (deadlock, busy, broken):
        app.add_url_rule(f"/test-{view.__name__}", view.__name__, view)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize("path", ["/test-deadlock", "/test-busy"])
def test_contention_answers_409_with_a_plain_message(raising_app, path):
    response = raising_app.test_client().get(path)
    assert response.status_code == 409
    assert "nothing was saved" in response.text
    assert "deadlock" not in response.text and "locked" not in response.text


def test_other_database_errors_are_not_dressed_up_as_contention(raising_app):
    response = raising_app.test_client().get("/test-broken")
    assert response.status_code == 500
    assert "no such table" not in response.text
