"""The admins' page of scheduled jobs: recent runs, and the lists the jobs keep in view."""

from flask import Blueprint, current_app, render_template
from sqlalchemy import select

from partners import ledger

from ..auth.access import roles
from ..auth.models import Role
from ..clock import now as clock
from ..extensions import db
from .jobs import hotline_today, stale_shelters
from .models import JobRun
from .registry import JOBS

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

RECENT_RUNS = 100


@bp.route("/")
@roles(Role.ADMIN)
def index():
    now = clock(current_app)
    runs = db.session.scalars(
        select(JobRun).order_by(JobRun.fire_time.desc(), JobRun.id.desc()).limit(RECENT_RUNS)
    ).all()
    last = {}
    for run in runs:
        last.setdefault(run.job, run)
    config = current_app.config
    jobs = [(job, job.off(config) or job.trigger(config), last.get(job.name))
            for job in JOBS.values()]
    expiring = ledger.lots_expiring_soon(db.session, hotline_today(now), days=60)
    return render_template("jobs/index.html", jobs=jobs, runs=runs, expiring=expiring,
                           stale=stale_shelters(now), config=current_app.config)
