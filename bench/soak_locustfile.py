"""bench/locustfile.py's users, with every request written to SOAK_LOG (time, page, ms,
failed) so that bench/soak.py can compare the start of a long run with its end."""

import csv
import os
import sys
import time
from pathlib import Path

from locust import events

sys.path.insert(0, str(Path(__file__).resolve().parent))
from locustfile import Advocate, Coordinator  # noqa: E402,F401 (the users locust runs)

_log = open(os.environ["SOAK_LOG"], "w", newline="")  # noqa: SIM115 (open for the run)
_rows = csv.writer(_log)


@events.request.add_listener
def _written(request_type, name, response_time, exception, **_kwargs):
    _rows.writerow([f"{time.time():.3f}", f"{request_type} {name}", f"{response_time:.1f}",
                    "1" if exception else "0"])


@events.quitting.add_listener
def _closed(**_kwargs):
    _log.close()
