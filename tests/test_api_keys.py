"""Integration keys: created by an admin and shown once, kept as a hash, scoped, revoked at
once, rate-limited in the database for every worker; every refusal a problem document."""

import hashlib
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from partners.base import utcnow
from placement import create_app
from placement.api.keys import IntegrationKey, Scope
from placement.auth.models import Role
from placement.extensions import db
from tests.api_support import PROBLEM, bearer
from tests.web_fixtures import RequestClient, _config


def test_an_admin_creates_a_key_that_is_shown_once_and_kept_as_a_hash(make_user, login):
    admin = login(make_user(Role.ADMIN))
    assert admin.post("/admin/integrations/organizations",
                      data={"name": "Hotline CRM", "kind": "hotline"}).status_code == 303
    page = admin.get("/admin/integrations")
    organization_id = page.text.split('<option value="')[1].split('"')[0]
    made = admin.post("/admin/integrations/keys", data={
        "organization": organization_id, "name": "Salesforce", "valid_days": "90",
        "rate_limit": "60", "scopes": ["requests:file", "requests:read"]})
    assert made.status_code == 201
    token = made.text.split('id="new-token">')[1].split("<")[0]
    key = db.session.scalar(select(IntegrationKey))
    _sbk, prefix, secret = token.split("_", 2)
    assert (key.prefix, key.scopes, key.rate_limit) == (prefix, "requests:file requests:read", 60)
    assert key.secret_hash == hashlib.sha256(secret.encode()).digest()
    assert secret not in admin.get("/admin/integrations").text  # shown that once only
    assert admin.get("/api/v1/changes", headers=bearer(token)).status_code == 200


def test_without_a_valid_key_every_call_is_a_401_problem(client, make_key):
    _key, token = make_key()
    wrong_secret = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("sbk_nothing"),
                    bearer("sbk_000000000000_" + "x" * 43), bearer(wrong_secret)):
        answer = client.get("/api/v1/changes", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.mimetype == PROBLEM
        assert answer.json["status"] == 401 and answer.json["type"].endswith("/unauthorized")
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_without_the_scope_is_refused_with_a_403_naming_it(client, make_key):
    _key, token = make_key(scopes={Scope.FILE})
    answer = client.get("/api/v1/changes", headers=bearer(token))
    assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert "requests:read" in answer.json["detail"]


def test_a_revoked_or_expired_key_is_refused_at_its_next_call(client, make_user, login,
                                                              make_key):
    key, token = make_key()
    assert client.get("/api/v1/changes", headers=bearer(token)).status_code == 200
    admin = login(make_user(Role.ADMIN))
    assert admin.post(f"/admin/integrations/keys/{key.id}/revoke").status_code == 303
    assert client.get("/api/v1/changes", headers=bearer(token)).status_code == 401
    old, old_token = make_key(days=1)
    old.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/changes", headers=bearer(old_token)).status_code == 401


def test_a_signed_in_session_opens_no_api_view_and_gets_no_cookie(make_user, login):
    admin = login(make_user(Role.ADMIN))
    answer = admin.get("/api/v1/changes")
    assert answer.status_code == 401 and answer.mimetype == PROBLEM
    assert "Set-Cookie" not in answer.headers


def test_unknown_addresses_and_methods_under_the_api_are_problems(client):
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.mimetype) == (404, PROBLEM)
    wrong = client.delete("/api/v1/changes")
    assert (wrong.status_code, wrong.mimetype) == (405, PROBLEM)
    assert "GET" in wrong.headers["Allow"]


def test_the_rate_limit_is_one_count_for_two_app_instances_at_once(
        app, database_url, tmp_path, make_key):
    """Two apps (two workers' engines and pools) on one database, eight threads calling
    through both at once: exactly the key's limit of calls gets through this minute."""
    _key, token = make_key(rate_limit=10)
    moment = datetime.now(UTC).replace(second=5)  # one minute for every call
    app.config["SCHEDULER_CLOCK"] = lambda: moment
    other = create_app({**_config(database_url, tmp_path / "other"),
                        "SECRET_KEY": app.config["SECRET_KEY"],
                        "SCHEDULER_CLOCK": lambda: moment})
    other.test_client_class = RequestClient
    clients = [app.test_client(), other.test_client()]
    statuses: list[int] = []
    start = threading.Barrier(8)

    def calls(client) -> None:
        start.wait()
        for _ in range(3):
            statuses.append(client.get("/api/v1/changes", headers=bearer(token)).status_code)

    def in_app(flask_app, client):
        with flask_app.app_context():
            calls(client)

    threads = [threading.Thread(target=in_app, args=((app, other)[i % 2], clients[i % 2]))
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with other.app_context():
        db.engine.dispose()
    assert (statuses.count(200), statuses.count(429)) == (10, 14)
