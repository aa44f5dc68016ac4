"""Prometheus metrics at /metrics: behind a bearer token, counted where things happen
(requests, server errors, planner runs, job runs) and read from the database at scrape time
(pending requests, holds near expiry, points available), with no case data in any label."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Blueprint
from prometheus_client.parser import text_string_to_metric_families

from placement import metrics
from placement.auth.access import public
from placement.auth.models import Role
from placement.bookings import service
from placement.extensions import db
from placement.jobs.registry import JOBS
from placement.jobs.runner import run_job
from placement.planning.runner import start_run
from placement.requests.models import Priority

TOKEN = "scrape-" + "y" * 32
NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
BEARER = {"Authorization": f"Bearer {TOKEN}"}
LABEL_NAMES = {"endpoint", "priority", "waited", "program", "job", "outcome", "result"}


@pytest.fixture
def scraped(app):
    """The app with a token; `scrape()` returns {(name, labels): value} of every sample."""
    app.config["METRICS_TOKEN"] = TOKEN

    def scrape() -> dict[tuple[str, frozenset], float]:
        response = app.test_client().get("/metrics", headers=BEARER)
        assert response.status_code == 200, response.text
        assert "Set-Cookie" not in response.headers
        return {(sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(response.text)
                for sample in family.samples}

    return scrape


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_no_token_configured_means_no_metrics(app):
    app.config["METRICS_TOKEN"] = None
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
        assert app.test_client().get("/metrics", headers=headers).status_code == 404


def test_a_missing_or_wrong_token_is_refused(app, monkeypatch):
    app.config["METRICS_TOKEN"] = TOKEN
    compared = []
    real = metrics.hmac.compare_digest
    monkeypatch.setattr(metrics.hmac, "compare_digest",
                        lambda a, b: compared.append(1) or real(a, b))
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN},
                    {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert TOKEN not in response.text
    assert client.get("/metrics", headers=BEARER).status_code == 200
    assert compared  # the token is compared in constant time


def test_requests_are_timed_by_endpoint_never_by_url(scraped, client):
    before = scraped()
    for _ in range(3):
        client.get("/login")
    client.get("/requests/424242")  # a page behind sign-in: the endpoint, not the id
    after = scraped()
    count = "shelter_bridge_http_request_duration_seconds_count"
    assert value(after, count, endpoint="auth.login") - value(before, count,
                                                             endpoint="auth.login") == 3
    assert value(after, count, endpoint="requests.show") > value(before, count,
                                                                endpoint="requests.show")
    labels = {v for _name, pairs in after for _k, v in pairs}
    assert not any("/" in label or "424242" in label for label in labels)


def test_server_errors_are_counted_by_endpoint(app, scraped):
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @public
    def boom():
        raise RuntimeError("boom")

    app.register_blueprint(bp)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    before = value(scraped(), "shelter_bridge_http_server_errors_total", endpoint="boom.boom")
    assert app.test_client().get("/boom").status_code == 500
    after = value(scraped(), "shelter_bridge_http_server_errors_total", endpoint="boom.boom")
    assert after - before == 1


def test_planner_runs_are_counted_with_their_outcome_and_what_they_placed(
        app, scraped, create_shelter, create_request):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    today = date.today()
    create_shelter(capacity=1)
    create_request(earliest=today)
    create_request(earliest=today)
    db.session.commit()
    runs = "shelter_bridge_planner_run_seconds_count"
    before = value(scraped(), runs, outcome="done")
    start_run(None, time_limit=5)
    after = scraped()
    assert value(after, runs, outcome="done") - before == 1
    assert value(after, "shelter_bridge_planner_last_run_requests", result="placed") == 1
    assert value(after, "shelter_bridge_planner_last_run_requests", result="unplaced") == 1


def test_job_runs_are_counted_by_job_and_outcome(app, scraped, monkeypatch):
    db.session.commit()
    done = "shelter_bridge_job_runs_total"
    before = scraped()
    run_job(app, "stale_availability", NOW)

    def broken(now):
        raise RuntimeError("broken")

    monkeypatch.setitem(JOBS, "rollover", JOBS["rollover"].__class__(
        **{**JOBS["rollover"].__dict__, "run": broken}))
    run_job(app, "rollover", NOW)
    after = scraped()
    for job, outcome in (("stale_availability", "done"), ("rollover", "failed")):
        assert (value(after, done, job=job, outcome=outcome)
                - value(before, done, job=job, outcome=outcome)) == 1


def test_pending_requests_by_priority_and_how_long_they_waited(app, scraped, create_request):
    app.config["SCHEDULER_CLOCK"] = lambda: NOW
    naive_now = NOW.replace(tzinfo=None)
    for priority, minutes in ((Priority.CRITICAL, 10), (Priority.CRITICAL, 50),
                              (Priority.CRITICAL, 90), (Priority.HIGH, 5 * 60),
                              (Priority.NORMAL, 3 * 24 * 60)):
        create_request(priority=priority, created_at=naive_now - timedelta(minutes=minutes))
    db.session.commit()
    samples = scraped()
    pending = "shelter_bridge_pending_requests"
    assert value(samples, pending, priority="critical", waited="under_1h") == 2
    assert value(samples, pending, priority="critical", waited="1h_to_4h") == 1
    assert value(samples, pending, priority="high", waited="4h_to_24h") == 1
    assert value(samples, pending, priority="normal", waited="over_24h") == 1
    assert (pending, frozenset({("priority", "high"), ("waited", "under_1h")})) in samples


def test_holds_near_expiry_and_points_available_by_program(
        app, scraped, create_shelter, create_booking, make_user, make_lot):
    app.config.update(HOLD_HOURS=4, ESCALATE_HOLD_EXPIRING_MINUTES=30,
                      SCHEDULER_CLOCK=lambda: NOW)
    coordinator = make_user(Role.COORDINATOR)
    shelter = create_shelter(capacity=5)
    for approved_minutes_ago in (3 * 60 + 50, 60):
        booking = create_booking(shelter, check_in=date(2026, 12, 1))
        service.approve(db.session, booking, coordinator.id, date(2026, 12, 1))
        booking.approved_at = (NOW - timedelta(minutes=approved_minutes_ago)).replace(
            tzinfo=None)
    make_lot(25_000, program="marriott")
    db.session.commit()
    samples = scraped()
    assert value(samples, "shelter_bridge_holds_open") == 2
    assert value(samples, "shelter_bridge_holds_near_expiry") == 1
    assert value(samples, "shelter_bridge_points_available", program="marriott") == 25_000


def test_no_label_carries_case_data(app, scraped, create_request, make_user, login):
    request = create_request(priority=Priority.CRITICAL)
    db.session.commit()
    advocate = make_user(Role.ADVOCATE)
    login(advocate).get(f"/requests/{request.id}")
    samples = scraped()
    names = {k for _name, pairs in samples for k, _v in pairs}
    values = {v for _name, pairs in samples for _k, v in pairs}
    assert names <= LABEL_NAMES | {"le"}
    assert not any(request.case_code in v or "@" in v or str(request.id) == v
                   for v in values)

