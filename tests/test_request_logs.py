"""Logs as JSON lines: one per request and one per job run, each with what an operator needs
(endpoint, status, time, request id, the account's id) and never a note, a case detail, an
e-mail address or an exception's message. The request id goes back in `X-Request-ID` and
on error pages, so a coordinator can quote it."""

import io
import json
import logging
from datetime import UTC, datetime

import pytest
from flask import Blueprint

from placement import create_app
from placement.auth.access import public
from placement.auth.models import Role
from placement.extensions import db
from placement.jobs.registry import JOBS
from placement.jobs.runner import run_job

SENTINEL = "SENTINEL-LOG-7Q2-MARIA"
PROXY_ID = "0f3c5e2a9b8d4c7e1f6a2b3c4d5e6f70"


@pytest.fixture
def lines(app):
    """Every line the app logs from now on, as the app formats it, parsed as JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app.logger.handlers[0].formatter)
    app.logger.addHandler(handler)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    app.logger.removeHandler(handler)


def requests_logged(lines) -> list[dict]:
    return [line for line in lines() if line.get("event") == "request"]


def test_one_json_line_per_request_with_its_endpoint_status_time_and_id(client, lines):
    response = client.get("/login")
    [line] = requests_logged(lines)
    assert line["method"] == "GET" and line["endpoint"] == "auth.login"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32 and "user_id" not in line
    assert line["level"] == "INFO" and "time" in line


def test_a_signed_in_request_names_the_account_by_id_never_by_email(
        client, make_user, login, lines):
    advocate = make_user(Role.ADVOCATE)
    login(advocate)
    client.get("/requests/new")
    line = requests_logged(lines)[-1]
    assert line["user_id"] == advocate.id and line["endpoint"] == "requests.new"
    assert advocate.email not in json.dumps(lines())


def test_every_request_gets_its_own_id(client):
    ids = {client.get("/login").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize(("sent", "kept"), [
    (PROXY_ID, True),
    ("6d1f2b0e-8c1a-4f5e-9d3b-7a2c4e6f8a0b", True),
    ("short", False),
    ("x" * 65, False),
    ('abc0123456789","event":"forged', False),
    ("ünïcödé-request-identifier", False),
])
def test_a_proxys_request_id_is_kept_only_if_it_looks_like_one(app, sent, kept):
    behind = create_app({**app.config, "TRUSTED_PROXIES": 1})
    response = behind.test_client().get("/login", headers={"X-Request-ID": sent})
    assert (response.headers["X-Request-ID"] == sent) is kept
    if not kept:
        assert len(response.headers["X-Request-ID"]) == 32


def test_without_a_trusted_proxy_a_sent_request_id_is_ignored(client):
    response = client.get("/login", headers={"X-Request-ID": PROXY_ID})
    assert response.headers["X-Request-ID"] != PROXY_ID


def test_error_pages_show_the_reference_to_quote(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert f"Quote this reference: <code>{response.headers['X-Request-ID']}</code>" \
        in response.text


def test_an_unexpected_error_is_logged_with_its_reference_and_without_its_message(
        app, lines):
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @public
    def boom():
        raise RuntimeError(f"failed while reading {SENTINEL}")

    app.register_blueprint(bp)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    reference = response.headers["X-Request-ID"]
    assert response.status_code == 500 and f"<code>{reference}</code>" in response.text
    logged = lines()
    [error] = [line for line in logged if line["level"] == "ERROR"]
    assert error["request_id"] == reference
    assert "RuntimeError: [message withheld]" in error["exception"]
    assert requests_logged(lines)[-1]["status"] == 500
    assert SENTINEL not in json.dumps(logged)


def test_one_json_line_per_job_run_with_counts_never_messages(app, lines, monkeypatch):
    db.session.commit()
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    run_job(app, "stale_availability", now)

    def broken(_now):
        raise RuntimeError(SENTINEL)

    monkeypatch.setitem(JOBS, "rollover", JOBS["rollover"].__class__(
        **{**JOBS["rollover"].__dict__, "run": broken}))
    run_job(app, "rollover", now)
    jobs = {line["job"]: line for line in lines() if line.get("event") == "job"}
    assert jobs["stale_availability"]["outcome"] == "done"
    assert jobs["stale_availability"]["counts"] == {"stale": 0, "never_confirmed": 0}
    assert jobs["stale_availability"]["fire_time"] == "2026-12-01T15:00:00"
    assert jobs["stale_availability"]["duration_ms"] >= 0
    assert jobs["rollover"]["outcome"] == "failed" and jobs["rollover"]["error"] == "RuntimeError"
    assert SENTINEL not in json.dumps(lines())
