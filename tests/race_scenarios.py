"""The race scenarios over real HTTP, for one server (tests/test_http_races.py) or several
hosts on one database (tests/test_multi_host.py): coordinators signed in through the real
forms, what each of them saw after a race (won, refused clearly, or an error), and the
scenarios themselves, which read their servers off the browsers that post.

PostgreSQL only (POSTGRES_ONLY): SQLite's single writer (BEGIN IMMEDIATE) cannot interleave
these transactions, and production runs on PostgreSQL.
"""

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from partners.geo import locate
from partners.places import Hotel
from placement.auth.models import Role, User
from placement.auth.totp import secret_of
from placement.bookings.models import Booking
from placement.bookings.states import PLACING
from placement.extensions import db
from placement.requests.service import local_today
from tests.conftest import PASSWORD
from tests.http_support import Browser, LiveServer, Response, race

NIGHTS = 3
WHERE = "20002"  # the people wait in Washington, DC; the places are a few miles away

# The `app` fixture (and so every factory) on PostgreSQL alone; the test ids say
# [postgresql], so the run's count of PostgreSQL tests (tests/conftest.py) has them.
POSTGRES_ONLY = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@contextmanager
def serving(app: Flask, servers: Sequence[LiveServer]) -> Iterator[None]:
    """The test's app beside the running servers: it encrypts TOTP secrets with their note
    keys, and the tables are emptied (by the `app` fixture) only once no server is still
    inside a request whose client gave up."""
    app.config["NOTE_KEYS"] = servers[0].note_keys
    app.extensions.pop("note_keys", None)
    yield
    for server in servers:
        server.wait_idle(db.engine)


def signed_in(server: LiveServer, make_user: Callable[..., User], count: int) -> list[Browser]:
    """`count` new coordinators, each signed in over HTTP on `server`, a browser each."""
    users = [make_user(Role.COORDINATOR) for _ in range(count)]
    return [Browser(server).sign_in(user.email, PASSWORD, secret_of(user)) for user in users]


def tonight() -> date:
    """Tonight where the people are (Washington, DC), by the clock the servers read too."""
    return local_today(locate(WHERE).timezone)


@dataclass
class Outcome:
    verdict: str  # "won", "refused" or "error"
    detail: str


def judge(browser: Browser, outcome: Response | BaseException) -> Outcome:
    """What the coordinator saw: a success, a clear refusal (the form's error with a 4xx, or
    a warning flashed after a redirect), or an error (5xx, no answer, no message)."""
    if isinstance(outcome, BaseException):
        return Outcome("error", f"{type(outcome).__name__}: {outcome}")
    if outcome.status >= 500:
        return Outcome("error", f"HTTP {outcome.status}")
    if outcome.status in (301, 302, 303):
        page = browser.follow(outcome)
        if page.status >= 500:
            return Outcome("error", f"HTTP {page.status} after the redirect")
        warnings = [text for kind, text in page.alerts if kind in ("danger", "warning")]
        if warnings:
            return Outcome("refused", " ".join(warnings))
        if any(kind == "success" for kind, _ in page.alerts):
            return Outcome("won", outcome.location or "")
        return Outcome("error", f"redirect to {outcome.location} with no message")
    if 400 <= outcome.status < 500:
        message = outcome.field_errors + [text for kind, text in outcome.alerts
                                          if kind in ("danger", "warning")]
        if message:
            return Outcome("refused", f"HTTP {outcome.status}: " + " ".join(message))
        return Outcome("error", f"HTTP {outcome.status} with no message")
    return Outcome("error", f"HTTP {outcome.status}")


def place_form(token: str, place, check_in) -> dict:
    kind = "hotel" if isinstance(place, Hotel) else "shelter"
    return {"csrf_token": token, "place": f"{kind}:{place.id}",
            "check_in": check_in.isoformat(), "nights": str(NIGHTS)}


def live_stays() -> dict[int, int]:
    """Live stays per request, as committed (the test's session reads afresh)."""
    db.session.rollback()
    return dict(db.session.execute(
        select(Booking.request_id, func.count()).where(Booking.state.in_(PLACING))
        .group_by(Booking.request_id)).all())


Shot = tuple[Browser, str, dict]  # who posts, where, what
LogMarks = list[tuple[LiveServer, int]]  # each server's log, read up to here


def log_marks(shots: Sequence[Shot]) -> LogMarks:
    """Where each server the shots go to stands in its log, before they are fired."""
    servers = {id(browser.server): browser.server for browser, _, _ in shots}
    return [(server, server.log_offset()) for server in servers.values()]


def summary(outcomes: list[Outcome], marks: LogMarks) -> str:
    verdicts = Counter(o.verdict for o in outcomes)
    errors = Counter(o.detail for o in outcomes if o.verdict == "error")
    refusals = Counter(o.detail for o in outcomes if o.verdict == "refused")
    logged = sum((server.errors_since(offset) for server, offset in marks), Counter())
    return (f"verdicts {dict(verdicts)}; errors {dict(errors)}; servers logged "
            f"{dict(logged)}; refusals {dict(refusals.most_common(3))}")


def race_pairs(pairs: list[tuple[int, Shot, Shot]]) -> str | None:
    """Run each pair of posts for one request at once, pair after pair; each must end with
    exactly one live stay for its request, one winner and one clear refusal. Returns what
    went wrong, or None."""
    marks = log_marks([shot for _, *both in pairs for shot in both])
    outcomes, unclear = [], []
    for request_id, first, second in pairs:
        answers = race([first, second])
        pair = [judge(first[0], answers[0]), judge(second[0], answers[1])]
        outcomes.extend(pair)
        if sorted(o.verdict for o in pair) != ["refused", "won"]:
            unclear.append(request_id)
    live = live_stays()
    doubled = [r for r, _, _ in pairs if live.get(r, 0) > 1]
    unplaced = [r for r, _, _ in pairs if live.get(r, 0) == 0]
    if not doubled and not unplaced and not unclear:
        return None
    return (f"{len(doubled)} of {len(pairs)} pairs doubled (two live stays), "
            f"{len(unplaced)} left unplaced, {len(unclear)} without one winner and one clear "
            "refusal; " + summary(outcomes, marks))


def placed_twice_at_once(ann: Browser, bob: Browser, create_shelter, create_request,
                         today: date, count: int) -> str | None:
    """`count` requests, each placed by hand by Ann and Bob at the same instant, into two
    shelters with room for all: race_pairs' complaint, or None."""
    harbor = create_shelter(name="Harbor House", capacity=count, location="20001")
    bayside = create_shelter(name="Bayside Home", capacity=count, location="20001")
    requests = [create_request(where=WHERE, earliest=today, nights=NIGHTS)
                for _ in range(count)]
    db.session.commit()
    url = f"/requests/{requests[0].id}/place"
    ann_token, bob_token = ann.get(url).csrf_token(), bob.get(url).csrf_token()
    return race_pairs([
        (r.id, (ann, f"/requests/{r.id}/place", place_form(ann_token, harbor, today)),
         (bob, f"/requests/{r.id}/place", place_form(bob_token, bayside, today)))
        for r in requests])


def crowd_into(browsers: list[Browser], place, requests, today: date
               ) -> tuple[list[Outcome], str]:
    """Every request placed by hand into `place` at once, the posts spread over the
    browsers (several tabs each; on whichever server each browser is on)."""
    tokens = [b.get(f"/requests/{requests[0].id}/place").csrf_token() for b in browsers]
    shots = []
    for i, housing_request in enumerate(requests):
        who = i % len(browsers)
        shots.append((browsers[who].clone(), f"/requests/{housing_request.id}/place",
                      place_form(tokens[who], place, today)))
    marks = log_marks(shots)
    answers = race(shots)
    outcomes = [judge(shot[0], answer) for shot, answer in zip(shots, answers, strict=True)]
    return outcomes, summary(outcomes, marks)
