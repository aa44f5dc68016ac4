"""Two-step sign-in: required for coordinators and admins, optional for others."""

import time

import pyotp
from sqlalchemy import select

from placement.auth.models import Role, User
from placement.auth.totp import secret_of
from placement.extensions import db
from tests.conftest import PASSWORD


def password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_a_coordinator_needs_the_code_after_the_password(client, make_user):
    user = make_user(Role.COORDINATOR)
    response = password_step(client, user)
    assert response.headers["Location"].endswith("/login/verify")
    assert client.get("/coordinator").status_code == 302  # not signed in yet
    wrong = client.post("/login/verify", data={"code": "000000"})
    assert wrong.status_code == 400 and "not right" in wrong.text
    right = client.post("/login/verify", data={"code": pyotp.TOTP(secret_of(user)).now()})
    assert right.status_code == 302
    assert client.get("/coordinator").status_code == 200


def test_a_code_works_once(app, make_user):
    user = make_user(Role.ADMIN)
    code = pyotp.TOTP(secret_of(user)).now()
    first, second = app.test_client(), app.test_client()
    password_step(first, user)
    assert first.post("/login/verify", data={"code": code}).status_code == 302
    password_step(second, user)
    replay = second.post("/login/verify", data={"code": code})
    assert replay.status_code == 400 and "already used" in replay.text


def test_the_half_signed_in_state_expires(client, make_user):
    user = make_user(Role.COORDINATOR)
    password_step(client, user)
    with client.session_transaction() as session:
        session["pending_at"] = int(time.time()) - 301
    response = client.post("/login/verify", data={"code": pyotp.TOTP(secret_of(user)).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/login/verify").status_code == 302


def test_a_first_sign_in_sets_up_the_app(client, make_user):
    user = make_user(Role.COORDINATOR)
    user.totp_secret_encrypted = None
    db.session.commit()
    response = password_step(client, user)
    assert response.headers["Location"].endswith("/login/enroll")
    page = client.get("/login/enroll").text
    assert "<svg" in page and "style=" not in page
    secret = page.split('class="totp-secret">')[1].split("<")[0]
    assert client.post("/login/enroll", data={"code": "123456"}).status_code == 400
    assert client.post("/login/enroll", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert client.get("/coordinator").status_code == 200
    stored = db.session.scalar(select(User).where(User.id == user.id))
    db.session.refresh(stored)
    assert secret_of(stored) == secret and secret.encode() not in stored.totp_secret_encrypted


def test_an_advocate_may_turn_it_on_and_then_needs_it(app, client, make_user, login):
    user = make_user(Role.ADVOCATE)
    assert password_step(client, user).headers["Location"] == "/"
    page = client.get("/account/totp").text
    secret = page.split('class="totp-secret">')[1].split("<")[0]
    code = pyotp.TOTP(secret).now()
    wrong = client.post("/account/totp", data={"code": code, "current_password": "not it"})
    assert wrong.status_code == 400 and "not your password" in wrong.text
    db.session.refresh(user)
    assert user.totp_secret_encrypted is None
    assert client.post("/account/totp",
                       data={"code": code, "current_password": PASSWORD}).status_code == 302
    assert client.get("/account").status_code == 200  # this browser stays signed in
    other = app.test_client()
    assert password_step(other, user).headers["Location"].endswith("/login/verify")
    # Once on, a session alone cannot replace it (a lost phone goes through an admin).
    again = client.get("/account/totp")
    assert again.status_code == 302 and again.headers["Location"].endswith("/account")
    assert client.post("/account/totp", data={"code": code, "current_password": PASSWORD}
                       ).status_code == 302
    db.session.refresh(user)
    assert secret_of(user) == secret


def test_wrong_codes_count_as_failed_sign_ins(client, make_user):
    user = make_user(Role.COORDINATOR)
    password_step(client, user)
    for _ in range(5):
        client.post("/login/verify", data={"code": "000000"})
    blocked = client.post("/login/verify", data={"code": pyotp.TOTP(secret_of(user)).now()})
    assert blocked.status_code == 429


def test_only_the_current_and_the_previous_code_work(app, make_user):
    user = make_user(Role.COORDINATOR)
    totp = pyotp.TOTP(secret_of(user))
    if time.time() % 30 > 20:  # stay inside one time step while the three tries run
        time.sleep(31 - time.time() % 30)
    now = time.time()
    for offset, accepted in ((-60, False), (+30, False), (-30, True)):
        client = app.test_client()
        user.totp_last_step = None
        db.session.commit()
        password_step(client, user)
        response = client.post("/login/verify", data={"code": totp.at(now + offset)})
        assert (response.status_code == 302) is accepted, offset
