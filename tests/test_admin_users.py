from sqlalchemy import select

from placement.auth.models import Role, User
from placement.extensions import db
from tests.conftest import PASSWORD


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
