"""The nightly backup: an encrypted file in BACKUP_DIR, written whole or not at all, and
its own files older than the retention period deleted, so purged case data does not live
on in backups. Off unless BACKUP_DIR is set."""

import json
import logging
import os
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from placement.backup_crypto import generate_key
from placement.config import ConfigError, from_environment
from placement.extensions import db
from placement.jobs.models import JobOutcome, JobRun
from placement.jobs.runner import run_job
from placement.jobs.scheduler import add_jobs

NOW = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)  # 02:30 in New York: the job's own time


def named(moment: datetime, suffix: str = ".backup") -> str:
    return f"shelter-bridge-{moment:%Y%m%dT%H%M%SZ}{suffix}"


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "backups"
    app.config.update(BACKUP_DIR=str(folder), BACKUP_KEYS=generate_key(), RETENTION_DAYS=30,
                      SCHEDULER_CLOCK=lambda: NOW)
    return folder


def test_the_nightly_backup_writes_a_sealed_file_and_deletes_only_its_own_old_ones(
        app, folder, create_request, caplog):
    create_request()
    folder.mkdir()
    too_old = folder / named(NOW - timedelta(days=30, seconds=1))
    kept = folder / named(NOW - timedelta(days=29, hours=23))
    not_ours = [folder / named(NOW - timedelta(days=400), ".backup.bak"),
                folder / "shelter-bridge-20200101.backup", folder / "notes.txt",
                folder / named(NOW - timedelta(days=400)).replace("shelter", "other")]
    stale_partial = folder / f".{named(NOW - timedelta(days=3))}.x1y2.partial"
    fresh_partial = folder / f".{named(NOW)}.a9b8.partial"  # another run's, under way
    for file in (too_old, kept, *not_ours, stale_partial, fresh_partial):
        file.write_bytes(b"old")
    two_days_ago = (NOW - timedelta(days=2)).timestamp()
    os.utime(stale_partial, (two_days_ago, two_days_ago))
    os.utime(fresh_partial, (NOW.timestamp(), NOW.timestamp()))
    db.session.commit()

    caplog.set_level(logging.INFO, logger="placement.jobs")
    result = app.test_cli_runner().invoke(args=["scheduler", "--once", "backup"])
    assert result.exit_code == 0 and "backup: done" in result.output, result.output

    written = folder / named(NOW)
    assert written.stat().st_mode & 0o777 == 0o600
    assert not too_old.exists() and not stale_partial.exists()
    assert kept.exists() and fresh_partial.exists() and all(f.exists() for f in not_ours)
    check = app.test_cli_runner().invoke(args=["restore", "--check", str(written)])
    assert check.exit_code == 0 and "is sound" in check.output, check.output

    run = db.session.scalar(select(JobRun).where(JobRun.job == "backup"))
    assert run.outcome == JobOutcome.DONE
    assert run.counts["old_backups_deleted"] == 2  # the old file and the dead run's part
    assert run.counts["rows"] > 0 and run.counts["bytes"] == written.stat().st_size
    lines = [json.loads(app.logger.handlers[0].format(r)) for r in caplog.records
             if getattr(r, "fields", {}).get("event") == "job"]
    assert [line["counts"] for line in lines] == [run.counts]
    assert str(folder) not in caplog.text and app.config["BACKUP_KEYS"] not in caplog.text


def test_no_backup_runs_without_BACKUP_DIR(app):  # noqa: N802 - the setting's name
    assert app.config["BACKUP_DIR"] is None
    assert run_job(app, "backup", NOW) is None
    assert db.session.scalar(select(JobRun).where(JobRun.job == "backup")) is None
    scheduler = add_jobs(app, BackgroundScheduler(timezone=UTC))
    assert scheduler.get_job("backup") is None and scheduler.get_job("replan") is not None
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["scheduler", "--list"]).output
    assert "backup" in listing and "off (BACKUP_DIR is not set)" in listing
    asked = runner.invoke(args=["scheduler", "--once", "backup"])
    assert asked.exit_code != 0 and "BACKUP_DIR" in asked.output


def test_a_backup_without_its_key_fails_on_the_record_and_writes_nothing(app, folder):
    app.config["BACKUP_KEYS"] = None
    run = run_job(app, "backup", NOW)
    assert run.outcome == JobOutcome.FAILED and run.error.startswith("BackupKeyError")
    assert not folder.exists() or list(folder.iterdir()) == []


def test_production_will_not_start_with_a_backup_folder_and_no_backup_key(tmp_path,
                                                                          monkeypatch):
    monkeypatch.delenv("BACKUP_KEYS", raising=False)
    with pytest.raises(ConfigError, match="BACKUP_KEYS"):
        from_environment(str(tmp_path), {"ENV_NAME": "production", "SECRET_KEY": "s",
                                         "NOTE_KEYS": "n", "BACKUP_DIR": str(tmp_path)})
