"""Headers on every page and the lifetimes of sessions."""

import time

import pytest

from placement.auth.models import Role


def test_every_page_gets_a_strict_csp_and_no_framing(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://hotline.example.org")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_of_signed_in_people_are_never_cached(client, make_user, login):
    login(make_user(Role.COORDINATOR))
    assert client.get("/coordinator").headers["Cache-Control"] == "no-store"
    with client.get("/static/app.css") as asset:
        assert asset.headers.get("Cache-Control") != "no-store"


def age_session(client, idle_seconds=0, age_seconds=0):
    with client.session_transaction() as session:
        now = int(time.time())
        session["last_seen"] = now - idle_seconds
        session["started_at"] = now - max(age_seconds, idle_seconds)


@pytest.mark.parametrize(("role", "idle_minutes", "signed_out"), [
    (Role.ADVOCATE, 16, True), (Role.COORDINATOR, 16, True), (Role.COORDINATOR, 14, False),
    (Role.ADMIN, 14, False), (Role.ADMIN, 16, True), (Role.DONOR, 30, False),
    (Role.DONOR, 61, True),
])
def test_idle_sessions_end(client, make_user, login, role, idle_minutes, signed_out):
    login(make_user(role))
    client.get("/")
    age_session(client, idle_seconds=idle_minutes * 60)
    response = client.get("/account")
    if signed_out:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get("/account").status_code == 302  # and it stays signed out
    else:
        assert response.status_code == 200


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, make_user, login):
    login(make_user(Role.DONOR))
    client.get("/")
    age_session(client, idle_seconds=10, age_seconds=13 * 3600)
    assert client.get("/account").status_code == 302


def test_an_expired_session_post_keeps_nothing_and_loses_nothing(client, make_user, login):
    login(make_user(Role.ADVOCATE))
    client.get("/")
    age_session(client, idle_seconds=20 * 60)
    response = client.post("/requests/new", data={"priority": "critical"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_forwarded_headers_count_only_behind_a_trusted_proxy(app, make_user):
    from placement import create_app
    from placement.auth.throttle import LoginFailure
    from placement.extensions import db

    forwarded = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    direct = app.test_client().get("/login", headers=forwarded)
    assert "Strict-Transport-Security" not in direct.headers  # anyone can send these headers

    behind = create_app({**app.config, "TRUSTED_PROXIES": 1})
    with behind.app_context():
        client = behind.test_client()
        response = client.get("/login", headers=forwarded)
        assert "max-age=" in response.headers["Strict-Transport-Security"]
        client.post("/login", headers=forwarded,
                    data={"email": "nobody@example.org", "password": "wrong password"})
        addresses = db.session.scalars(db.select(LoginFailure.address)).all()
        assert addresses == ["198.51.100.7"]  # the person's address, not the proxy's
        db.session.remove()
        db.engine.dispose()


def test_the_session_cookie_is_signed_with_sha256(app, client, make_user, login):
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    login(make_user(Role.DONOR))
    cookie = client.get_cookie("session").value
    strong = URLSafeTimedSerializer(app.secret_key, salt="cookie-session",
                                    signer_kwargs={"key_derivation": "hmac",
                                                   "digest_method": hashlib.sha256})
    weak = URLSafeTimedSerializer(app.secret_key, salt="cookie-session",
                                  signer_kwargs={"key_derivation": "hmac",
                                                 "digest_method": hashlib.sha1})
    assert "_user_id" in strong.loads(cookie)
    with pytest.raises(Exception, match="Signature"):
        weak.loads(cookie)
