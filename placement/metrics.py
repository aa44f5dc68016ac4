"""Prometheus metrics at `/metrics`, for the operator's scraper.

Behind a proxy every caller comes from loopback, so the address is no credential: the
scraper sends `Authorization: Bearer <METRICS_TOKEN>`. No token configured, no metrics (404).

Two kinds of figures:
- counted where things happen, in each process: request latency by endpoint, 5xx answers,
  planner runs, job runs. Under gunicorn, PROMETHEUS_MULTIPROC_DIR (set before the process
  starts) makes every process write its counts into files in that folder, and a scrape adds
  them up: all the web workers, and the scheduler process too when it shares the folder.
- read from the database at scrape time (a collector, a few small queries): pending
  requests by priority and wait, holds near expiry, points available by program.

Labels are endpoints, priorities, wait buckets, job names, outcomes and program codes:
never a case code, an id, an e-mail address or a URL.
"""

import hmac
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import selectinload

from partners.ledger import all_program_balances
from partners.points import LoyaltyProgram

from .auth.access import public
from .bookings.models import Booking
from .bookings.states import BookingState
from .clock import now
from .extensions import db
from .holds import hold_ends
from .requests.models import HousingRequest, Priority, RequestStatus

bp = Blueprint("metrics", __name__)
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "shelter_bridge_"
# This process's counts (read directly when there is no multiprocess folder).
PROCESS = CollectorRegistry(auto_describe=False)

REQUEST_SECONDS = Histogram(
    PREFIX + "http_request_duration_seconds", "Time to answer a request, by Flask endpoint.",
    ["endpoint"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=PROCESS)
SERVER_ERRORS = Counter(
    PREFIX + "http_server_errors", "Answers with a 5xx status, by Flask endpoint.",
    ["endpoint"], registry=PROCESS)
PLANNER_SECONDS = Histogram(
    PREFIX + "planner_run_seconds", "Planner runs by outcome (done, unchanged, failed).",
    ["outcome"], buckets=(0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300), registry=PROCESS)
PLANNER_LAST_RUN = Gauge(
    PREFIX + "planner_last_run_requests", "Requests the last finished planner run placed "
    "and left unplaced.", ["result"], multiprocess_mode="mostrecent", registry=PROCESS)
JOB_RUNS = Counter(
    PREFIX + "job_runs", "Scheduled job runs by job and outcome (done, failed).",
    ["job", "outcome"], registry=PROCESS)

PAGE_BODIES = Counter(
    PREFIX + "page_bodies", "Bodies of the heaviest pages served kept (hit) or drawn "
    "(miss), by Flask endpoint (placement/page_cache.py).", ["endpoint", "result"],
    registry=PROCESS)

# How long a pending request has waited: the upper bound of each bucket, in minutes.
WAIT_BUCKETS = ((60, "under_1h"), (4 * 60, "1h_to_4h"), (24 * 60, "4h_to_24h"))
LONGEST_WAIT = "over_24h"


# -- counted where it happens ----------------------------------------------------------------

def request_started() -> None:
    g.metrics_started = time.perf_counter()


def request_finished(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"  # a 404: the URL itself is never a label
    started = g.pop("metrics_started", None)
    if started is not None:
        REQUEST_SECONDS.labels(endpoint).observe(time.perf_counter() - started)
    if response.status_code >= 500:
        SERVER_ERRORS.labels(endpoint).inc()
    body = g.pop("page_body", None)  # set by page_cache.render_page
    if body is not None:
        PAGE_BODIES.labels(endpoint, body).inc()
    return response


def planner_ran(outcome: str, seconds: float, placed: int, unplaced: int) -> None:
    """A planner run ended: `outcome` is done, unchanged or failed."""
    PLANNER_SECONDS.labels(outcome).observe(seconds)
    if outcome != "failed":
        PLANNER_LAST_RUN.labels("placed").set(placed)
        PLANNER_LAST_RUN.labels("unplaced").set(unplaced)


def job_ran(job: str, outcome: str) -> None:
    JOB_RUNS.labels(job, outcome).inc()


# -- read at scrape time -----------------------------------------------------------------------

def naive_utc_now() -> datetime:
    """The app's clock as the database keeps moments: naive UTC."""
    return now().astimezone(UTC).replace(tzinfo=None)


def pending_requests() -> Metric:
    moment = naive_utc_now()
    waited = case(*[(HousingRequest.created_at > moment - timedelta(minutes=minutes),
                     literal(name)) for minutes, name in WAIT_BUCKETS],
                  else_=literal(LONGEST_WAIT))
    rows = select(HousingRequest.priority.label("priority"), waited.label("waited")).where(
        HousingRequest.status == RequestStatus.PENDING).subquery()
    counts = {(priority, bucket): total for priority, bucket, total in db.session.execute(
        select(rows.c.priority, rows.c.waited, func.count())
        .group_by(rows.c.priority, rows.c.waited))}
    family = GaugeMetricFamily(PREFIX + "pending_requests",
                               "Requests waiting for a place, by priority and time waited.",
                               labels=["priority", "waited"])
    for priority in Priority:
        for bucket in [name for _, name in WAIT_BUCKETS] + [LONGEST_WAIT]:
            family.add_metric([priority.value, bucket], counts.get((priority, bucket), 0))
    return family


def holds() -> Iterator[Metric]:
    """Approved stays waiting for the place's answer, and those whose hold ends within
    ESCALATE_HOLD_EXPIRING_MINUTES (the escalation's own warning time). Approved stays
    are the few of the last hours, so each hold's end is computed here, as the jobs do."""
    moment = naive_utc_now()
    lead = timedelta(minutes=current_app.config["ESCALATE_HOLD_EXPIRING_MINUTES"])
    approved = db.session.scalars(select(Booking).where(
        Booking.state == BookingState.APPROVED).options(selectinload(Booking.shelter))).all()
    yield GaugeMetricFamily(PREFIX + "holds_open", "Approved stays waiting for the place's "
                            "answer (holding beds, rooms or points).", value=len(approved))
    near = sum(1 for booking in approved if moment <= hold_ends(booking) < moment + lead)
    yield GaugeMetricFamily(PREFIX + "holds_near_expiry", "Approved stays whose hold ends "
                            "within ESCALATE_HOLD_EXPIRING_MINUTES.", value=near)


def points_available() -> Metric:
    codes = dict(db.session.execute(select(LoyaltyProgram.id, LoyaltyProgram.code)).all())
    balances = all_program_balances(db.session)
    family = GaugeMetricFamily(PREFIX + "points_available",
                               "Donated points available to spend, by loyalty program.",
                               labels=["program"])
    for program_id, code in sorted(codes.items(), key=lambda item: item[1]):
        family.add_metric([code], balances[program_id].available)
    return family


class DatabaseGauges(Collector):
    """The figures a scrape reads from the database, in the scrape's own request."""

    def collect(self) -> Iterator[Metric]:
        yield pending_requests()
        yield from holds()
        yield points_available()


# -- the page ----------------------------------------------------------------------------------

def metrics_token_given() -> bool:
    """The request carries `Authorization: Bearer <METRICS_TOKEN>`, compared in constant
    time; never true when no token is configured."""
    expected = current_app.config.get("METRICS_TOKEN")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def scrape_registry() -> CollectorRegistry:
    """The counts of every process of this host (or of this one alone) and the database's."""
    registry = CollectorRegistry(auto_describe=False)
    folder = os.environ.get(MULTIPROCESS_DIR)
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(PROCESS)
    registry.register(DatabaseGauges())
    return registry


@bp.route("/metrics")
@public
def scrape():
    if not current_app.config.get("METRICS_TOKEN"):
        abort(404)
    if not metrics_token_given():
        return Response("A valid bearer token is required.\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(scrape_registry()), 200, headers={
        "Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    """Before any other hook: a request refused early (a NUL byte, a forbidden page) is
    timed too. The multiprocess folder must exist before the first count is written."""
    folder = os.environ.get(MULTIPROCESS_DIR)
    if folder:
        os.makedirs(folder, exist_ok=True)
    app.before_request(request_started)
    app.after_request(request_finished)
