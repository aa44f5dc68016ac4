"""Several hosts on one PostgreSQL database (issue 20), as a hotline's IT runs them behind
one proxy: two gunicorn servers (two sync workers each) with the same SECRET_KEY and
NOTE_KEYS, and two scheduler processes started as the Procfile starts its scheduler.

- A sign-in made on one host goes on on the other (a page, a post with its CSRF token), a
  sign-out on either ends it on both (the cookie carries a revocable token kept in the
  database), and an authenticator code works once across hosts, even at the same instant.
- The race scenarios of tests/test_http_races.py with the two sides on different hosts: two
  approvals for the last bed, the same request placed by hand on both, two approvals for the
  last points of a program: one wins, the other is told why, nothing is oversold or
  overspent. "Plan now" and "Compute now" clicked on both at once start one run, one batch.
- With both schedulers on one clock moved from the environment (SHELTER_BRIDGE_CLOCK_OFFSET,
  placement/config.py) to just before a tick where five jobs are due, each tick (at start,
  and the one they both fire) is recorded once, run once, and nothing else runs.

The servers start once for the module (the `app` fixture empties the tables after each test);
the schedulers run only in their own test, so that no re-plan moves proposals under a race.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyotp
import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select

from partners.availability import shelter_nights
from partners.ledger import program_balances, summed_lot_balances
from partners.places import Shelter
from partners.points import Account
from placement.auth.models import Role, User
from placement.auth.totp import secret_of
from placement.bookings.models import Booking
from placement.config import from_environment
from placement.extensions import db
from placement.jobs.models import JobOutcome, JobRun
from placement.jobs.registry import JOBS
from placement.planning.models import PlanRun, RunStatus
from placement.points.models import BatchState, WhatIfBatch
from tests.conftest import PASSWORD
from tests.http_support import ROOT, Browser, LiveServer, Response, gunicorns, race, stop_all
from tests.race_scenarios import (
    NIGHTS,
    POSTGRES_ONLY,
    WHERE,
    Outcome,
    judge,
    live_stays,
    log_marks,
    place_form,
    placed_twice_at_once,
    serving,
    signed_in,
    summary,
    tonight,
)

ROUNDS = 5  # races of each kind, one after the other
PLAN_ROUNDS = 3  # "Plan now" races: each waits for its run to finish
MODULE_BUDGET = 80.0  # seconds from the servers' start to the module's last request
SCHEDULERS = 2
# The tick both schedulers will fire: 00:15 at the hotline, when the roll-over, the re-plan
# (every 5 minutes), the hold check (every 15) and the every-minute jobs are all due.
TICK = datetime(2027, 3, 2, 0, 15, tzinfo=ZoneInfo("America/New_York"))
LEAD = 12.0  # seconds from the schedulers' start to TICK on their clock: time to boot
TICK_WAIT = 30.0  # seconds past TICK for its runs to be recorded

pytestmark = [pytest.mark.slow, POSTGRES_ONLY]


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    """What every host and scheduler of one installation shares."""
    return {"secret_key": "hosts-" + uuid.uuid4().hex,
            "note_keys": Fernet.generate_key().decode()}


@pytest.fixture(scope="module")
def live_hosts(postgres_database, tmp_path_factory, keys) -> Iterator[list[LiveServer]]:
    folders = [tmp_path_factory.mktemp(name) for name in ("host-a", "host-b")]
    with gunicorns(postgres_database, folders, workers=2, budget=MODULE_BUDGET,
                   **keys) as servers:
        yield servers


@pytest.fixture
def hosts(app: Flask, live_hosts: list[LiveServer]) -> Iterator[list[LiveServer]]:
    with serving(app, live_hosts):
        yield live_hosts


@pytest.fixture
def coordinator(hosts, make_user) -> Callable[[LiveServer], Browser]:
    """A new coordinator, signed in on the host given."""
    return lambda host: signed_in(host, make_user, 1)[0]


@pytest.fixture
def today(app) -> date:
    return tonight()


# -- one sign-in, two hosts ------------------------------------------------------------------

def password_step(host: LiveServer, user: User) -> Browser:
    """A browser half-way in on `host`: the password is right, the code is asked next."""
    browser = Browser(host)
    token = browser.get("/login").csrf_token()
    response = browser.post("/login", {"email": user.email, "password": PASSWORD,
                                       "csrf_token": token})
    assert response.location == "/login/verify", (response.status, response.alerts)
    return browser


def code_form(browser: Browser, code: str) -> dict:
    return {"code": code, "csrf_token": browser.get("/login/verify").csrf_token()}


def test_a_sign_in_on_one_host_goes_on_on_the_other_and_a_sign_out_ends_it_on_both(
        hosts, coordinator, create_shelter, create_request, today):
    host_a, host_b = hosts
    shelter = create_shelter(name="Harbor House", location="20001")
    housing_request = create_request(where=WHERE, earliest=today, nights=NIGHTS)
    db.session.commit()
    on_a = coordinator(host_a)
    on_b = on_a.on(host_b)

    page = on_b.get(f"/requests/{housing_request.id}/place")
    assert page.status == 200
    placed = on_b.post(f"/requests/{housing_request.id}/place",
                       place_form(page.csrf_token(), shelter, today))
    assert judge(on_b, placed).verdict == "won", placed.status
    assert live_stays() == {housing_request.id: 1}
    assert on_a.get(placed.location).status == 200  # the stay, on the other host

    # Signed out on B with the token of a page A rendered; the cookie from before the
    # sign-out (kept, say, by someone who copied it) then works on neither host.
    before = dict(on_a.cookies)
    signed_out = on_b.post("/logout", {"csrf_token": on_a.get("/account").csrf_token()})
    assert signed_out.status == 302 and signed_out.location.startswith("/login")
    for host in hosts:
        page = Browser(host, dict(before)).get("/bookings")
        assert page.status == 302 and page.location.startswith("/login"), page.status


def test_a_password_given_on_one_host_is_followed_by_the_code_on_the_other(hosts, make_user):
    host_a, host_b = hosts
    user = make_user(Role.COORDINATOR)
    half_way = password_step(host_a, user).on(host_b)
    response = half_way.post("/login/verify",
                             code_form(half_way, pyotp.TOTP(secret_of(user)).now()))
    assert response.status == 302 and not response.location.startswith("/login")
    assert half_way.get("/bookings").status == 200


def test_an_authenticator_code_works_once_across_hosts_even_at_the_same_instant(
        hosts, make_user):
    """Each user's current code, posted on both hosts at once by two browsers that both gave
    the password: one is signed in, the other is told the code was used."""
    verdicts = []
    for user in [make_user(Role.COORDINATOR) for _ in range(ROUNDS)]:
        code = pyotp.TOTP(secret_of(user)).now()
        pair = [password_step(host, user) for host in hosts]
        answers = race([(browser, "/login/verify", code_form(browser, code))
                        for browser in pair])
        verdicts.append(sorted(signed_in_or_refused(answer) for answer in answers))
    assert verdicts == [["refused", "signed in"]] * ROUNDS, verdicts


def signed_in_or_refused(answer: Response | BaseException) -> str:
    if isinstance(answer, BaseException):
        return f"{type(answer).__name__}: {answer}"
    if answer.status == 302 and not answer.location.startswith("/login"):
        return "signed in"
    if answer.status == 400 and answer.field_errors:
        return "refused"
    return f"HTTP {answer.status} to {answer.location}"


# -- races across hosts ----------------------------------------------------------------------

def race_approvals(rounds: list[tuple[tuple[Browser, Booking], tuple[Browser, Booking]]]
                   ) -> tuple[list[list[Outcome]], str]:
    """Each round's two approvals posted at once, round after round: what each side saw."""
    shots = [(browser, f"/bookings/{booking.id}/approve",
              {"csrf_token": browser.get(f"/bookings/{booking.id}").csrf_token()})
             for pair in rounds for browser, booking in pair]
    marks = log_marks(shots)
    verdicts = []
    for first, second in zip(shots[::2], shots[1::2], strict=True):
        answers = race([first, second])
        verdicts.append([judge(first[0], answers[0]), judge(second[0], answers[1])])
    return verdicts, summary([o for pair in verdicts for o in pair], marks)


def one_won_one_refused(verdicts: list[list[Outcome]]) -> bool:
    return all(sorted(o.verdict for o in pair) == ["refused", "won"] for pair in verdicts)


def test_approvals_for_the_last_bed_on_two_hosts_book_it_once(
        hosts, coordinator, create_shelter, create_request, create_booking, today):
    shelters = [create_shelter(name=f"Last Bed {n}", capacity=1, location="20001")
                for n in range(ROUNDS)]
    proposals = [[create_booking(shelter, check_in=today, nights=NIGHTS,
                                 request=create_request(where=WHERE, earliest=today,
                                                        nights=NIGHTS))
                  for _ in range(2)] for shelter in shelters]
    db.session.commit()
    ann, bob = coordinator(hosts[0]), coordinator(hosts[1])

    verdicts, seen = race_approvals([((ann, first), (bob, second))
                                     for first, second in proposals])

    db.session.rollback()
    for shelter in shelters:
        nights = shelter_nights(db.session, db.session.get(Shelter, shelter.id), today,
                                today + timedelta(days=NIGHTS - 1))
        assert all(n.held == n.capacity == 1 for n in nights), nights  # full, never oversold
    assert sum(live_stays().values()) == ROUNDS, seen
    assert one_won_one_refused(verdicts), seen


def test_one_request_placed_by_hand_on_two_hosts_at_once_is_placed_once(
        hosts, coordinator, create_shelter, create_request, today):
    ann, bob = coordinator(hosts[0]), coordinator(hosts[1])
    problem = placed_twice_at_once(ann, bob, create_shelter, create_request, today, ROUNDS)
    assert problem is None, problem


def test_approvals_spending_the_last_points_on_two_hosts_never_overspend(
        hosts, coordinator, create_hotel, create_request, create_booking, make_lot, today):
    """Round after round, the program gets one stay's points more and two stays on two hosts
    are approved at once: one holds the points, the other is told they ran out."""
    hotel = create_hotel(name="Crystal City Inn", program="ihg", rooms_per_night=2 * ROUNDS,
                         standard_points=20_000, location="22202")
    stay = NIGHTS * 20_000
    db.session.commit()
    ann, bob = coordinator(hosts[0]), coordinator(hosts[1])
    verdicts, seen = [], []
    for _ in range(ROUNDS):
        make_lot(stay, program="ihg")
        pair = [create_booking(hotel, check_in=today, nights=NIGHTS,
                               request=create_request(where=WHERE, earliest=today,
                                                      nights=NIGHTS)) for _ in range(2)]
        db.session.commit()
        outcome, said = race_approvals([((ann, pair[0]), (bob, pair[1]))])
        verdicts += outcome
        seen.append(said)

    db.session.rollback()
    balances = program_balances(db.session, hotel.program_id)
    assert (balances.available, balances.held) == (0, ROUNDS * stay), (balances, seen)
    assert all(amount >= 0 for (_lot, account), amount in summed_lot_balances(db.session).items()
               if account is Account.AVAILABLE)
    assert sum(live_stays().values()) == ROUNDS, seen
    assert one_won_one_refused(verdicts), seen


def test_plan_now_on_two_hosts_at_once_starts_one_planner_run(
        hosts, coordinator, create_shelter, create_request, today):
    """Both coordinators are taken to the one run under way; the solver runs once."""
    create_shelter(name="Harbor House", location="20001")
    for _ in range(2):
        create_request(where=WHERE, earliest=today, nights=NIGHTS)
    db.session.commit()
    ann, bob = coordinator(hosts[0]), coordinator(hosts[1])
    shots = [(browser, "/plan/runs", {"csrf_token": browser.get("/plan").csrf_token()})
             for browser in (ann, bob)]
    seen = []
    for _ in range(PLAN_ROUNDS):
        before = plan_runs()
        answers = race(shots)
        seen.append([getattr(answer, "location", answer) for answer in answers])
        assert len(plan_runs()) == len(before) + 1, seen
        assert seen[-1][0] == seen[-1][1] and seen[-1][0].startswith("/plan/runs/"), seen
        wait_for_runs(hosts[0])


def plan_runs() -> list[tuple[int, RunStatus]]:
    db.session.rollback()
    return db.session.execute(select(PlanRun.id, PlanRun.status)).all()


def wait_for_runs(host: LiveServer) -> None:
    """Until no run is queued or running (a run solves in a thread of a web worker)."""
    while any(status in (RunStatus.QUEUED, RunStatus.RUNNING) for _, status in plan_runs()):
        host.timeout()  # the module's time budget bounds the wait
        time.sleep(0.1)


def test_compute_now_on_two_hosts_at_once_queues_one_what_if_batch(
        hosts, coordinator, create_program):
    program = create_program("ihg")
    db.session.commit()
    ann, bob = coordinator(hosts[0]), coordinator(hosts[1])
    page = f"/places/programs/{program.id}"
    shots = [(browser, f"{page}/what-if", {"csrf_token": browser.get(page).csrf_token()})
             for browser in (ann, bob)]
    queued = []
    for _ in range(ROUNDS):
        answers = race(shots)
        assert [getattr(answer, "status", answer) for answer in answers] == [303, 303]
        db.session.rollback()
        batches = db.session.scalars(
            select(WhatIfBatch).where(WhatIfBatch.state == BatchState.QUEUED)).all()
        queued.append(len(batches))
        for batch in batches:  # as if the scheduler had taken it, so the next round asks anew
            batch.state = BatchState.FAILED
        db.session.commit()
    assert queued == [1] * ROUNDS


# -- each scheduled tick runs once -----------------------------------------------------------

def scheduler_command() -> list[str]:
    """The Procfile's scheduler line, with this environment's programs."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines()
                if line.startswith("scheduler:"))
    words = shlex.split(line.partition(":")[2])
    words = words[1:] if words[0] == "exec" else words
    return [str(Path(sys.executable).with_name(words[0])), *words[1:]]


@contextmanager
def schedulers(environment: dict, folder: Path) -> Iterator[list[tuple[subprocess.Popen, Path]]]:
    """SCHEDULERS processes as the Procfile starts its scheduler, each with its log; stopped
    on the way out as systemd stops them (SIGTERM: the job under way finishes)."""
    started: list[tuple[subprocess.Popen, Path]] = []
    try:
        for n in range(SCHEDULERS):
            log = folder / f"scheduler-{n}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    scheduler_command(), cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                    env={**environment, "SHELTER_BRIDGE_INSTANCE": str(folder / f"i{n}")},
                    start_new_session=True)
            started.append((process, log))
        yield started
    finally:
        stop_all([process for process, _ in started], signal.SIGTERM)


def job_lines(log: Path) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text("utf-8", "replace").splitlines()
             if line.startswith("{")]
    return [line for line in lines if line.get("event") == "job"]


Tick = tuple[str, datetime]  # a job and its fire time, as job_run keeps it (naive UTC)


def ticks_around(settings: dict, tick: datetime) -> tuple[set[Tick], set[Tick]]:
    """The ticks due at `tick` itself, and the one each job that is on is in just before it
    (which a scheduler's catch-up at start runs)."""
    due, before = set(), set()
    for name, job in JOBS.items():
        if job.off(settings):  # neither scheduled nor run (the backup, without a folder)
            continue
        trigger = job.trigger(settings)
        before.add((name, trigger.fire_time(tick - timedelta(microseconds=1))))
        if trigger.fire_time(tick) == tick.astimezone(UTC).replace(tzinfo=None):
            due.add((name, trigger.fire_time(tick)))
    return due, before


def recorded_ticks() -> list[tuple[str, datetime, JobOutcome]]:
    db.session.rollback()
    return [tuple(row) for row in db.session.execute(
        select(JobRun.job, JobRun.fire_time, JobRun.outcome))]


def test_two_schedulers_on_a_clock_from_the_environment_run_each_tick_once(
        app, postgres_database, keys, tmp_path, monkeypatch):
    tick_at = time.monotonic() + LEAD  # when the schedulers' clock will read TICK
    environment = {
        **os.environ,
        "DATABASE_URL": postgres_database,
        "SHELTER_BRIDGE_ENV": "production",
        "SECRET_KEY": keys["secret_key"],
        "NOTE_KEYS": keys["note_keys"],
        "HOTLINE_TIMEZONE": "America/New_York",
        "ROLLOVER_AT": "00:15",
        "SHELTER_BRIDGE_CLOCK_OFFSET":
            f"{(TICK - datetime.now(UTC)).total_seconds() - LEAD:.3f}",
        "SHELTER_BRIDGE_TESTING": "1",  # production refuses a moved clock otherwise
        "PLANNER_WORKERS": "1",
        "PYTHONUNBUFFERED": "1",
        "PGAPPNAME": "shelter-bridge-scheduler",
    }
    for name, value in environment.items():  # the schedulers' settings, read here as there
        monkeypatch.setenv(name, value)
    due, before = ticks_around(from_environment(str(tmp_path)), TICK)
    # A scheduler that comes up after TICK runs the jobs due then at start: the ticks
    # just before them ran only if one came up in time. The others' must run either way.
    required = due | {(job, fire) for job, fire in before if job not in dict(due)}

    up: dict[int, float] = {}  # when each scheduler said it was running (before TICK: < 0)
    with schedulers(environment, tmp_path) as started:
        deadline = tick_at + TICK_WAIT
        while not required <= {(job, fire) for job, fire, _ in recorded_ticks()}:
            for n, (_, log) in enumerate(started):
                if n not in up and b"Scheduler running" in log.read_bytes():
                    up[n] = round(time.monotonic() - tick_at, 1)
            exited = [p.returncode for p, _ in started if p.poll() is not None]
            assert not exited and time.monotonic() < deadline, (
                f"schedulers exited {exited}; recorded {sorted(recorded_ticks())}\n"
                + started[0][1].read_text()[-2000:])
            time.sleep(0.2)
    logs = [log for _, log in started]
    assert [p.returncode for p, _ in started] == [0] * SCHEDULERS, logs[0].read_text()[-2000:]

    recorded = recorded_ticks()
    assert {outcome for _, _, outcome in recorded} == {JobOutcome.DONE}, recorded
    ticks = {(job, fire) for job, fire, _ in recorded}
    assert required <= ticks <= due | before and len(ticks) == len(recorded), sorted(recorded)
    runs = [job_lines(log) for log in logs]
    ran = Counter((line["job"], line["fire_time"]) for lines in runs for line in lines)
    assert ran == {(job, fire.isoformat()): 1 for job, fire in ticks}, ran
    print(f"\n{len(ticks)} ticks ({len(required)} required); runs per scheduler: "
          f"{[len(lines) for lines in runs]}; up at TICK{up} s")
