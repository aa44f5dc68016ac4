"""gunicorn in production: `gunicorn --config deploy/gunicorn.conf.py 'placement:create_app()'`.

Settings come from the environment (the systemd unit's EnvironmentFile, or the Procfile's):
- GUNICORN_BIND (default 127.0.0.1:$PORT, PORT default 8000): nginx in front, on this host.
- WEB_CONCURRENCY (default 3): sync workers; two per core is a good start. A planner run
  started from a page solves in a thread of its worker, so keep one worker per core free.
- GUNICORN_TIMEOUT (default 60 s): a worker silent that long is killed and replaced.
- Each worker freezes what loading the app made (gc.freeze): see post_worker_init.

Graceful restarts: `kill -HUP` (systemctl reload) starts workers with the new code and lets
the old ones finish their requests within graceful_timeout; the app is loaded in each
worker (no preload) so that a reload reads the new code. Workers are recycled after
max_requests (with jitter, so they do not all restart at once).

The access log never has a query string, and a shelter's staff link (/report/<token>...)
is logged without its token: the path is a credential there.

With PROMETHEUS_MULTIPROC_DIR set (placement/metrics.py), the folder's files of processes
that are gone are removed at start, and a worker that exits is marked dead.
"""

import os
import re
from pathlib import Path

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5  # nginx keeps connections to the upstream open (its `keepalive`)
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Workers' heartbeat files on a tmpfs, not a disk that may stall (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
control_socket_disable = True  # gunicorn 25+ would open one in the home folder

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Who, when, method, path (no query string), status, bytes, milliseconds and the request
# id the app answered with (its JSON line for the request carries the same id).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'

STAFF_LINK = re.compile(r"^/report/[^/]+")


class AccessLog(Logger):
    """gunicorn's logger, with staff link tokens cut out of the logged path."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = STAFF_LINK.sub("/report/[token]", atoms["U"])
        return atoms


logger_class = AccessLog


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def on_starting(server) -> None:
    """Counts of processes from an earlier run are dropped; a live scheduler's stay."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for path in Path(folder).glob("*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:
    """The app is loaded: its ~200,000 long-lived objects (modules, the ZIP code table,
    templates) move out of the garbage collector's sight, so a full collection during a
    request no longer walks them (it cost the tape chart a quarter of its time)."""
    import gc

    gc.collect()
    gc.freeze()
