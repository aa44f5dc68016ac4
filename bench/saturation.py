"""How many requests a second the heaviest pages hold under saturation, as a share of a bare
Flask page served by the same gunicorn in the same run (issue #20's yardstick).

Usage, on a database made by `flask --app placement bench-data` then `bench-plan`:

    DATABASE_URL=postgresql://…/sb_bench .venv/bin/python bench/saturation.py [--seconds 15]

It starts gunicorn with deploy/gunicorn.conf.py (3 sync workers, production settings, the
access log on) twice: once for bench/bare_app.py (a 50-row Jinja table), once for Shelter
Bridge; signs in one coordinator (password and one-time code) and runs
`wrk -t2 -c20 -d15s` against the bare page, each page of ours, and the bare page again.
Prints requests a second, latency, HTML size, non-2xx answers and each page's share of the
bare page (the mean of its two runs). Needs wrk (Debian package `wrk`).
"""

import argparse
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
from cryptography.fernet import Fernet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from page_timings import coordinator_account  # noqa: E402

PAGES = {"queue": "/coordinator", "plan": "/plan", "tape chart": "/tape?days=14"}
# Flask-Login's strong session protection ties a session to the browser's User-Agent: the
# sign-in and every wrk request present the same one.
AGENT = "shelter-bridge-saturation"
UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
TARGETS = {"queue": 0.25, "plan": 0.10, "tape chart": 0.10}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, deadline: float = 60.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {deadline:.0f} s")


def gunicorn(app: str, port: int, env: dict, log) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy/gunicorn.conf.py"),
               "--pythonpath", str(HERE), app]
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "3"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def sign_in(base: str, email: str, password: str, secret: str) -> str:
    """The session cookie of a coordinator signed in with password and one-time code."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", AGENT)]

    def post(path: str, fields: dict) -> str:
        page = opener.open(base + path).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        return opener.open(base + path, data=body).geturl()

    post("/login", {"email": email, "password": password})
    landed = post("/login/verify", {"code": pyotp.TOTP(secret).now()})
    if "/login" in landed:
        raise SystemExit(f"sign-in failed (landed on {landed})")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def wrk(url: str, seconds: int, cookie: str | None, connections: int = 20) -> dict:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
               "--latency", "-H", f"User-Agent: {AGENT}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    count, amount, unit = re.search(
        r"(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", out).groups()
    per_request = float(amount) * UNITS[unit] / int(count)
    return {"rate": rate, "p50": p50, "p99": p99, "bytes": per_request,
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "errors": errors.group(1) if errors else "none"}


def page_size(url: str, cookie: str) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": AGENT})
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        if response.status != 200 or "/login" in response.geturl():
            raise SystemExit(f"{url} answered {response.status} at {response.geturl()}")
        return len(response.read())


def production_env(**settings: str) -> dict[str, str]:
    """The environment gunicorn serves the benchmark database under, in production mode
    (plain HTTP on loopback). The accounts' one-time-code secrets are stored under the note
    keys, so the keys are set here, before any account is made, and the server holds them."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        raise SystemExit("set DATABASE_URL to the benchmark's PostgreSQL database")
    os.environ.setdefault("NOTE_KEYS", Fernet.generate_key().decode())
    return {**os.environ, "SHELTER_BRIDGE_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "0", "GUNICORN_ACCESS_LOG": "/dev/null", **settings}


def kept_bodies(base: str, token: str) -> dict[str, dict[str, float]]:
    """Per endpoint, how many page bodies were served kept and drawn (/metrics)."""
    request = urllib.request.Request(base + "/metrics",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        text = response.read().decode()
    found: dict[str, dict[str, float]] = {}
    for endpoint, result, count in re.findall(
            r'page_bodies_total\{endpoint="([^"]+)",result="(\w+)"\} ([\d.e+]+)', text):
        found.setdefault(endpoint, {})[result] = float(count)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--draw-every-time", action="store_true",
                        help="PAGE_CACHE=0: no page body kept between two writing commits")
    args = parser.parse_args()
    metrics_token = secrets.token_hex(16)
    env = production_env(
        METRICS_TOKEN=metrics_token,
        PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="saturation-metrics-"),
        PAGE_CACHE="0" if args.draw_every_time else "1")
    email, password, secret = coordinator_account()
    bare_port, app_port = free_port(), free_port()
    with open("/tmp/saturation-gunicorn.log", "w") as log:
        bare = gunicorn("bare_app:app", bare_port, env, log)
        app = gunicorn("placement:create_app()", app_port, env, log)
        try:
            bare_url, base = f"http://127.0.0.1:{bare_port}/", f"http://127.0.0.1:{app_port}"
            wait_until_up(bare_url)
            wait_until_up(base + "/healthz")
            cookie = sign_in(base, email, password, secret)
            for path in PAGES.values():  # warm every worker's caches, as a live server has
                for _ in range(6):
                    page_size(base + path, cookie)
            sizes = {name: page_size(base + path, cookie) for name, path in PAGES.items()}
            check = wrk(base + PAGES["queue"], 1, cookie)
            if check["bytes"] < 0.9 * sizes["queue"]:  # a redirect to sign-in is 1 KB
                raise SystemExit("wrk's requests are not signed in (redirected to sign-in)")
            runs = {"bare page": [wrk(bare_url, args.seconds, None)]}
            for name, path in PAGES.items():
                runs[name] = [wrk(base + path, args.seconds, cookie)]
            runs["bare page"].append(wrk(bare_url, args.seconds, None))
            page_size(base + PAGES["queue"], cookie)  # still signed in at the end
            kept = kept_bodies(base, metrics_token)
        finally:
            stop(app)
            stop(bare)
    bare_rate = sum(run["rate"] for run in runs["bare page"]) / 2
    print(f"wrk -t2 -c20 -d{args.seconds}s, gunicorn -w 3 (deploy/gunicorn.conf.py), "
          f"one signed-in coordinator, page bodies "
          f"{'drawn every time' if args.draw_every_time else 'kept between writing commits'}")
    print(f"{'page':12s} {'req/s':>8s} {'share':>7s} {'target':>7s} {'p50':>8s} {'p99':>8s} "
          f"{'KB':>6s}  non-2xx  socket errors")
    for name, results in runs.items():
        for run in results:
            if name in sizes and run["bytes"] < 0.9 * sizes[name]:
                raise SystemExit(f"{name}: wrk read {run['bytes']:.0f} bytes a request, "
                                 f"less than the page's {sizes[name]}: not all were the page")
            share = run["rate"] / bare_rate
            target = f"{TARGETS[name]:.0%}" if name in TARGETS else ""
            kb = f"{sizes[name] / 1024:.0f}" if name in sizes else ""
            print(f"{name:12s} {run['rate']:8.1f} {share:7.1%} {target:>7s} {run['p50']:>8s} "
                  f"{run['p99']:>8s} {kb:>6s}  {run['non_2xx']:7d}  {run['errors']}")
    for endpoint, counts in sorted(kept.items()):
        hits, misses = counts.get("hit", 0), counts.get("miss", 0)
        print(f"page bodies kept, {endpoint}: {hits:.0f} served kept, {misses:.0f} drawn")


if __name__ == "__main__":
    main()
