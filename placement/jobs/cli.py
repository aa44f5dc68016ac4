"""`flask --app placement scheduler`: run the jobs in a process of their own."""

import contextlib
import signal
from datetime import UTC, datetime

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from ..clock import now as clock
from .registry import JOBS
from .runner import run_due
from .scheduler import add_jobs


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@click.command("scheduler")
@click.option("--once", metavar="JOB", type=click.Choice([*JOBS, "all"]),
              help="Run one job (or all) for the current tick and exit.")
@click.option("--now", metavar="ISO-TIME",
              help="With --once: the moment to run for (UTC unless it says otherwise).")
@click.option("--list", "list_jobs", is_flag=True, help="List the jobs and their triggers.")
@with_appcontext
def scheduler_command(once: str | None, now: str | None, list_jobs: bool) -> None:
    """Run the scheduled jobs: re-planning, hold expiry, roll-over, points, retention.

    Start as many as you like (one per host, say): each tick of each job runs once.
    """
    app = current_app._get_current_object()
    if list_jobs:
        for job in JOBS.values():
            when = job.off(app.config) or job.trigger(app.config)
            click.echo(f"{job.name:20} {when}  ({job.title})")
        return
    if once in JOBS and JOBS[once].off(app.config):
        raise click.ClickException(f"{once} is {JOBS[once].off(app.config)}.")
    if once:
        moment = _moment(now) or clock(app)
        runs = run_due(app, moment, None if once == "all" else [once])
        for run in runs:
            click.echo(f"{run.job}: {run.outcome.value} {run.counts or run.error}")
        if not runs:
            click.echo("Nothing ran: this tick was already run or is running elsewhere.")
        return
    if now:
        raise click.UsageError("--now needs --once.")
    scheduler = add_jobs(app, BlockingScheduler(timezone="UTC"))
    # systemd and process managers stop with SIGTERM: the job under way finishes (its tick
    # commits once), then the process exits 0, as after Ctrl-C.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: scheduler.shutdown())
    click.echo("Scheduler running; Ctrl-C to stop.")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    click.echo("Scheduler stopped.")
