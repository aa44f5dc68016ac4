from sqlalchemy import select

from placement.audit import AuditEvent
from placement.auth import throttle
from placement.auth.models import Role, User
from placement.extensions import db
from tests.conftest import PASSWORD, sign_in


def test_admin_creates_an_account_that_can_sign_in(app, make_user, login):
    client = login(make_user(Role.ADMIN))
    response = client.post("/admin/users", data={
        "email": "new.advocate@example.org", "role": "advocate", "password": "twelve chars ok",
    })
    assert response.status_code == 302
    assert "new.advocate@example.org" in client.get("/admin/users").text
    fresh = app.test_client()
    assert fresh.post("/login", data={
        "email": "new.advocate@example.org", "password": "twelve chars ok"}).status_code == 302


def test_a_bad_new_account_keeps_what_was_typed_and_creates_nothing(make_user, login):
    client = login(make_user(Role.ADMIN))
    response = client.post("/admin/users", data={
        "email": "typed@example.org", "role": "donor", "password": "short",
    })
    assert response.status_code == 400
    assert 'value="typed@example.org"' in response.text
    assert db.session.scalar(select(User).where(User.email == "typed@example.org")) is None


def test_a_duplicate_email_is_a_clear_400(make_user, login):
    existing = make_user(Role.DONOR)
    client = login(make_user(Role.ADMIN))
    response = client.post("/admin/users", data={
        "email": existing.email, "role": "donor", "password": "twelve chars ok",
    })
    assert response.status_code == 400
    assert "already exists" in response.text


def test_admin_changes_a_role_and_the_person_is_signed_out(app, make_user, login):
    person = make_user(Role.ADVOCATE)
    theirs = app.test_client()
    theirs.post("/login", data={"email": person.email, "password": PASSWORD})
    client = login(make_user(Role.ADMIN))
    response = client.post(f"/admin/users/{person.id}", data={"role": "coordinator"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.role is Role.COORDINATOR
    assert theirs.get("/advocate").status_code == 302


def test_admin_deactivates_and_reactivates(app, make_user, login):
    person = make_user(Role.DONOR)
    client = login(make_user(Role.ADMIN))
    client.post(f"/admin/users/{person.id}/active")
    db.session.refresh(person)
    assert not person.active
    client.post(f"/admin/users/{person.id}/active")
    db.session.refresh(person)
    assert person.active


def test_admin_cannot_lock_themselves_out(make_user, login):
    admin = make_user(Role.ADMIN)
    client = login(admin)
    client.post(f"/admin/users/{admin.id}/active")
    client.post(f"/admin/users/{admin.id}", data={"role": "donor"})
    db.session.refresh(admin)
    assert admin.active and admin.role is Role.ADMIN


def test_admin_resets_a_password(app, make_user, login):
    person = make_user(Role.ADVOCATE)
    client = login(make_user(Role.ADMIN))
    assert client.post(f"/admin/users/{person.id}/password",
                       data={"password": "brand new phrase"}).status_code == 302
    db.session.refresh(person)
    assert person.check_password("brand new phrase")


def test_unknown_user_ids_are_404(make_user, login):
    client = login(make_user(Role.ADMIN))
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/active").status_code == 404


def test_admin_resets_a_lost_second_factor(app, make_user, login):
    person = make_user(Role.COORDINATOR)
    theirs = sign_in(app.test_client(), person)
    assert theirs.get("/coordinator").status_code == 200
    client = login(make_user(Role.ADMIN))
    assert "Reset two-step sign-in" in client.get(f"/admin/users/{person.id}").text
    assert client.post(f"/admin/users/{person.id}/totp").status_code == 302
    db.session.refresh(person)
    assert person.totp_secret_encrypted is None
    assert theirs.get("/coordinator").status_code == 302  # signed out everywhere
    # The next sign-in asks them to set up their app again, never lets them in without it.
    again = app.test_client()
    response = again.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/enroll")
    assert again.get("/coordinator").status_code == 302
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "reset_second_factor", AuditEvent.subject_id == person.id)).all()
    assert len(events) == 1


def test_a_second_factor_reset_needs_the_csrf_token(app, make_user):
    person = make_user(Role.COORDINATOR)
    client = sign_in(app.test_client(), make_user(Role.ADMIN))
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/admin/users/{person.id}/totp").status_code == 400
    db.session.refresh(person)
    assert person.totp_secret_encrypted is not None


def test_admin_sees_and_clears_an_accounts_failed_sign_ins(app, make_user, login):
    person = make_user(Role.ADVOCATE)
    guesser = app.test_client()
    for _ in range(throttle.FREE_ACCOUNT_FAILURES):
        guesser.post("/login", data={"email": person.email, "password": "wrong guess here"},
                     environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client = login(make_user(Role.ADMIN))
    page = client.get(f"/admin/users/{person.id}").text
    assert f"{throttle.FREE_ACCOUNT_FAILURES} in the last 30 minutes" in page
    assert "Sign-in is delayed" in page
    blocked = app.test_client().post("/login", data={"email": person.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert client.post(f"/admin/users/{person.id}/sign-in-delay").status_code == 302
    assert "None in the last 30 minutes" in client.get(f"/admin/users/{person.id}").text
    fresh = app.test_client().post("/login", data={"email": person.email, "password": PASSWORD})
    assert fresh.status_code == 302


def test_other_roles_cannot_reset_factors_or_clear_failures(make_user, login):
    person = make_user(Role.COORDINATOR)
    for role in (Role.ADVOCATE, Role.COORDINATOR, Role.DONOR):
        client = login(make_user(role))
        assert client.post(f"/admin/users/{person.id}/totp").status_code == 403
        assert client.post(f"/admin/users/{person.id}/sign-in-delay").status_code == 403
    db.session.refresh(person)
    assert person.totp_secret_encrypted is not None


def test_a_password_an_admin_chose_works_once_then_the_person_chooses_their_own(app, make_user,
                                                                               login):
    admin = login(make_user(Role.ADMIN))
    admin.post("/admin/users", data={"email": "new.donor@example.org", "role": "donor",
                                     "password": "twelve chars ok"})
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": "new.donor@example.org",
                                       "password": "twelve chars ok"}).status_code == 302
    for page in ("/donor/", "/donor/report.csv"):
        response = theirs.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert "Choose your own password" in theirs.get("/account").text
    same = theirs.post("/account/password", data={
        "current_password": "twelve chars ok", "new_password": "twelve chars ok",
        "confirm": "twelve chars ok"})
    assert same.status_code == 400 and "different from the current" in same.text
    assert theirs.get("/donor/").status_code == 302  # still theirs to replace
    assert theirs.post("/account/password", data={
        "current_password": "twelve chars ok", "new_password": "their own long phrase",
        "confirm": "their own long phrase"}).status_code == 302
    assert theirs.get("/donor/").status_code == 200

    person = db.session.scalar(select(User).where(User.email == "new.donor@example.org"))
    admin.post(f"/admin/users/{person.id}/password", data={"password": "brand new phrase"})
    again = app.test_client()
    again.post("/login", data={"email": person.email, "password": "brand new phrase"})
    assert again.get("/donor/").headers["Location"].endswith("/account")
