"""Real HTTP against the app as production runs it: gunicorn with sync workers on loopback,
and browser-like clients (cookies, CSRF tokens read from the forms, redirects followed only
when asked) that can fire posts at the same instant.

Standard library only on the client side (http.client), so the requests are exactly what is
written here: one connection each, opened before the start line so that every post of a race
reaches a worker as soon as the barrier falls.
"""

import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyotp
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).with_name("gunicorn_conf.py")
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # seconds for one request, never more than the budget left
BOOT_TIMEOUT = 30.0
STOP_TIMEOUT = 8.0  # seconds for a stopped process to exit before its group is killed
IDLE_TIMEOUT = 15.0  # a request still running after its client gave up (gunicorn's --timeout: 20)
APP_NAME = "shelter-bridge-race-server"  # the server's connections, in pg_stat_activity

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ALERT = re.compile(r'class="alert alert-(\w+)"[^>]*>(.*?)</div>', re.S)
FIELD_ERROR = re.compile(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', re.S)
TAG = re.compile(r"<[^>]+>")
# The app logs an exception's type and its causes, never its message (placement/logs.py),
# inside a JSON line's "exception".
LOGGED_ERROR = re.compile(
    r"(?:^|\\n)(\w+): \[message withheld\](?: \(caused by ([^)\"]*)\))?", re.M)


class OverBudget(AssertionError):
    """The module ran out of its time budget: a request would have gone past it."""


def _text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


@dataclass
class Response:
    status: int
    location: str | None  # the path (and query) redirected to, if any
    text: str

    @property
    def alerts(self) -> list[tuple[str, str]]:
        """Flashed messages on the page, as (category, text): ("danger", "…")."""
        return [(kind, _text(body)) for kind, body in ALERT.findall(self.text)]

    @property
    def field_errors(self) -> list[str]:
        return [_text(body) for body in FIELD_ERROR.findall(self.text)]

    def csrf_token(self) -> str:
        match = CSRF.search(self.text)
        assert match, f"no CSRF token on the page (status {self.status})"
        return html.unescape(match.group(1))


@dataclass
class LiveServer:
    process: subprocess.Popen
    port: int
    log_path: Path
    deadline: float  # time.monotonic() after which no request may start
    note_keys: str  # the server's NOTE_KEYS: the test's app must encrypt TOTP secrets with them

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def timeout(self) -> float:
        left = self.deadline - time.monotonic()
        if left < 0.5:
            raise OverBudget("the HTTP race module ran out of its time budget")
        return min(REQUEST_TIMEOUT, left)

    def log_offset(self) -> int:
        return self.log_path.stat().st_size

    def errors_since(self, offset: int) -> Counter:
        """Exceptions the app logged since `offset`: {"OperationalError <- DeadlockDetected": 3}."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode("utf-8", "replace")
        return Counter(kind + (f" <- {causes}" if causes else "")
                       for kind, causes in LOGGED_ERROR.findall(text))

    def wait_idle(self, engine: Engine) -> None:
        """Wait until none of the server's database connections is inside a statement or a
        transaction: a request whose client gave up may still be running, and emptying the
        tables under it would deadlock with it."""
        until = time.monotonic() + IDLE_TIMEOUT
        query = text("SELECT count(*) FROM pg_stat_activity "
                     "WHERE application_name = :name AND state <> 'idle'")
        with engine.connect() as connection:
            while connection.execute(query, {"name": APP_NAME}).scalar():
                connection.rollback()
                if time.monotonic() > until:
                    raise AssertionError("the server was still busy after the test:\n"
                                         + self.log_tail())
                time.sleep(0.05)
            connection.rollback()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text("utf-8", "replace")[-chars:]


def stop_all(processes: Sequence[subprocess.Popen], how: signal.Signals = signal.SIGINT
             ) -> None:
    """Signal processes each started in a session of its own, all before waiting for any
    (for gunicorn's master, INT is a quick shutdown: it stops its workers, killing any that
    do not exit within the graceful timeout), then KILL the process group of any that
    lingers (before it is reaped, so that group id is still ours)."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        with suppress(ProcessLookupError):
            process.send_signal(how)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the master and its workers
            process.wait(timeout=5)


@contextmanager
def gunicorn(database_url: str, folder: Path, *, secret_key: str, note_keys: str,
             workers: int = 3, budget: float = 50.0) -> Iterator[LiveServer]:
    """The app under gunicorn (sync workers) on 127.0.0.1 and a free port, configured from the
    environment as in production; always stopped on the way out.

    The listening socket is made here and handed over (`fd://`), so no other process can
    take the port between choosing it and binding it.
    """
    with gunicorns(database_url, [folder], secret_key=secret_key, note_keys=note_keys,
                   workers=workers, budget=budget) as (server,):
        yield server


@contextmanager
def gunicorns(database_url: str, folders: Sequence[Path], *, secret_key: str, note_keys: str,
              workers: int = 3, budget: float = 50.0) -> Iterator[list[LiveServer]]:
    """One server per folder, as hosts of one installation behind a proxy would be (one
    database, the same keys): booted side by side, stopped together."""
    started = time.monotonic()
    servers: list[LiveServer] = []
    try:
        for folder in folders:
            servers.append(_start(database_url, folder, secret_key, note_keys, workers,
                                  started + budget))
        for server in servers:
            _wait_ready(server, workers, started + BOOT_TIMEOUT)
        yield servers
    finally:
        stop_all([server.process for server in servers])


def _ready_folder(folder: Path) -> Path:
    return folder / "workers-ready"


def _start(database_url: str, folder: Path, secret_key: str, note_keys: str, workers: int,
           deadline: float) -> LiveServer:
    ready = _ready_folder(folder)
    ready.mkdir()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((HOST, 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SHELTER_BRIDGE_ENV": "production",
        "SECRET_KEY": secret_key,
        "NOTE_KEYS": note_keys,
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
        "SCHEDULER_IN_APP": "0",
        "REPLAN_ON_CRITICAL": "0",
        "TRUSTED_PROXIES": "0",
        "SB_TEST_WORKERS_READY": str(ready),
        "PYTHONUNBUFFERED": "1",
        "PGAPPNAME": APP_NAME,  # libpq names the server's connections
    }
    instance = str(folder / "instance")
    command = [
        sys.executable, "-m", "gunicorn", "--config", str(CONFIG),
        "--workers", str(workers), "--worker-class", "sync", "--preload",
        "--bind", f"fd://{listener.fileno()}", "--timeout", "20", "--graceful-timeout", "1",
        "--chdir", str(ROOT), f"placement:create_app({{'INSTANCE_PATH': {instance!r}}})",
    ]
    log_path = folder / "gunicorn.log"
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                       pass_fds=(listener.fileno(),), start_new_session=True)
    finally:
        listener.close()  # the server holds its own copy
    return LiveServer(process, port, log_path, deadline, note_keys)


def _wait_ready(server: LiveServer, workers: int, boot_deadline: float) -> None:
    ready = _ready_folder(server.log_path.parent)
    while len(list(ready.iterdir())) < workers:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.process.returncode}):\n"
                               + server.log_tail())
        if time.monotonic() > boot_deadline:
            raise RuntimeError("gunicorn's workers did not boot in time:\n"
                               + server.log_tail())
        time.sleep(0.05)


def _location(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Browser:
    """One person's browser tab: its own cookies. `clone()` is a second tab of the same
    sign-in (the same session cookie), for posts that one person fires at once; `on(server)`
    is the same browser (one cookie jar) with its requests landing on another host."""

    server: LiveServer
    cookies: dict[str, str] = field(default_factory=dict)

    def clone(self) -> "Browser":
        return Browser(self.server, dict(self.cookies))

    def on(self, server: LiveServer) -> "Browser":
        """This browser with its next requests landing on another host, as a proxy in front
        of several sends them: one cookie jar, whichever host answers."""
        return Browser(server, self.cookies)

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(HOST, self.server.port,
                                                timeout=self.server.timeout())
        connection.connect()
        return connection

    def send(self, connection: http.client.HTTPConnection, method: str, path: str,
             form: dict | None = None) -> Response:
        headers = {"User-Agent": "shelter-bridge-race-test", "Connection": "close",
                   "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        text = raw.read().decode("utf-8", "replace")
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(raw.status, _location(raw.headers.get("Location")), text)

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        connection = self.connect()
        try:
            return self.send(connection, method, path, form)
        finally:
            connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Response:
        return self.request("POST", path, form)

    def follow(self, response: Response) -> Response:
        """The page a redirect leads to, as a browser shows it (with its flashed messages)."""
        assert response.location, response.status
        return self.get(response.location)

    def sign_in(self, email: str, password: str, totp_secret: str | None) -> "Browser":
        """Password, then the authenticator's code, through the real forms and their CSRF."""
        token = self.get("/login").csrf_token()
        response = self.post("/login", {"email": email, "password": password,
                                        "csrf_token": token})
        assert response.status == 302, (response.status, response.alerts)
        if response.location and response.location.startswith("/login/verify"):
            assert totp_secret, "the account needs a second factor"
            token = self.get("/login/verify").csrf_token()
            response = self.post("/login/verify", {"code": pyotp.TOTP(totp_secret).now(),
                                                   "csrf_token": token})
            assert response.status == 302, (response.status, response.field_errors)
        assert not (response.location or "").startswith("/login"), response.location
        return self


def race(shots: Sequence[tuple[Browser, str, dict]]) -> list[Response | BaseException]:
    """POST each (browser, path, form) at the same instant, each on a connection of its own
    opened beforehand; the outcomes in the same order (an exception where a post failed)."""
    if not shots:
        return []
    server = shots[0][0].server
    connections: list[http.client.HTTPConnection] = []
    try:
        for browser, _, _ in shots:
            connections.append(browser.connect())
    except BaseException:
        for connection in connections:
            connection.close()
        raise
    start = threading.Barrier(len(shots))
    outcomes: list[Response | BaseException | None] = [None] * len(shots)

    def fire(index: int) -> None:
        browser, path, form = shots[index]
        try:
            start.wait(timeout=REQUEST_TIMEOUT)
            outcomes[index] = browser.send(connections[index], "POST", path, form)
        except BaseException as error:  # noqa: BLE001 - reported by the caller's assertions
            outcomes[index] = error
        finally:
            connections[index].close()

    threads = [threading.Thread(target=fire, args=(i,), daemon=True) for i in range(len(shots))]
    for thread in threads:
        thread.start()
    limit = time.monotonic() + server.timeout() + 2
    for thread in threads:
        thread.join(timeout=max(0.0, limit - time.monotonic()))
    return [TimeoutError("no answer in time") if outcome is None else outcome
            for outcome in outcomes]
