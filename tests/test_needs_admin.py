"""Admins keep the vocabulary of needs (issue 16): they list it, add an entry, and reword or
retire one; a code never changes once made (stored plans and offers name it); every change
is on the audit log; nobody but an admin may touch it."""

import re

import pytest
from sqlalchemy import func, select

from partners.needs import Need, ensure_vocabulary
from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.extensions import db
from tests.conftest import sign_in

NEW_NEED = {"code": "lang:uk", "label": "Staff speak Ukrainian",
            "help_text": "Someone on staff at intake speaks Ukrainian.",
            "for_shelters": "y", "for_hotels": "y"}


@pytest.fixture
def needs(app) -> dict[str, Need]:
    return ensure_vocabulary(db.session)


@pytest.fixture
def admin(make_user, login):
    return login(make_user(Role.ADMIN))


def need(code: str) -> Need | None:
    db.session.expire_all()
    return db.session.scalar(select(Need).where(Need.code == code))


def audit(subject_id: int, *actions: str) -> list[tuple]:
    """The need's events (of these actions); on PostgreSQL the `needs` fixture may have
    created the vocabulary itself, on the log too."""
    query = select(AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.subject == "need", AuditEvent.subject_id == subject_id)
    if actions:
        query = query.where(AuditEvent.action.in_(actions))
    return db.session.execute(query.order_by(AuditEvent.id)).all()


def test_the_admin_lists_the_vocabulary_from_the_navigation(admin, needs):
    needs["lang:ko"].active = False
    home = admin.get("/admin/users").text
    assert 'href="/admin/needs"' in home
    page = admin.get("/admin/needs").text
    row = page.split("<code>pregnant</code>")[1].split("</tr>")[0]
    assert "Accepts pregnant guests" in row and "Shelters" in row and "Hotels" not in row
    row = page.split("<code>no-id</code>")[1].split("</tr>")[0]
    assert "Shelters and hotels" in row and "Active" in row
    assert "Retired" in page.split("<code>lang:ko</code>")[1].split("</tr>")[0]


def test_an_admin_adds_a_need_that_coordinators_can_then_tick(app, admin, needs, make_user,
                                                               create_hotel):
    response = admin.post("/admin/needs", data=NEW_NEED)
    assert response.status_code == 302
    added = need("lang:uk")
    assert (added.label, added.for_shelters, added.for_hotels, added.active) == (
        "Staff speak Ukrainian", True, True, True)
    assert audit(added.id) == [("create", None)]
    hotel = create_hotel()
    coordinator = sign_in(app.test_client(), make_user(Role.COORDINATOR))
    form = coordinator.get(f"/places/hotels/{hotel.id}/edit").text
    languages = form.split("Languages staff speak</legend>")[1].split("</fieldset>")[0]
    assert 'value="lang:uk"' in languages


@pytest.mark.parametrize("bad, field", [
    ({"code": "Lang:UK"}, "code"), ({"code": "lang uk"}, "code"), ({"code": "lang_uk"}, "code"),
    ({"code": "x" * 41}, "code"), ({"code": ""}, "code"), ({"label": ""}, "label"),
    ({"help_text": "x" * 301}, "help_text"),
    ({"for_shelters": "", "for_hotels": ""}, "for_hotels"),
])
def test_a_bad_new_need_is_a_400_on_its_field_and_adds_nothing(admin, needs, bad, field):
    before = db.session.scalar(select(func.count(Need.id)))
    data = {k: v for k, v in (NEW_NEED | bad).items() if v != ""}
    response = admin.post("/admin/needs", data=data)
    assert response.status_code == 400
    assert re.search(rf'<[^>]*is-invalid[^>]*id="{field}"|id="{field}"[^>]*is-invalid',
                     response.text)
    assert db.session.scalar(select(func.count(Need.id))) == before


def test_a_code_already_in_use_is_a_400_that_says_so_on_the_code(admin, needs):
    response = admin.post("/admin/needs", data=NEW_NEED | {"code": "no-id"})
    assert response.status_code == 400
    error = response.text.split('id="code-error"')[1].split("</div>")[0]
    assert "A need with this code already exists." in error
    assert need("no-id").label == "Accepts guests without ID"


def test_an_admin_rewords_or_retires_a_need_but_never_changes_its_code(admin, needs):
    entry = needs["lang:ko"]
    page = admin.get(f"/admin/needs/{entry.id}").text
    assert "lang:ko" in page and 'name="code"' not in page
    response = admin.post(f"/admin/needs/{entry.id}", data={
        "label": "Staff speak Korean (Seoul)", "help_text": "", "code": "lang:kr",
        "for_hotels": ""})
    assert response.status_code == 302
    changed = need("lang:ko")
    assert (changed.label, changed.help_text, changed.active) == (
        "Staff speak Korean (Seoul)", "", False)
    assert (changed.for_shelters, changed.for_hotels) == (True, True)
    assert need("lang:kr") is None
    assert audit(entry.id, "update") == [("update", "active, help_text, label")]
    assert admin.post(f"/admin/needs/{entry.id}", data={"label": ""}).status_code == 400


def test_a_need_that_does_not_exist_is_a_404(admin, needs):
    assert admin.get("/admin/needs/999999").status_code == 404


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADVOCATE, Role.DONOR])
def test_only_an_admin_may_see_or_change_the_vocabulary(make_user, login, needs, role):
    client = login(make_user(role))
    entry = needs["no-id"]
    assert client.get("/admin/needs").status_code == 403
    assert client.post("/admin/needs", data=NEW_NEED).status_code == 403
    assert client.post(f"/admin/needs/{entry.id}", data={"label": "x"}).status_code == 403
    assert need("lang:uk") is None and need("no-id").label == "Accepts guests without ID"
