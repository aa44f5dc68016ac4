"""Three scheduler processes over the same ten ticks: every job runs exactly ten times."""

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter

import pytest
from sqlalchemy import select

from placement.backup_crypto import generate_key
from placement.extensions import db
from placement.jobs.models import JobOutcome, JobRun
from placement.jobs.registry import JOBS

PROCESSES = 3
TICKS = 10

# Each process builds its own app and walks the same ten moments, one day apart (a distinct
# tick for every job, daily ones included). A file barrier lines them up so that they
# really race for every tick.
WORKER = textwrap.dedent("""
    import json, sys, time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from placement import create_app
    from placement.jobs.runner import run_due

    url, instance, barrier, me, count, backups, backup_key = sys.argv[1:8]
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": instance, "REPLAN_ON_CRITICAL": False,
                      "BACKUP_DIR": backups, "BACKUP_KEYS": backup_key})
    Path(barrier, me).touch()
    deadline = time.monotonic() + 60
    while len(list(Path(barrier).iterdir())) < int(count) and time.monotonic() < deadline:
        time.sleep(0.01)
    start = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    mine = []
    for day in range(10):
        mine += [run.job for run in run_due(app, start + timedelta(days=day))]
    print(json.dumps(mine))
""")


@pytest.mark.slow
def test_three_processes_over_ten_ticks_run_each_job_exactly_ten_times(app, tmp_path):
    db.session.commit()
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    backup_key = generate_key()  # the backup job races too, into one folder
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(tmp_path / f"instance-{n}"), str(barrier),
             str(n), str(PROCESSES), str(tmp_path / "backups"), backup_key],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(PROCESSES)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    elapsed = time.monotonic() - started
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    by_process = [Counter(json.loads(out)) for out, _err in outputs]

    runs = db.session.scalars(select(JobRun)).all()
    assert Counter(run.job for run in runs) == {name: TICKS for name in JOBS}
    assert {run.outcome for run in runs} == {JobOutcome.DONE}
    assert sum(by_process, Counter()) == {name: TICKS for name in JOBS}
    assert len(list((tmp_path / "backups").glob("shelter-bridge-*.backup"))) == TICKS
    print(f"\n{PROCESSES} processes, {elapsed:.1f}s; runs per process: "
          f"{[sum(c.values()) for c in by_process]}")
