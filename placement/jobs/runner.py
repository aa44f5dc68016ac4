"""Exactly once: each tick of each job runs in one process, however many run the scheduler.

Two guards. A lock per job (a PostgreSQL advisory lock held on a dedicated connection, or
a file lock beside the SQLite database) keeps two processes from working on the same job
at once; the unique (job, fire_time) row, inserted in the job's own transaction, makes a
tick that already ran a no-op for whoever comes later. The lock alone would let a slow
process re-run a finished tick; the row alone would let two processes do the work and
one of them fail at commit.
"""

import fcntl
import hashlib
import logging
import os
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from partners.base import utcnow

from .. import logs, metrics
from ..audit import ActorKind, acting_as
from ..database import unit_of_work
from ..extensions import db
from .models import JobOutcome, JobRun
from .registry import JOBS

log = logging.getLogger(__name__)


class AlreadyRan(Exception):
    """Another process recorded this tick first."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit key per job for pg advisory locks (same in every process)."""
    digest = hashlib.blake2b(f"shelter-bridge:job:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


LOCK_WAIT_SECONDS = 120.0
LOCK_POLL_SECONDS = 0.05


def _wait_for(try_lock) -> bool:
    """Try a lock until it is ours or the wait runs out. Waiting (not skipping) matters: the
    holder may be busy with an earlier tick of the job and never come to this one."""
    deadline = time.monotonic() + current_app.config.get("SCHEDULER_LOCK_WAIT",
                                                         LOCK_WAIT_SECONDS)
    while True:
        if try_lock():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(LOCK_POLL_SECONDS)


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yield True while this process holds the job's lock (waiting for it while another
    process holds it), False if the wait ran out."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # A connection of its own in autocommit: the lock is held by the session, not by a
        # transaction, so the job's commits do not release it, and a dead process's lock
        # goes with its connection.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            key = lock_key(name)
            held = _wait_for(lambda: connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    database = engine.url.database
    folder = (Path(database).parent if database not in (None, "", ":memory:")
              else Path(current_app.instance_path))
    stem = Path(database).name if database not in (None, "", ":memory:") else "memory"
    path = folder / f"{stem}.job-{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def try_flock() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    try:
        if not _wait_for(try_flock):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _recorded(name: str, fire_time: datetime) -> bool:
    found = db.session.scalar(
        select(JobRun.id).where(JobRun.job == name, JobRun.fire_time == fire_time)
    )
    db.session.rollback()  # end the read: no transaction stays open while waiting
    return found is not None


def run_job(app: Flask, name: str, now: datetime) -> JobRun | None:
    """Run `name` for the tick `now` falls in, unless it ran or is running elsewhere, or is
    off. Returns the recorded run, or None when this process did not run it."""
    job = JOBS[name]
    if job.off(app.config):
        return None
    with app.app_context(), acting_as(ActorKind.JOB):  # its changes are the job's
        fire_time = job.trigger(app.config).fire_time(now)
        try:
            with job_lock(name) as held:
                if not held or _recorded(name, fire_time):
                    return None
                run = _run_locked(job, fire_time, now)
                if run is not None:  # readable after the session ends
                    db.session.refresh(run)
                    db.session.expunge(run)
                    db.session.rollback()
                return run
        finally:
            db.session.remove()


def _run_locked(job, fire_time: datetime, now: datetime) -> JobRun | None:
    started, clock = utcnow(), time.monotonic()
    try:
        with unit_of_work():
            run = JobRun(job=job.name, fire_time=fire_time, started_at=started,
                         outcome=JobOutcome.DONE)
            db.session.add(run)
            try:
                db.session.flush()  # claims the tick; a twin row means someone else ran it
            except IntegrityError as error:
                raise AlreadyRan(job.name) from error
            counts = job.run(now)
            run.counts = counts
            run.finished_at = utcnow()
    except AlreadyRan:
        return None
    except Exception as error:
        log_failure(f"job {job.name} for {fire_time.isoformat()}", error)
        _report(job.name, fire_time, JobOutcome.FAILED, clock, error=type(error).__name__)
        return _record_failure(job.name, fire_time, started, error)
    _report(job.name, fire_time, JobOutcome.DONE, clock, counts=counts)
    if job.follow_up is not None:
        try:
            job.follow_up(counts, now)
        except Exception as error:
            log_failure(f"follow-up of job {job.name}", error)
    return run


def _report(name: str, fire_time: datetime, outcome: JobOutcome, clock: float,
            **details) -> None:
    """The run's JSON log line and its count in the metrics."""
    logs.job_run(name, fire_time, outcome.value, time.monotonic() - clock, **details)
    metrics.job_ran(name, outcome.value)


def log_failure(what: str, error: BaseException) -> None:
    """The error's type and where it happened, not its message: messages (a database
    error's parameters, say) can quote case data, and logs must not."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("%s failed: %s\n%s", what, type(error).__name__, frames)


def _record_failure(name: str, fire_time: datetime, started: datetime,
                    error: Exception) -> JobRun | None:
    # The type only: a message could quote case data.
    try:
        with unit_of_work():
            run = JobRun(job=name, fire_time=fire_time, started_at=started,
                         finished_at=utcnow(), outcome=JobOutcome.FAILED,
                         error=f"{type(error).__name__} (see the scheduler's log)")
            db.session.add(run)
    except IntegrityError:
        return None
    return run


def run_due(app: Flask, now: datetime, names: list[str] | None = None) -> list[JobRun]:
    """Run every job (or `names`) for the tick `now` falls in: one scheduler tick."""
    runs = [run_job(app, name, now) for name in names or list(JOBS)]
    return [run for run in runs if run is not None]
