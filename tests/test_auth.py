from sqlalchemy import select

from placement.auth.models import Role, User
from placement.extensions import db
from tests.conftest import PASSWORD


def test_login_page_is_public(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="email"' in response.text and "<label" in response.text


def test_each_role_lands_on_its_home_page(client, make_user, login):
    homes = {
        Role.ADVOCATE: "My requests",
        Role.COORDINATOR: "Pending requests",
        Role.DONOR: "Your donations",
        Role.ADMIN: "Accounts",
    }
    for role, heading in homes.items():
        user = make_user(role)
        login(user)
        page = client.get("/", follow_redirects=True)
        assert page.status_code == 200
        assert heading in page.text
        client.post("/logout")


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, make_user):
    user = make_user(Role.COORDINATOR)
    wrong = client.post("/login", data={"email": user.email, "password": "not it at all"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match an active account" in wrong.text
    assert wrong.text.replace(user.email, "") == unknown.text.replace("nobody@example.org", "")


def test_a_deactivated_account_cannot_sign_in(client, make_user):
    user = make_user(Role.ADVOCATE, active=False)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_email_is_matched_without_regard_to_case(client, make_user):
    user = make_user(Role.ADVOCATE, email="Case.Worker@Example.org")
    assert user.email == "case.worker@example.org"
    data = {"email": "CASE.worker@example.ORG", "password": PASSWORD}
    response = client.post("/login", data=data)
    assert response.status_code == 302


def test_logout_ends_the_session(client, make_user, login):
    login(make_user(Role.ADVOCATE))
    assert client.get("/advocate").status_code == 200
    assert client.post("/logout").status_code == 302
    response = client.get("/advocate")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_every_session_of_the_account(app, make_user):
    user = make_user(Role.ADVOCATE)
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": user.email, "password": PASSWORD})
        assert device.get("/advocate").status_code == 200
    laptop.post("/logout")
    assert phone.get("/advocate").status_code == 302


def test_deactivation_ends_sessions_at_once(client, make_user, login):
    user = make_user(Role.ADVOCATE)
    login(user)
    user.active = False
    user.end_all_sessions()
    db.session.commit()
    assert client.get("/advocate").status_code == 302


def test_login_redirects_only_to_local_paths(client, make_user):
    user = make_user(Role.DONOR)
    data = {"email": user.email, "password": PASSWORD}
    for outside in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "x/y"):
        response = client.post("/login", query_string={"next": outside}, data=data)
        assert response.headers["Location"] == "/", outside
        client.post("/logout")
    inside = client.post("/login", query_string={"next": "/account"}, data=data)
    assert inside.headers["Location"] == "/account"


def test_change_password_keeps_this_browser_and_ends_the_others(app, make_user, login, client):
    user = make_user(Role.DONOR)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    login(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a much longer new phrase",
        "confirm": "a much longer new phrase",
    })
    assert response.status_code == 302
    assert client.get("/donor/").status_code == 200
    assert other.get("/donor/").status_code == 302
    stored = db.session.scalar(select(User).where(User.id == user.id))
    db.session.refresh(stored)
    assert stored.check_password("a much longer new phrase")


def test_change_password_rejects_a_short_one_and_keeps_the_old(client, make_user, login):
    user = make_user(Role.DONOR)
    login(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "confirm": "short",
    })
    assert response.status_code == 400
    assert "at least 12 characters" in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_passwords_are_stored_as_argon2_hashes(make_user):
    user = make_user(Role.ADMIN)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_forms_require_a_csrf_token(app, make_user, caplog):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user(Role.ADVOCATE)
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.text
    assert "CSRF token refused: user nobody to auth.login" in caplog.text  # logged, no data
    assert user.email not in caplog.text


def test_sign_ins_failures_and_sign_outs_are_on_the_audit_log(app, make_user, caplog):
    from placement.audit import AuditEvent
    from tests.conftest import sign_in

    advocate, coordinator = make_user(Role.ADVOCATE), make_user(Role.COORDINATOR)
    client = app.test_client()
    client.post("/login", data={"email": advocate.email, "password": "not the password"})
    client.post("/login", data={"email": "nobody@example.org", "password": "not the password"})
    sign_in(client, advocate)
    assert client.get("/admin/users").status_code == 403  # and a refusal is logged
    client.post("/logout")
    sign_in(app.test_client(), coordinator)
    events = db.session.execute(select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.detail)
                                .where(AuditEvent.action.like("sign%"))
                                .order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [
        ("sign_in_failed", advocate.id, "password"), ("sign_in", advocate.id, None),
        ("sign_out", advocate.id, None), ("sign_in", coordinator.id, "two-step")]
    assert f"access denied: user {advocate.id} (advocate) to admin.users" in caplog.text


def test_hashes_of_older_parameters_are_upgraded_at_sign_in(app, make_user):
    from argon2 import PasswordHasher

    user = make_user(Role.DONOR)
    user.password_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(
        PASSWORD)
    db.session.commit()
    response = app.test_client().post("/login", data={"email": user.email,
                                                      "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(PASSWORD)


def test_the_current_password_is_throttled_inside_a_session_too(app, make_user, login, client):
    from placement.auth import throttle

    user = make_user(Role.DONOR)
    login(user)
    for _ in range(throttle.FREE_ACCOUNT_FAILURES):
        wrong = client.post("/account/password", data={
            "current_password": "guess guess guess", "new_password": "brand new phrase here",
            "confirm": "brand new phrase here"})
        assert wrong.status_code == 400
    right = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "brand new phrase here",
        "confirm": "brand new phrase here"})
    assert right.status_code == 429 and "Too many attempts" in right.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_an_explicit_sign_out_clears_the_sites_storage(client, make_user, login):
    login(make_user(Role.ADVOCATE))
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
