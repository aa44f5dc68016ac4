"""The nightly backup into BACKUP_DIR: `shelter-bridge-<UTC time>.backup`, encrypted (see
placement/backup.py), written beside its final name and renamed once whole.

First the job deletes its own backups older than RETENTION_DAYS, the period after which
the retention job purges a case's details, so a purged detail lives on in backups for at
most that long. It deletes before it writes: a full disk is the likeliest reason a backup
fails, and a backup failing must not keep old ones past retention. Only names of its own
pattern are touched, and a half-written file of a run that died once it is a day old.
"""

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app

from ..backup import write_file
from .triggers import as_utc

PREFIX = "shelter-bridge-"
SUFFIX = ".backup"
STAMP = "%Y%m%dT%H%M%SZ"
BACKUP_NAME = re.compile(r"shelter-bridge-(\d{8}T\d{6}Z)\.backup")
PARTIAL_NAME = re.compile(r"\.shelter-bridge-\d{8}T\d{6}Z\.backup\.\w+\.partial")
PARTIAL_AGE = timedelta(days=1)  # younger, it may be another process's backup under way


def backup_name(moment: datetime) -> str:
    return f"{PREFIX}{as_utc(moment):{STAMP}}{SUFFIX}"


def _taken_at(name: str) -> datetime | None:
    match = BACKUP_NAME.fullmatch(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)


def delete_old_backups(folder: Path, now: datetime, days: int) -> int:
    """Delete this job's backups taken more than `days` before `now`, and parts left by
    runs that died; return how many files went."""
    cutoff, now = as_utc(now) - timedelta(days=days), as_utc(now)
    deleted = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            taken = _taken_at(entry.name)
            old = taken is not None and taken < cutoff
            dead = (PARTIAL_NAME.fullmatch(entry.name) is not None
                    and entry.stat(follow_symlinks=False).st_mtime
                    < (now - PARTIAL_AGE).timestamp())
            if old or dead:
                os.unlink(entry.path)
                deleted += 1
    return deleted


def backup(now: datetime) -> dict[str, int]:
    """The job: old backups out, tonight's in. Counts only, never the folder."""
    folder = Path(current_app.config["BACKUP_DIR"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    deleted = delete_old_backups(folder, now, current_app.config["RETENTION_DAYS"])
    written = write_file(folder / backup_name(now))
    return {"rows": written.rows, "bytes": written.bytes, "old_backups_deleted": deleted}
