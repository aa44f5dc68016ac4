"""Health probes for the proxy, the process supervisor and the operator's monitor.

- `/healthz`: the process answers. No database, nothing else: a host whose database is down
  is still alive, and restarting it would not help.
- `/readyz`: the process can serve. The database answers, its schema is at the migrations'
  head (a host started before `db upgrade` ran would fail on new columns), and the
  scheduler recorded a `replan` tick within two periods (REPLAN_EVERY_MINUTES): pending
  requests are being planned. A failed tick still counts: the scheduler is alive, and the
  failure shows on the jobs page and in the metrics.

Both are cheap (no session, no user, at most two small queries) and say one word to anyone;
the metrics token (METRICS_TOKEN, as a bearer token) reads which check failed.
"""

from datetime import datetime, timedelta

from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from .auth.access import public
from .clock import now
from .extensions import db
from .jobs.models import JobRun
from .jobs.triggers import as_utc
from .metrics import metrics_token_given

bp = Blueprint("health", __name__)
OK = "ok"


def plain(word: str, status: int = 200) -> Response:
    response = Response(word + "\n", status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"  # a cached answer says nothing of now
    return response


def migration_heads() -> frozenset[str]:
    """The migrations' head revisions, read from the files once per process."""
    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        folder = current_app.extensions["migrate"].directory
        heads = current_app.extensions["migration_heads"] = frozenset(
            ScriptDirectory(folder).get_heads())
    return heads


def scheduler_state(last_tick: datetime | None) -> str:
    if last_tick is None:
        return "never ran"
    period = timedelta(minutes=current_app.config["REPLAN_EVERY_MINUTES"])
    return OK if as_utc(now()) - as_utc(last_tick) <= 2 * period else "late"


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def readiness() -> dict[str, str]:
    """Each check's state, "ok" or what is wrong: no data, only states."""
    try:
        revisions = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
        last_tick = db.session.scalar(
            select(func.max(JobRun.fire_time)).where(JobRun.job == "replan"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("readiness: the database check failed: %s",
                                   type(error).__name__)
        answers = database_answers()  # no schema at all, or no database
        return {"database": OK if answers else "unreachable",
                "migrations": "not at head" if answers else "unknown", "scheduler": "unknown"}
    return {"database": OK,
            "migrations": OK if revisions == migration_heads() else "not at head",
            "scheduler": scheduler_state(last_tick)}


@bp.route("/healthz")
@public
def healthz():
    return plain(OK)


@bp.route("/readyz")
@public
def readyz():
    checks = readiness()
    ready = all(state == OK for state in checks.values())
    status = 200 if ready else 503
    if metrics_token_given():
        response = jsonify(ready=ready, checks=checks)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        return response
    return plain("ready" if ready else "not ready", status)
