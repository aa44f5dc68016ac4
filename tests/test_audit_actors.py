"""Who acted, on every audit event. The kinds of actor are defined once
(`placement.audit.ActorKind`); each event's kind comes from where the work ran (a signed-in
person, the job runner, a `flask` command, a shelter's staff link), never guessed from a
missing user: a `flask demo` load is not a "scheduled job"."""

import threading
from datetime import timedelta

from sqlalchemy import select

from partners.availability import issue_staff_link
from partners.base import utcnow
from placement import audit
from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.bookings import service
from placement.database import unit_of_work
from placement.extensions import db
from placement.places.tokens import staff_token
from placement.planning import runner
from tests.conftest import PASSWORD
from tests.request_factories import TODAY
from tests.test_jobs import at, run
from tests.test_requests import form_data


def events(**where) -> list[tuple]:
    db.session.expire_all()
    query = select(AuditEvent.action, AuditEvent.subject, AuditEvent.actor_kind,
                   AuditEvent.actor_id).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return db.session.execute(query).all()


def test_a_command_line_change_is_by_the_command_line_and_the_audit_page_says_so(
        app, make_user, login):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "ops@example.org", "--role", "coordinator", "--generate-password"])
    assert result.exit_code == 0, result.output
    assert events(subject="user") == [("create", "user", "cli", None)]
    with unit_of_work():
        audit.record(db.session, None, "file", "request", 7)  # no one said who: shown so
    page = login(make_user(Role.ADMIN)).get("/admin/audit")
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1]
    assert "command line" in rows and "unknown" in rows
    assert "scheduled job" not in rows


def test_a_scheduled_job_is_the_job_and_a_person_is_a_user(app, create_shelter, create_booking,
                                                            make_user):
    coordinator = make_user(Role.COORDINATOR)
    booking = create_booking(create_shelter(capacity=3), nights=2)
    service.approve(db.session, booking, coordinator.id, TODAY)
    booking.approved_at = (at(TODAY, 9) - timedelta(hours=5)).replace(tzinfo=None)
    assert run(app, "expire_holds", at(TODAY, 9)).counts == {"released": 1}
    assert events(subject="booking") == [("approve", "booking", "user", coordinator.id),
                                         ("expire_hold", "booking", "job", None)]


def test_a_failed_sign_in_is_someone_not_signed_in_and_a_sign_in_is_the_user(
        client, make_user, login):
    advocate = make_user(Role.ADVOCATE)
    client.post("/login", data={"email": advocate.email, "password": "not the password"})
    login(advocate, PASSWORD)
    assert events(subject="user", subject_id=advocate.id)[-2:] == [
        ("sign_in_failed", "user", "visitor", None), ("sign_in", "user", "user", advocate.id)]


def test_shelter_staff_through_their_link_are_the_staff_link(client, create_shelter):
    shelter = create_shelter(capacity=10)
    issue_staff_link(db.session, shelter, utcnow())
    db.session.commit()
    before = len(events())
    assert client.post(f"/report/{staff_token(shelter)}",
                       data={"free_beds": "4"}).status_code == 302
    recorded = events()[before:]
    assert recorded and {(kind, actor) for _, _, kind, actor in recorded} == {
        ("staff_link", None)}


def test_a_planner_run_a_filing_started_is_the_filing_persons_in_its_own_thread(
        app, make_user, login, monkeypatch):
    """The run works in a thread of its own, which starts with no context: it carries
    whoever started it (here the advocate whose critical filing started it)."""
    app.config.update(REPLAN_ON_CRITICAL=True, PLANNER_SYNC=False)
    finished = threading.Event()

    def a_run_that_withdraws_a_proposal(app_, run_id, today=None):
        with app_.app_context(), unit_of_work():
            audit.record(db.session, None, "withdraw", "booking", 1, detail="replaced")
        finished.set()

    monkeypatch.setattr(runner, "execute_run", a_run_that_withdraws_a_proposal)
    advocate = make_user(Role.ADVOCATE)
    assert login(advocate).post("/requests/new", data=form_data()).status_code == 302
    assert finished.wait(10)
    assert events(action="withdraw") == [("withdraw", "booking", "user", advocate.id)]
