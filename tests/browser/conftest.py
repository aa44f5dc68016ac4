"""Browser journeys: the real app served on loopback, Debian's Chromium driven by
Playwright, an offline accessibility check (axe-core) on every page visited, screenshots
kept in test-artifacts/."""

import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from placement.extensions import db

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def browser():
    if not shutil.which("chromium") and not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(app) -> Iterator[tuple]:
    """The app served by a real WSGI server on a free loopback port, with demo data."""
    app.config.update(PLANNER_TIME_LIMIT=3, PLANNER_WORKERS=1)
    output = app.test_cli_runner().invoke(args=["demo"]).output
    db.session.commit()  # no transaction may stay open while the server runs
    logins = {}
    for line in output.splitlines():
        if "  password: " in line:
            parts = line.split()
            logins[parts[0].split("@")[0]] = (parts[0], parts[2],
                                              parts[5] if len(parts) > 5 else None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", logins
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.viewport_name = request.param
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


class Journey:
    """Steps a person takes, with a screenshot and an accessibility check at each page."""

    def __init__(self, page: Page, base: str, name: str):
        self.page, self.base, self.name, self.step = page, base, name, 0
        self.folder = ARTIFACTS / f"{name}-{page.viewport_name}"
        self.folder.mkdir(parents=True, exist_ok=True)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, login: tuple) -> None:
        email, password, totp_secret = login
        self.go("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("#submit")
        if totp_secret:
            self.page.wait_for_url(re.compile(r".*/login/verify$"))
            self.check("verify")
            self.page.fill("#code", pyotp.TOTP(totp_secret).now())
            self.page.click("#submit")

    def check(self, label: str) -> None:
        """Screenshot, then axe-core: no serious or critical violation, no rule disabled."""
        self.step += 1
        self.page.screenshot(path=str(self.folder / f"{self.step:02d}-{label}.png"),
                             full_page=True)
        # Evaluated through the DevTools protocol, so the page's strict CSP stays on.
        self.page.evaluate(AXE)
        result = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,"
            " target: v.nodes[0] && v.nodes[0].target.join(' ')}))"
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{self.name}/{label}: {bad}"
        assert not [e for e in self.page.console_errors if "Content Security Policy" in e], \
            self.page.console_errors


def run_plan(app) -> None:
    """A coordinator's "Plan now", run to its end in the test's thread (committed first:
    an open SQLite transaction would block the server the browser talks to)."""
    from placement.database import unit_of_work
    from placement.planning.models import PlanRun
    from placement.planning.runner import execute_run

    with unit_of_work():
        run = PlanRun(time_limit=3)
        db.session.add(run)
        db.session.flush()
        run_id = run.id
    execute_run(app, run_id)


@pytest.fixture
def journey(page, live_app):
    base, logins = live_app

    def start(name: str) -> Journey:
        return Journey(page, base, name)

    start.logins = logins
    return start
