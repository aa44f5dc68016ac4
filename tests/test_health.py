"""Health probes: `/healthz` says the process answers, `/readyz` that it can serve (the
database answers, its schema is at the migrations' head, the scheduler re-planned within
two periods). Cheap, without a session, one word to anonymous callers."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from placement import create_app
from placement.auth.models import Role
from placement.extensions import db
from placement.jobs.models import JobOutcome, JobRun

NOW = datetime(2026, 12, 1, 15, 7, tzinfo=UTC)
TOKEN = "scrape-" + "x" * 32


@pytest.fixture
def clocked(app):
    """The app's clock stopped at NOW, re-planning every 5 minutes, a metrics token set."""
    app.config.update(SCHEDULER_CLOCK=lambda: NOW, REPLAN_EVERY_MINUTES=5, METRICS_TOKEN=TOKEN)
    return app


def replanned(minutes_ago: int, job: str = "replan",
              outcome: JobOutcome = JobOutcome.DONE) -> None:
    tick = (NOW - timedelta(minutes=minutes_ago)).replace(tzinfo=None)
    db.session.add(JobRun(job=job, fire_time=tick, started_at=tick, outcome=outcome))
    db.session.commit()


def statements_during(app, call) -> tuple[object, int]:
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return response, len(seen)


def test_healthz_answers_ok_without_the_database_or_a_session(clocked, make_user, login):
    client = login(make_user(Role.COORDINATOR))
    response, statements = statements_during(clocked, lambda: client.get("/healthz"))
    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.mimetype == "text/plain"
    assert statements == 0
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_the_scheduler_replanned_within_two_periods(clocked):
    replanned(minutes_ago=9)
    response, statements = statements_during(clocked, lambda: clocked.test_client().get(
        "/readyz"))
    assert (response.status_code, response.text) == (200, "ready\n")
    assert statements <= 3
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("ticks", [[], [11], [2, "escalate"]])
def test_readyz_is_not_ready_when_replanning_stopped(clocked, ticks):
    if ticks:
        replanned(ticks[0], *ticks[1:])
    response = clocked.test_client().get("/readyz")
    assert (response.status_code, response.text) == (503, "not ready\n")


def test_a_failed_replan_tick_still_shows_the_scheduler_alive(clocked):
    replanned(minutes_ago=4, outcome=JobOutcome.FAILED)
    assert clocked.test_client().get("/readyz").status_code == 200


@pytest.fixture
def schema_behind(app):
    """The database one migration behind (put back after: PostgreSQL's is shared)."""
    head = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = 'b51a0c2cf190'"))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    db.session.commit()


def test_readyz_is_not_ready_when_the_schema_is_behind_the_migrations(clocked, schema_behind):
    replanned(minutes_ago=1)
    response = clocked.test_client().get("/readyz", headers={
        "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "ok", "migrations": "not at head", "scheduler": "ok"}


def test_readyz_is_not_ready_when_the_database_cannot_be_reached(app, tmp_path):
    unreachable = create_app({**app.config, "SQLALCHEMY_DATABASE_URI":
                              f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3",
                              "METRICS_TOKEN": TOKEN})
    client = unreachable.test_client()
    assert (client.get("/readyz").status_code, client.get("/readyz").text) == (
        503, "not ready\n")
    details = client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    assert details["checks"]["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200  # the process still answers


def test_details_need_the_metrics_token(clocked):
    replanned(minutes_ago=12)
    client = clocked.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = client.get("/readyz", headers=headers)
        assert response.text == "not ready\n", headers
    details = client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert details.status_code == 503
    assert details.get_json() == {"ready": False, "checks": {
        "database": "ok", "migrations": "ok", "scheduler": "late"}}


def test_probes_refuse_other_methods_plainly(clocked):
    response = clocked.test_client().post("/healthz")
    assert response.status_code == 405
    assert "Set-Cookie" not in response.headers
