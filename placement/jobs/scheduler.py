"""APScheduler wiring: in its own process (`flask scheduler`) or inside the web app.

APScheduler only decides *when* to call; `runner.run_job` decides *whether* this process
runs the tick, so any number of schedulers can fire side by side.
"""

import logging
import os
import threading
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask

from ..clock import now as clock
from .registry import JOBS
from .runner import log_failure, run_job
from .triggers import Shifted

log = logging.getLogger(__name__)
_in_app_lock = threading.Lock()


def tick(app: Flask, name: str) -> None:
    try:
        run_job(app, name, clock(app))
    except Exception as error:  # a broken tick must not stop the scheduler
        log_failure(f"scheduler tick of {name}", error)


def add_jobs(app: Flask, scheduler: BaseScheduler) -> BaseScheduler:
    """Each job on its trigger, plus one run at start: a scheduler that was down at 00:15
    runs that night's roll-over when it comes back (a tick that already ran is skipped).
    On a clock moved by SHELTER_BRIDGE_CLOCK_OFFSET, the triggers are moved with it."""
    offset = getattr(app.config.get("SCHEDULER_CLOCK"), "offset", None)
    for job in JOBS.values():
        if job.off(app.config):
            continue
        trigger = job.trigger(app.config).apscheduler()
        if offset:
            trigger = Shifted(trigger, offset)
        scheduler.add_job(tick, trigger, args=[app, job.name],
                          id=job.name, name=job.title, coalesce=True, max_instances=1,
                          misfire_grace_time=300)
        scheduler.add_job(tick, args=[app, job.name], id=f"{job.name}:catch-up",
                          name=f"{job.title} (catch-up)", misfire_grace_time=None)
    return scheduler


def init_app(app: Flask) -> None:
    """With SCHEDULER_IN_APP, start a background scheduler on the first request.

    The first request, not the factory: every `flask` command builds the app (a migration
    must not run jobs), and under the reloader the watching parent never serves requests,
    so only the process that serves starts a scheduler, once.
    """
    if not app.config["SCHEDULER_IN_APP"]:
        return

    @app.before_request
    def _start_scheduler_once() -> None:
        if "scheduler" in app.extensions:
            return
        with _in_app_lock:
            if "scheduler" in app.extensions:
                return
            scheduler = add_jobs(app, BackgroundScheduler(timezone=UTC, daemon=True))
            scheduler.start()
            app.extensions["scheduler"] = scheduler
            log.info("in-app scheduler started in process %s", os.getpid())
