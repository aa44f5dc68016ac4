"""Races over real HTTP (issue 13, items 1 and 2): coordinators signed in through the real
forms (password, authenticator code, CSRF) post at the same instant to the app under
gunicorn with 3 sync workers, on PostgreSQL.

Invariants: a request has at most one live stay (the states in PLACING) whatever two
coordinators do at once; contention for the last bed or room places exactly one request and
never oversells; and the loser of any race is told so (a 4xx with the form's error, or a
flashed warning after a redirect), never a 500.

PostgreSQL only: SQLite's single writer (BEGIN IMMEDIATE) cannot interleave these
transactions, and production runs on PostgreSQL. The server starts once for the module and
reads each test's data from the shared database (the `app` fixture empties it after each
test); the whole module is bounded by a time budget.
"""

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import func, select

from partners.availability import hotel_nights, shelter_nights
from partners.geo import locate
from partners.ledger import program_balances
from partners.places import Hotel, Shelter
from placement.auth.models import Role
from placement.auth.totp import secret_of
from placement.bookings.models import Booking
from placement.bookings.states import PLACING
from placement.extensions import db
from placement.requests.service import local_today
from tests.conftest import PASSWORD
from tests.http_support import Browser, LiveServer, Response, gunicorn, race

PAIRS = 10  # two coordinators racing for one request, round after round
CROWD = 20  # placements fired at once into one place with one free bed or room
NIGHTS = 3
WHERE = "20002"  # the people wait in Washington, DC; the places are a few miles away
MODULE_BUDGET = 45.0  # seconds from the server's start to the module's last request

pytestmark = pytest.mark.slow


@pytest.fixture(params=["postgresql"])
def backend(request) -> str:
    """Only PostgreSQL: this module's tests take the `app` fixture on that backend alone."""
    return request.param


@pytest.fixture(scope="module")
def live_server(postgres_database, tmp_path_factory) -> Iterator[LiveServer]:
    with gunicorn(postgres_database, tmp_path_factory.mktemp("gunicorn"),
                  secret_key="race-" + uuid.uuid4().hex,
                  note_keys=Fernet.generate_key().decode(), budget=MODULE_BUDGET) as server:
        yield server


@pytest.fixture
def server(app: Flask, live_server: LiveServer) -> Iterator[LiveServer]:
    # The server decrypts the TOTP secrets this test's app encrypts: one set of note keys.
    app.config["NOTE_KEYS"] = live_server.note_keys
    app.extensions.pop("note_keys", None)
    yield live_server
    live_server.wait_idle(db.engine)  # before the `app` fixture empties the tables


@pytest.fixture
def coordinators(server, make_user) -> Callable[[int], list[Browser]]:
    """`count` coordinators, each signed in over HTTP in a browser of their own."""

    def sign_in(count: int) -> list[Browser]:
        users = [make_user(Role.COORDINATOR) for _ in range(count)]
        return [Browser(server).sign_in(user.email, PASSWORD, secret_of(user)) for user in users]

    return sign_in


@pytest.fixture
def today(app) -> date:
    """Tonight where the people are (Washington, DC), by the clock the server reads too."""
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


def summary(outcomes: list[Outcome], server: LiveServer, offset: int) -> str:
    verdicts = Counter(o.verdict for o in outcomes)
    errors = Counter(o.detail for o in outcomes if o.verdict == "error")
    refusals = Counter(o.detail for o in outcomes if o.verdict == "refused")
    return (f"verdicts {dict(verdicts)}; errors {dict(errors)}; server logged "
            f"{dict(server.errors_since(offset))}; refusals {dict(refusals.most_common(3))}")


Shot = tuple[Browser, str, dict]  # who posts, where, what


def race_pairs(server: LiveServer, pairs: list[tuple[int, Shot, Shot]]) -> str | None:
    """Run each pair of posts for one request at once, pair after pair; each must end with
    exactly one live stay for its request, one winner and one clear refusal. Returns what
    went wrong, or None."""
    offset = server.log_offset()
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
            "refusal; " + summary(outcomes, server, offset))


def test_two_coordinators_placing_one_request_by_hand_leave_one_stay(
        server, coordinators, create_shelter, create_request, today):
    harbor = create_shelter(name="Harbor House", capacity=PAIRS, location="20001")
    bayside = create_shelter(name="Bayside Home", capacity=PAIRS, location="20001")
    requests = [create_request(where=WHERE, earliest=today, nights=NIGHTS)
                for _ in range(PAIRS)]
    db.session.commit()
    ann, bob = coordinators(2)
    url = f"/requests/{requests[0].id}/place"
    ann_token, bob_token = ann.get(url).csrf_token(), bob.get(url).csrf_token()

    problem = race_pairs(server, [
        (r.id, (ann, f"/requests/{r.id}/place", place_form(ann_token, harbor, today)),
         (bob, f"/requests/{r.id}/place", place_form(bob_token, bayside, today)))
        for r in requests])
    assert problem is None, problem


def test_approving_a_proposal_while_another_places_the_request_by_hand_leaves_one_stay(
        server, coordinators, create_shelter, create_request, create_booking, today):
    harbor = create_shelter(name="Harbor House", capacity=PAIRS, location="20001")
    bayside = create_shelter(name="Bayside Home", capacity=PAIRS, location="20001")
    proposals = [create_booking(harbor, request=create_request(where=WHERE, earliest=today,
                                                               nights=NIGHTS),
                                check_in=today, nights=NIGHTS) for _ in range(PAIRS)]
    db.session.commit()
    ann, bob = coordinators(2)
    ann_token = ann.get(f"/bookings/{proposals[0].id}").csrf_token()
    bob_token = bob.get(f"/requests/{proposals[0].request_id}/place").csrf_token()

    problem = race_pairs(server, [
        (p.request_id, (ann, f"/bookings/{p.id}/approve", {"csrf_token": ann_token}),
         (bob, f"/requests/{p.request_id}/place", place_form(bob_token, bayside, today)))
        for p in proposals])
    assert problem is None, problem


def crowd_into(server: LiveServer, browsers: list[Browser], place, requests, today
               ) -> tuple[list[Outcome], str]:
    """Every request placed by hand into `place` at once, the posts spread over the
    coordinators' sessions (several tabs each)."""
    tokens = [b.get(f"/requests/{requests[0].id}/place").csrf_token() for b in browsers]
    shots = []
    for i, housing_request in enumerate(requests):
        who = i % len(browsers)
        shots.append((browsers[who].clone(), f"/requests/{housing_request.id}/place",
                      place_form(tokens[who], place, today)))
    offset = server.log_offset()
    answers = race(shots)
    outcomes = [judge(shot[0], answer) for shot, answer in zip(shots, answers, strict=True)]
    return outcomes, summary(outcomes, server, offset)


def test_a_crowd_of_placements_for_the_last_shelter_bed_places_one(
        server, coordinators, create_shelter, create_request, today):
    shelter = create_shelter(name="Harbor House", capacity=1, location="20001")
    requests = [create_request(where=WHERE, earliest=today, nights=NIGHTS)
                for _ in range(CROWD)]
    db.session.commit()

    outcomes, seen = crowd_into(server, coordinators(2), shelter, requests, today)

    live = live_stays()
    nights = shelter_nights(db.session, db.session.get(Shelter, shelter.id), today,
                            today + timedelta(days=NIGHTS - 1))
    assert all(n.held <= n.capacity for n in nights), nights  # never oversold
    assert sum(live.values()) == 1 and max(live.values()) == 1, (live, seen)
    verdicts = Counter(o.verdict for o in outcomes)
    assert verdicts == {"won": 1, "refused": CROWD - 1}, seen


def test_a_crowd_of_placements_for_the_last_hotel_room_places_one(
        server, coordinators, create_hotel, create_request, make_lot, today):
    hotel = create_hotel(name="Crystal City Inn", program="ihg", rooms_per_night=1,
                         standard_points=20_000, location="22202")
    make_lot(1_000_000, program="ihg")
    requests = [create_request(where=WHERE, earliest=today, nights=NIGHTS)
                for _ in range(CROWD)]
    db.session.commit()

    outcomes, seen = crowd_into(server, coordinators(2), hotel, requests, today)

    live = live_stays()
    hotel = db.session.get(Hotel, hotel.id)
    nights = hotel_nights(db.session, hotel, today, today + timedelta(days=NIGHTS - 1))
    assert all(n.held <= n.rooms for n in nights), nights  # never oversold
    balances = program_balances(db.session, hotel.program_id)
    assert balances.available >= 0 and balances.held == NIGHTS * 20_000 * sum(live.values())
    assert sum(live.values()) == 1 and max(live.values()) == 1, (live, seen)
    verdicts = Counter(o.verdict for o in outcomes)
    assert verdicts == {"won": 1, "refused": CROWD - 1}, seen
