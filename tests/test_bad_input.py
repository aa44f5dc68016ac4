"""Bad input is a 4xx: every route, walked with ids too big for the database, NUL bytes and
dates that overflow (in the URL, the query string and forms), answers a clear 4xx or a
redirect, never a 500; and every page still opens afterwards, whatever was stored.

The walk finds its routes, roles and query parameters by itself (the parameters by watching
which ones each page reads), so a new route or parameter is covered the day it is added.
"""

import uuid
from datetime import date

import pytest
import wtforms
from flask import Request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange

from partners.places import Shelter
from partners.points import PointsLot
from placement.auth.access import EXEMPT_ENDPOINTS, KEY, PUBLIC
from placement.auth.models import Role
from placement.extensions import db
from placement.places.picker import parse_key
from placement.web import MAX_ID, DateField, parse_id
from tests.conftest import sign_in
from tests.test_access import records  # noqa: F401 - the fixture with real record ids

# Just past PostgreSQL's INTEGER (2^31 - 1) and past a 64-bit integer (SQLite's).
HUGE_IDS = [str(2**31), str(2**63)]
# The walks run on PostgreSQL alone: it refuses everything SQLite does (an integer or an
# OFFSET out of range, a date out of the calendar) and more (a NUL byte), in half the time.
ON_POSTGRESQL = pytest.mark.parametrize("backend", ["postgresql"])
HOSTILE_QUERY = ["9999-12-31", "99999999999999999999"]  # NUL: refused on every route
ROLE_ORDER = [Role.COORDINATOR, Role.ADMIN, Role.ADVOCATE, Role.DONOR]
SKIP = {"auth.logout"}  # would end the walk's own session
METHODS = ("GET", "POST")

# Form fields by what they hold. The baseline is a valid value for every form at once, so
# that one hostile group gets past the other fields' checks to the code behind them.
DATE_FIELDS = ["received_on", "expires_on", "check_in", "earliest", "latest", "first", "last"]
ID_FIELDS = ["program_id", "user_id"]
KEY_FIELDS = ["place", "exclude"]


def baseline(records, today: str) -> dict:  # noqa: F811
    return {
        "name": "Walk test place", "kind": "company", "policy": "women", "location": "20001",
        "capacity": "5", "program_id": str(records["program_id"]), "room_capacity": "2",
        "rooms_per_night": "1", "standard_points": "1000", "points": "1000",
        "received_on": today, "expires_on": "", "first": today, "last": today,
        "what": "beds", "beds": "3", "rooms": "1", "free_beds": "2",
        "inactivity_months": "12", "max_age_months": "36", "code": "zz", "reason": "Too far",
        "confirmation": "ABC123", "points_charged": "1000", "nights": "2",
        "place": f"shelter:{records['shelter_id']}", "check_in": today, "priority": "high",
        "people-0-age_band": "adult-25", "people-0-gender": "female", "pets": "0",
        "where": "20001", "needs": "no-id", "not_needed": "teen-boys",
        "max_miles": "30", "earliest": today, "latest": today,
        "exclude": f"shelter:{records['shelter_id']}", "window_auto": "0",
        "danger_zones-0-where": "", "danger_zones-0-miles": "25", "note": "walk",
        "notes": "walk", "address": "1 Walk St", "intake_contact": "front desk",
        "user_id": "0", "email": "walk.test@example.org", "role": "advocate",
        "password": "a long enough walk password", "confirm": "1",
    }


def hostile_forms(records, today: str, fields: set[str]):  # noqa: F811
    """(what, the fields it makes hostile, form data): one group at a time, the rest valid.
    Any field named like an id ("…_id") is sent ids too big for the database."""
    base = baseline(records, today)
    dates = set(DATE_FIELDS) - {"expires_on"}
    for value in ("9999-12-31", "0001-01-01"):
        yield f"dates {value}", dates, base | {f: value for f in dates}
    yield "expiry 9999-12-31", {"expires_on"}, base | {"expires_on": "9999-12-31"}
    ids = {f for f in fields if f.endswith("_id")} | set(ID_FIELDS)
    for huge in (str(2**31), "9" * 5000):
        yield f"ids {huge[:12]}", ids, base | {f: huge for f in ids}
    yield "place keys", set(KEY_FIELDS), base | {"place": "shelter:99999999999",
                                                 "exclude": f"hotel:{2**31}"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS or rule.endpoint in SKIP:
            continue
        allowed = app.view_functions[rule.endpoint].allowed_roles
        if allowed is KEY:  # the integration API: tests/test_api_fuzz.py sends it the worst
            continue
        role = None if allowed is PUBLIC else next(r for r in ROLE_ORDER if r in allowed)
        yield rule, role


def build(rule, records) -> str:  # noqa: F811
    return rule.build({name: records[name] for name in rule.arguments})[1]


class Walker:
    """Clients signed in once per role. Every 500 (or an exception that would have become
    one) is collected, so that one run names them all."""

    def __init__(self, app, make_user):
        self.app, self.make_user, self.clients, self.failures = app, make_user, {}, []
        # A plan run in the request: no thread left writing when the test's database goes.
        app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=1, PLANNER_WORKERS=1)

    def client(self, role):
        if role not in self.clients:
            self.clients[role] = self.app.test_client()
            if role is not None:
                sign_in(self.clients[role], self.make_user(role))
        return self.clients[role]

    def open(self, role, what, url, method="GET", **kwargs):
        try:
            response = self.client(role).open(url, method=method, **kwargs)
        except Exception as error:  # noqa: BLE001 - in production this is a 500
            db.session.rollback()
            self.failures.append((what, method, url, f"{type(error).__name__}: {error}"[:160]))
            return None
        if response.status_code >= 500:
            self.failures.append((what, method, url, response.status_code))
        return response

    def report(self) -> str:
        return "\n".join(map(str, self.failures))


@ON_POSTGRESQL
def test_ids_too_big_for_the_database_and_nul_bytes_are_refused_on_every_route(
        app, make_user, records):  # noqa: F811
    walker = Walker(app, make_user)
    huge_checked = 0
    for rule, role in routes(app):
        url = build(rule, records)
        numbers = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        words = [n for n in rule.arguments if n not in numbers]
        for method in sorted(rule.methods & set(METHODS)):
            attempts = [(build(rule, records | {name: 987654}).replace(
                "/987654", f"/{huge}", 1), {}, 404) for name in numbers for huge in HUGE_IDS]
            huge_checked += len(attempts)
            attempts += [(url, {"query_string": {"x": "a\x00b"}}, 400)]
            attempts += [(build(rule, records | {n: "a\x00b"}), {}, 400) for n in words]
            if method == "POST":
                attempts.append((url, {"data": {"name": "a\x00b", "reason": "x"}}, 400))
            for target, extra, expected in attempts:
                response = walker.open(role, rule.endpoint, target, method, **extra)
                if response is not None and response.status_code != expected:
                    walker.failures.append((rule.endpoint, method, target[:60], extra,
                                            response.status_code))
    assert not walker.failures, walker.report()
    assert huge_checked >= 50


class Watched(ImmutableMultiDict):
    """A query string or form that notes each name the view reads."""

    read: set[str] = set()

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


class WatchedRequest(Request):
    parameter_storage_class = Watched


def reads(walker, role, url, method="GET", **kwargs) -> set[str]:
    walker.client(role)  # signed in first: the sign-in's own form is not this view's
    Watched.read = set()
    walker.open(role, "discovery", url, method, **kwargs)
    return Watched.read - {"csrf_token", "submit"}


@ON_POSTGRESQL
def test_hostile_forms_and_query_strings_never_answer_500_and_every_page_opens_afterwards(
        app, make_user, records):  # noqa: F811
    walker = Walker(app, make_user)
    app.request_class = WatchedRequest
    today = date.today().isoformat()
    posts = 0
    for rule, role in routes(app):
        if "POST" not in rule.methods:
            continue
        url = build(rule, records)
        fields = reads(walker, role, url, "POST", data={"walk": "1"})
        for what, hostile, data in hostile_forms(records, today, fields):
            if hostile & fields:
                walker.open(role, f"{rule.endpoint} ({what})", url, "POST",
                            data=data | {"idempotency_key": uuid.uuid4().hex},
                            follow_redirects=True)
                posts += 1
    # Whatever got stored, every page still opens, and each query parameter a page reads
    # takes hostile values.
    parameters = set()
    for rule, role in routes(app):
        if "GET" not in rule.methods:
            continue
        url = build(rule, records)
        names = reads(walker, role, url)
        parameters |= names
        for name in sorted(names):
            for value in HOSTILE_QUERY:
                response = walker.open(role, rule.endpoint, url, query_string={name: value})
                if response is not None and response.status_code >= 400:
                    assert "<h1" in response.text, (rule.endpoint, name, value)
    assert not walker.failures, walker.report()
    assert posts >= 10
    assert {"state", "days", "type", "q", "page", "subject"} <= parameters


def test_a_lot_received_on_the_last_day_of_the_calendar_is_refused_with_a_reason(
        app, make_user, login, records):  # noqa: F811
    client = login(make_user(Role.COORDINATOR))
    response = client.post(f"/donors/{records['donor_id']}/lots", data={
        "idempotency_key": uuid.uuid4().hex, "program_id": records["program_id"],
        "points": "1000", "received_on": "9999-12-31"})
    assert response.status_code == 400
    assert "Enter a date between" in response.text
    assert db.session.query(PointsLot).filter(PointsLot.points == 1000).count() == 0


def test_a_nul_byte_is_a_400_that_says_why_and_stores_nothing(app, make_user, login):
    client = login(make_user(Role.COORDINATOR))
    response = client.get("/tape", query_string={"state": "\x00"})
    assert response.status_code == 400
    assert "NUL" in response.text
    response = client.post("/places/shelters/new", data={
        "name": "Safe\x00House", "policy": "women", "location": "20001", "capacity": "5"})
    assert response.status_code == 400
    assert db.session.query(Shelter).count() == 0


def test_the_tape_chart_says_what_it_expects_of_each_filter(app, make_user, login):
    client = login(make_user(Role.COORDINATOR))
    assert client.get("/tape?state=tx").status_code == 200
    for query, words in (("state=Texas", "two letters"), ("state=1A", "two letters"),
                         ("days=lots", "7 to 42"), ("type=motel", "shelters or hotels")):
        response = client.get(f"/tape?{query}")
        assert response.status_code == 400 and words in response.text, query


@pytest.mark.parametrize("text, expected", [
    ("1", 1), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("0", None), ("-1", None),
    ("", None), ("01", 1), ("٣", None), ("1 ", None), ("9" * 5000, None), (None, None),
])
def test_one_parser_decides_what_an_id_is(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("key, expected", [
    ("shelter:12", ("shelter", 12)), ("hotel:7", ("hotel", 7)),
    (f"shelter:{MAX_ID}", ("shelter", MAX_ID)), (f"shelter:{MAX_ID + 1}", None),
    ("shelter:99999999999", None), ("shelter:0", None), ("shelter:٣", None), ("motel:1", None),
    ("shelter:", None), ("shelter:1:2", None), ("", None), (None, None),
])
def test_one_parser_decides_what_a_place_key_is(key, expected):
    assert parse_key(key) == expected


def form_classes(app) -> list[type]:
    found, stack = [], [FlaskForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return [cls for cls in found if cls.__module__.startswith("placement.")]


def test_every_date_a_form_takes_is_one_the_app_can_add_days_to(app):
    classes = form_classes(app)
    dates = [(cls.__name__, name, attr.field_class) for cls in classes for name in dir(cls)
             if isinstance(attr := getattr(cls, name), UnboundField)
             and issubclass(attr.field_class, wtforms.DateTimeField)]
    assert len(dates) >= 5
    unbounded = [(form, name) for form, name, field in dates if not issubclass(field, DateField)]
    assert unbounded == []


def test_every_number_a_form_takes_has_a_range_the_database_can_hold(app):
    numbers = []
    for cls in form_classes(app):
        for name in dir(cls):
            attr = getattr(cls, name)
            if isinstance(attr, UnboundField) and issubclass(
                    attr.field_class, (wtforms.IntegerField, wtforms.DecimalField,
                                       wtforms.FloatField)):
                positional = attr.args[1] if len(attr.args) > 1 else []
                checks = attr.kwargs.get("validators") or positional
                ranges = [v for v in checks if isinstance(v, NumberRange)]
                numbers.append((cls.__name__, name, [(r.min, r.max) for r in ranges]))
    assert len(numbers) >= 10
    unbounded = [(form, name, bounds) for form, name, bounds in numbers
                 if not any(low is not None and high is not None
                            and -MAX_ID <= low <= high <= MAX_ID for low, high in bounds)]
    assert unbounded == []
