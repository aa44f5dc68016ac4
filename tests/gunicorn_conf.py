"""gunicorn settings for the HTTP race tests (tests/http_support.py).

The app is loaded once in the master (`--preload`: three workers importing OR-Tools at once
on a busy CI machine take several times longer), so each worker drops any pooled database
connection it inherited, as SQLAlchemy asks of forked processes; and each worker says when
it is ready, so that a race starts only once every worker can take a request.
"""

import os
from pathlib import Path

# No control socket (gunicorn 25+ opens one in the home folder by default); older versions
# ignore the setting.
control_socket_disable = True


def post_fork(server, worker) -> None:
    from placement.extensions import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)


def post_worker_init(worker) -> None:
    folder = os.environ.get("SB_TEST_WORKERS_READY")
    if folder:
        Path(folder, str(worker.pid)).touch()
