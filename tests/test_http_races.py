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
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from partners.availability import hotel_nights, shelter_nights
from partners.ledger import program_balances
from partners.places import Hotel, Shelter
from placement.extensions import db
from tests.http_support import Browser, LiveServer, gunicorn
from tests.race_scenarios import (
    NIGHTS,
    POSTGRES_ONLY,
    WHERE,
    crowd_into,
    live_stays,
    place_form,
    placed_twice_at_once,
    race_pairs,
    serving,
    signed_in,
    tonight,
)

PAIRS = 10  # two coordinators racing for one request, round after round
CROWD = 20  # placements fired at once into one place with one free bed or room
MODULE_BUDGET = 45.0  # seconds from the server's start to the module's last request

pytestmark = [pytest.mark.slow, POSTGRES_ONLY]


@pytest.fixture(scope="module")
def live_server(postgres_database, tmp_path_factory) -> Iterator[LiveServer]:
    with gunicorn(postgres_database, tmp_path_factory.mktemp("gunicorn"),
                  secret_key="race-" + uuid.uuid4().hex,
                  note_keys=Fernet.generate_key().decode(), budget=MODULE_BUDGET) as server:
        yield server


@pytest.fixture
def server(app: Flask, live_server: LiveServer) -> Iterator[LiveServer]:
    with serving(app, [live_server]):
        yield live_server


@pytest.fixture
def coordinators(server, make_user) -> Callable[[int], list[Browser]]:
    """`count` coordinators, each signed in over HTTP in a browser of their own."""
    return lambda count: signed_in(server, make_user, count)


@pytest.fixture
def today(app) -> date:
    return tonight()


def test_two_coordinators_placing_one_request_by_hand_leave_one_stay(
        server, coordinators, create_shelter, create_request, today):
    ann, bob = coordinators(2)
    problem = placed_twice_at_once(ann, bob, create_shelter, create_request, today, PAIRS)
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

    problem = race_pairs([
        (p.request_id, (ann, f"/bookings/{p.id}/approve", {"csrf_token": ann_token}),
         (bob, f"/requests/{p.request_id}/place", place_form(bob_token, bayside, today)))
        for p in proposals])
    assert problem is None, problem


def test_a_crowd_of_placements_for_the_last_shelter_bed_places_one(
        server, coordinators, create_shelter, create_request, today):
    shelter = create_shelter(name="Harbor House", capacity=1, location="20001")
    requests = [create_request(where=WHERE, earliest=today, nights=NIGHTS)
                for _ in range(CROWD)]
    db.session.commit()

    outcomes, seen = crowd_into(coordinators(2), shelter, requests, today)

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

    outcomes, seen = crowd_into(coordinators(2), hotel, requests, today)

    live = live_stays()
    hotel = db.session.get(Hotel, hotel.id)
    nights = hotel_nights(db.session, hotel, today, today + timedelta(days=NIGHTS - 1))
    assert all(n.held <= n.rooms for n in nights), nights  # never oversold
    balances = program_balances(db.session, hotel.program_id)
    assert balances.available >= 0 and balances.held == NIGHTS * 20_000 * sum(live.values())
    assert sum(live.values()) == 1 and max(live.values()) == 1, (live, seen)
    verdicts = Counter(o.verdict for o in outcomes)
    assert verdicts == {"won": 1, "refused": CROWD - 1}, seen
