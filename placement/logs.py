"""Logs as JSON lines that never carry case data.

Every line the app writes is one JSON object (a log shipper reads it without parsing
text): the time, the level, the logger, the message, and within a request its request id.
Each request adds one line of its own (method, endpoint, status, milliseconds, request id,
the signed-in account's id: never an e-mail address, never the URL, whose path can carry a
shelter's staff link), and each job run one (job, tick, outcome, milliseconds, counts).

The request id is the proxy's X-Request-ID when a trusted proxy sent one that looks like an
id (TRUSTED_PROXIES; anything else could forge lines), else a fresh one; it goes back in
the X-Request-ID header and on error pages, so a coordinator can quote it.

An exception's message can quote what was being processed (a database error repeats the
values of the failing row, for instance), so the app's log lines keep an exception's type
and where it happened, never its message.
"""

import json
import logging
import re
import secrets
import time
import traceback
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import inspect

REQUEST_ID_HEADER = "X-Request-ID"
# nginx's $request_id (32 hex digits), a UUID, and the like: nothing that could break a line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{16,64}", re.ASCII)

jobs_log = logging.getLogger("placement.jobs")


class NoExceptionMessages(logging.Formatter):
    def formatException(self, exc_info) -> str:  # noqa: N802 - logging's own name
        kind, error, tb = exc_info
        frames = "".join(traceback.format_tb(tb))
        causes = []
        while error is not None and (error.__cause__ or error.__context__):
            error = error.__cause__ or error.__context__
            causes.append(type(error).__name__)
        chain = f" (caused by {' <- '.join(causes)})" if causes else ""
        return (f"Traceback (most recent call last):\n{frames}"
                f"{kind.__name__}: [message withheld]{chain}")


class JsonLines(NoExceptionMessages):
    """One JSON object per record; a record's `fields` (passed as `extra`) join it."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            line["request_id"] = g.request_id
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def request_id() -> str:
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    if current_app.config["TRUSTED_PROXIES"] > 0 and SANE_REQUEST_ID.fullmatch(sent):
        return sent
    return secrets.token_hex(16)


def start_request() -> None:
    g.request_id = request_id()
    g.log_started = time.perf_counter()


def signed_in_user_id() -> int | None:
    """The id of the account this request loaded, read from the identity map (no query:
    after the request's commit, reading an attribute would load the row again)."""
    user = g.get("_login_user")  # Flask-Login's, once the request asked who is signed in
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def end_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    fields = {"event": "request", "method": request.method,
              "endpoint": request.endpoint or "unmatched", "status": response.status_code,
              "duration_ms": round((time.perf_counter() - g.log_started) * 1000, 1)}
    user_id = signed_in_user_id()
    if user_id is not None:
        fields["user_id"] = user_id
    current_app.logger.info("request", extra={"fields": fields})
    return response


def job_run(job: str, fire_time: datetime, outcome: str, seconds: float,
            counts: dict | None = None, error: str | None = None) -> None:
    """The line of one job run: counts only (never case details), an error by its type."""
    fields = {"event": "job", "job": job, "fire_time": fire_time.isoformat(),
              "outcome": outcome, "duration_ms": round(seconds * 1000, 1)}
    if counts is not None:
        fields["counts"] = counts
    if error is not None:
        fields["error"] = error
    jobs_log.log(logging.INFO if error is None else logging.ERROR, "job %s %s", job, outcome,
                 extra={"fields": fields})


def init_app(app: Flask) -> None:
    """First of every hook: the request id exists before anything can log or fail."""
    formatter = JsonLines()
    for handler in app.logger.handlers or []:
        handler.setFormatter(formatter)
    if not app.logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter)
        app.logger.addHandler(handler)
    if not app.logger.level:
        app.logger.setLevel(logging.INFO)  # the request and job lines
    app.logger.propagate = app.testing  # tests capture through the root logger
    app.before_request(start_request)
    app.after_request(end_request)
