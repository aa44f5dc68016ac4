"""Soak: the load mix of bench/locustfile.py for ten minutes (or more) against gunicorn in
production mode, reporting each page's 95th percentile at the start and at the end, and the
workers' memory as the run goes (issue #20). A benchmark that prints figures, never a test.

Usage, on a database made by `flask --app placement bench-data` then `bench-plan`:

    pip install -e '.[bench]'
    DATABASE_URL=postgresql://…/sb_bench .venv/bin/python bench/soak.py [--minutes 10]

50 advocates and coordinators (2 more a second until all are in), 1-3 s between pages;
3 sync workers with deploy/gunicorn.conf.py. Workers are not recycled during the soak
(GUNICORN_MAX_REQUESTS=0), so a leak shows in their memory; `--recycle` keeps production's
recycling instead. "Start" is the two minutes after every user is in, "end" the last two.
"""

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from load_users import main as make_load_users  # noqa: E402
from saturation import free_port, gunicorn, production_env, stop, wait_until_up  # noqa: E402

USERS, SPAWN_RATE = 50, 2
WINDOW = 120  # seconds: the start and the end windows


def workers_rss(master: int) -> dict[int, float]:
    """Resident memory of each gunicorn worker, in MB."""
    try:
        children = psutil.Process(master).children()
    except psutil.NoSuchProcess:
        return {}
    return {child.pid: child.memory_info().rss / 2**20 for child in children}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--recycle", action="store_true",
                        help="recycle workers after max_requests, as production does")
    args = parser.parse_args()
    env = production_env(**({} if args.recycle else {"GUNICORN_MAX_REQUESTS": "0"}))
    folder = Path(tempfile.mkdtemp(prefix="soak-"))
    make_load_users(str(folder / "users.json"), 30)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    seconds = int(args.minutes * 60)
    ramp = USERS / SPAWN_RATE
    memory: list[tuple[float, dict[int, float]]] = []
    with open(folder / "gunicorn.log", "w") as log:
        server = gunicorn("placement:create_app()", port, env, log)
        try:
            wait_until_up(base + "/healthz")
            locust = subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(HERE / "soak_locustfile.py"),
                 "--headless", "-u", str(USERS), "-r", str(SPAWN_RATE), "-t", f"{seconds}s",
                 "-H", base, "--csv", str(folder / "load"), "--only-summary"],
                env={**env, "LOAD_USERS": str(folder / "users.json"),
                     "SOAK_LOG": str(folder / "requests.csv")},
                stdout=log, stderr=log)
            started = time.monotonic()
            while locust.poll() is None:
                memory.append((time.monotonic() - started, workers_rss(server.pid)))
                time.sleep(15)
        finally:
            stop(server)
    report(folder, seconds, ramp, memory)


def report(folder: Path, seconds: int, ramp: float, memory) -> None:
    with open(folder / "requests.csv") as handle:
        rows = [(float(t), name, float(ms), failed == "1")
                for t, name, ms, failed in csv.reader(handle)]
    first = min(t for t, *_ in rows)
    window = min(WINDOW, (seconds - ramp) / 3)  # a short trial run: thirds after ramp-up
    start = (first + ramp, first + ramp + window)
    end = (first + seconds - window, first + seconds)
    pages = sorted({name for _, name, _, _ in rows})
    print(f"soak: {len(rows):,} requests in {seconds / 60:.0f} min, "
          f"{sum(f for *_, f in rows)} failed; 95th percentile in ms, "
          f"start = {window:.0f} s after ramp-up, end = last {window:.0f} s")
    print(f"{'page':24s} {'requests':>9s} {'p95 start':>10s} {'p95 end':>8s}")
    for page in pages:
        times = [(t, ms) for t, name, ms, _ in rows if name == page]
        early = [ms for t, ms in times if start[0] <= t < start[1]]
        late = [ms for t, ms in times if end[0] <= t <= end[1]]
        print(f"{page:24s} {len(times):9d} {p95(early):10.0f} {p95(late):8.0f}")
    if memory:
        settled = next((m for at, m in memory if at >= ramp), memory[0][1])
        last = memory[-1][1]
        print("workers' resident memory (MB): after ramp-up "
              + ", ".join(f"{mb:.0f}" for mb in settled.values())
              + "; at the end " + ", ".join(f"{mb:.0f}" for mb in last.values())
              + (" (the same workers)" if set(settled) == set(last) else " (recycled)"))
    print(f"raw data: {folder}")


if __name__ == "__main__":
    main()
