"""Guessing passwords gets slower and slower, for every e-mail alike."""

from datetime import timedelta

import pytest

from partners.base import utcnow
from placement.auth import throttle
from placement.auth.models import Role
from placement.auth.passwords import password_problem
from placement.extensions import db
from tests.conftest import PASSWORD


def attempt(client, email, password="wrong password here"):
    return client.post("/login", data={"email": email, "password": password})


def test_five_failures_lock_the_account_and_the_wait_grows(client, make_user):
    user = make_user(Role.COORDINATOR)
    for _ in range(5):
        assert attempt(client, user.email).status_code == 401
    locked = attempt(client, user.email, PASSWORD)  # even the right password waits
    assert locked.status_code == 429 and "Too many attempts" in locked.text
    assert int(locked.headers["Retry-After"]) <= 31
    now = utcnow()
    assert not throttle.check(db.session, user.email, "127.0.0.1", now).allowed
    assert throttle.check(db.session, user.email, "127.0.0.1", now + timedelta(seconds=31)).allowed
    throttle.record_failure(db.session, user.email, "127.0.0.1", now)
    assert throttle.check(db.session, user.email, "127.0.0.1",
                          now + timedelta(seconds=45)).wait_seconds > 10


def test_unknown_and_known_emails_are_throttled_alike(client, make_user):
    user = make_user(Role.ADVOCATE)
    known = [attempt(client, user.email).status_code for _ in range(6)]
    unknown = [attempt(client, "nobody@example.org").status_code for _ in range(6)]
    assert known == unknown == [401] * 5 + [429]


def test_a_success_clears_the_account(client, make_user):
    user = make_user(Role.DONOR)
    for _ in range(4):
        attempt(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert attempt(client, user.email).status_code == 401


def test_one_address_trying_many_accounts_is_slowed(app, make_user):
    client = app.test_client()
    codes = [attempt(client, f"person{i}@example.org").status_code for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429


@pytest.mark.parametrize(("password", "refused"), [
    ("short", True), ("password1234", True), ("1qaz2wsx3edc", True), ("leavemealone", True),
    ("aaaaaaaaaaaaaa", True),
    ("dana.lopez.2026!", True), ("violet kettle harbor", False),
    # Not on the list, yet easy to guess: patterns, a season and year, the hotline's words.
    ("trustno1trustno1", True), ("iloveyou2024!", True), ("shelterbridge2026", True),
    ("Hotline2026!", True), ("coordinator1!", True), ("correct horse battery staple", False),
])
def test_the_password_policy(password, refused):
    assert (password_problem(password, 12, "dana.lopez@example.org") is not None) is refused


def test_admins_cannot_set_a_common_password(client, make_user, login):
    login(make_user(Role.ADMIN))
    response = client.post("/admin/users", data={"email": "x@example.org", "role": "donor",
                                                 "password": "qwerty123456"})
    assert response.status_code == 400 and "attackers try first" in response.text
