"""Every POST endpoint, as a role allowed to use it, with hostile input: the answer is a
redirect or a clear 4xx, never a 500, and a refused post changes nothing."""

import random

import pytest
from sqlalchemy import func, select

from partners.base import Base
from placement.auth.access import EXEMPT_ENDPOINTS, KEY, PUBLIC
from placement.auth.models import Role
from placement.extensions import db
from tests.conftest import sign_in
from tests.test_access import records  # noqa: F401 - the fixture with real record ids

NASTY = [
    "", " ", "0", "-1", "99999999999999999999", "1e309", "NaN", "3.7", "abc", "\x00",
    "<script>alert(1)</script>", "' OR 1=1 --", "😀" * 50, "x" * 5000, "2026-02-30",
    "../../etc/passwd", "%s%s%s", "None", "true", "[]", "{}", "9999-12-31", "0001-01-01",
    "2147483648", "shelter:99999999999", "hotel:2147483648", "a\x00b",
]
FIELDS = [
    "email", "password", "role", "name", "kind", "user_id", "program_id", "points",
    "received_on", "expires_on", "reason", "confirmation", "points_charged", "nights",
    "place", "check_in", "priority", "people-0-age_band", "people-0-gender", "needs",
    "not_needed", "pets", "where",
    "max_miles", "earliest", "latest", "note", "exclude", "danger_zones-0-where",
    "danger_zones-0-miles", "code", "free_beds", "capacity", "beds", "first", "last",
    "policy", "location", "standard_points", "rooms_per_night", "room_capacity", "file",
    "inactivity_months", "max_age_months", "window_auto", "on_call", "idempotency_key",
]
ROLE_FOR = [Role.COORDINATOR, Role.ADMIN, Role.ADVOCATE, Role.DONOR]


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


def post_endpoints(app, ids):
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        allowed = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        if allowed is None or rule.endpoint in ("auth.logout",):
            continue
        if allowed is KEY:  # the integration API: tests/test_api_fuzz.py sends it the worst
            continue
        url = rule.build({name: ids[name] for name in rule.arguments})[1]
        role = None if allowed is PUBLIC else next(r for r in ROLE_FOR if r in allowed)
        yield rule.endpoint, url, role


@pytest.mark.parametrize("seed", [1, 2])
def test_hostile_posts_never_answer_500_and_refused_ones_change_nothing(
        app, make_user, records, seed):  # noqa: F811 - the imported fixture
    rng = random.Random(seed)
    # A plan run in the request, not in a thread that writes proposals while the next,
    # refused post is being counted.
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=1, PLANNER_WORKERS=1)
    clients = {}
    for endpoint, url, role in post_endpoints(app, records):
        if role not in clients:
            clients[role] = app.test_client()
            if role is not None:
                sign_in(clients[role], make_user(role))
        client = clients[role]
        for _ in range(6):
            data = {field: rng.choice(NASTY) for field in rng.sample(FIELDS, rng.randint(0, 12))}
            before = row_counts()
            response = client.post(url, data=data)
            assert response.status_code < 500, (endpoint, data, response.status_code)
            if 400 <= response.status_code < 500:
                after = row_counts()
                changed = {k for k in before if before[k] != after[k]
                           and k not in ("login_failure", "audit_event")}
                assert not changed, (endpoint, data, changed)
