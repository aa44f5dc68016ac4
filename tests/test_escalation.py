"""The escalation ladder, run as the scheduler runs it with the clock moved minute by
minute: each step alerts the right people once, in their inbox and by e-mail (case code and
link only); two runs at once still send each alert once."""

import contextlib
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from placement import notify
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.states import BookingState
from placement.database import unit_of_work
from placement.extensions import db
from placement.inbox import InboxMessage
from placement.jobs import escalation
from placement.jobs.models import Alert
from placement.jobs.registry import JOBS
from placement.jobs.runner import run_job
from placement.jobs.triggers import Every
from placement.requests.models import Priority, RequestStatus
from tests.request_factories import TODAY

FILED = datetime.combine(TODAY, time(9), tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def tick(app, moment: datetime) -> dict | None:
    db.session.commit()  # the job runs in its own session, as in the scheduler process
    run = run_job(app, "escalate", moment)
    db.session.expire_all()
    return run.counts if run else None


def inboxes() -> list[tuple[str, str]]:
    """(whose, what) for every message, oldest first."""
    messages = db.session.scalars(select(InboxMessage).order_by(InboxMessage.id)).all()
    return [(m.user_id, m.text) for m in messages]


@pytest.fixture
def mail(monkeypatch):
    sent = []
    monkeypatch.setattr(notify, "send",
                        lambda recipients, subject, body: sent.append(
                            (sorted(recipients), subject, body)) or True)
    return sent


@pytest.fixture
def people(make_user):
    on_call = make_user(Role.COORDINATOR, email="oncall@example.org")
    on_call.on_call = True
    off_duty = make_user(Role.COORDINATOR, email="offduty@example.org")
    admin = make_user(Role.ADMIN, email="admin@example.org")
    gone = make_user(Role.ADMIN, email="gone@example.org", active=False)
    db.session.commit()
    return {"on_call": on_call, "off_duty": off_duty, "admin": admin, "gone": gone}


@pytest.fixture
def critical(create_request):
    request = create_request(priority=Priority.CRITICAL)
    request.created_at = naive(FILED)
    db.session.commit()
    return request


def approved_stay(create_booking, place, coordinator, minutes_before: int = 0):
    booking = create_booking(place)
    service.approve(db.session, booking, coordinator.id, TODAY)
    booking.approved_at = naive(FILED) - timedelta(minutes=minutes_before)
    db.session.commit()
    return booking


def test_the_ladder_ticks_every_minute_by_default(app):
    assert JOBS["escalate"].trigger(app.config) == Every(1)
    assert "ESCALATE_CRITICAL_ON_CALL_MINUTES" in JOBS["escalate"].config_keys


# -- critical requests ---------------------------------------------------------------------

def test_a_critical_request_unplaced_after_15_minutes_alerts_the_on_call_coordinators_once(
        app, people, critical, mail):
    assert tick(app, FILED + timedelta(minutes=14))["critical_15"] == 0
    assert tick(app, FILED + timedelta(minutes=15))["critical_15"] == 1
    assert tick(app, FILED + timedelta(minutes=16))["critical_15"] == 0
    assert inboxes() == [(people["on_call"].id, f"{critical.case_code}: critical and still "
                                                "without a place after 15 minutes.")]
    [(recipients, subject, body)] = mail
    assert recipients == ["oncall@example.org"]
    assert critical.case_code in subject and f"/requests/{critical.id}" in body
    assert critical.location_label not in subject + body  # case data: never in a mail
    alert = db.session.scalars(select(Alert)).one()
    assert (alert.subject, alert.step, alert.request_id) == (
        f"request:{critical.id}", "critical_15", critical.id)


def test_after_30_minutes_every_active_admin_hears_of_it(app, people, critical, mail):
    tick(app, FILED + timedelta(minutes=15))
    assert tick(app, FILED + timedelta(minutes=29))["critical_30"] == 0
    assert tick(app, FILED + timedelta(minutes=30))["critical_30"] == 1
    tick(app, FILED + timedelta(minutes=31))
    assert [whose for whose, _text in inboxes()] == [people["on_call"].id, people["admin"].id]
    assert [recipients for recipients, _s, _b in mail] == [["oncall@example.org"],
                                                           ["admin@example.org"]]


def test_a_scheduler_that_was_down_sends_both_steps_once_when_it_comes_back(
        app, people, critical, mail):
    counts = tick(app, FILED + timedelta(hours=2))
    assert (counts["critical_15"], counts["critical_30"]) == (1, 1)
    assert tick(app, FILED + timedelta(hours=2, minutes=1))["critical_30"] == 0
    assert len(mail) == 2


def test_the_minutes_are_configurable(app, people, critical, mail):
    app.config["ESCALATE_CRITICAL_ON_CALL_MINUTES"] = 5
    assert tick(app, FILED + timedelta(minutes=5))["critical_15"] == 1
    assert "after 5 minutes" in inboxes()[0][1]


def test_placed_closed_and_less_urgent_requests_are_not_escalated(
        app, people, create_request, create_shelter, create_booking, mail):
    high = create_request(priority=Priority.HIGH)
    withdrawn = create_request(status=RequestStatus.WITHDRAWN)
    placed = create_booking(create_shelter())
    service.approve(db.session, placed, people["off_duty"].id, TODAY)
    for request in (high, withdrawn, placed.request):
        request.created_at = naive(FILED)
    counts = tick(app, FILED + timedelta(hours=1))
    assert (counts["critical_15"], counts["critical_30"]) == (0, 0)


# -- holds and shelters that have not answered ---------------------------------------------

def test_a_hold_about_to_run_out_alerts_the_coordinator_who_approved_it(
        app, people, create_shelter, create_booking, mail):
    app.config["HOLD_HOURS"] = 4
    shelter = create_shelter(hold_hours=2)  # its own answer window
    booking = approved_stay(create_booking, shelter, people["off_duty"])
    assert tick(app, FILED + timedelta(hours=1, minutes=29))["hold_expiring"] == 0
    assert tick(app, FILED + timedelta(hours=1, minutes=30))["hold_expiring"] == 1
    assert tick(app, FILED + timedelta(hours=1, minutes=31))["hold_expiring"] == 0
    [(whose, text)] = [m for m in inboxes() if "hold" in m[1]]
    assert whose == people["off_duty"].id
    assert text == (f"{booking.request.case_code}: the hold on its stay runs out within "
                    "30 minutes unless the place confirms.")
    alert = db.session.scalars(select(Alert).where(Alert.step == "hold_expiring")).one()
    assert alert.subject == f"booking:{booking.id}"
    [(recipients, _subject, body)] = [m for m in mail if "hold" in m[1]]
    assert recipients == ["offduty@example.org"] and f"/bookings/{booking.id}" in body


def test_a_hotel_hold_runs_on_the_hotline_window(app, people, create_hotel, create_booking,
                                                 make_lot, mail):
    app.config["HOLD_HOURS"] = 4
    make_lot(100_000, program="ihg")
    approved_stay(create_booking, create_hotel(), people["off_duty"])
    assert tick(app, FILED + timedelta(hours=3, minutes=29))["hold_expiring"] == 0
    assert tick(app, FILED + timedelta(hours=3, minutes=30))["hold_expiring"] == 1


def test_a_shelter_silent_for_half_its_window_is_flagged_once(
        app, people, create_shelter, create_booking, mail):
    app.config["HOLD_HOURS"] = 4
    booking = approved_stay(create_booking, create_shelter(), people["off_duty"])
    assert tick(app, FILED + timedelta(hours=1, minutes=59))["shelter_slow"] == 0
    assert tick(app, FILED + timedelta(hours=2))["shelter_slow"] == 1
    assert tick(app, FILED + timedelta(hours=2, minutes=1))["shelter_slow"] == 0
    [(whose, text)] = inboxes()
    assert whose == people["off_duty"].id and booking.request.case_code in text
    assert "has not answered" in text


def test_answered_stays_and_hotels_are_never_slow_shelters(
        app, people, create_shelter, create_hotel, create_booking, make_lot, mail):
    app.config["HOLD_HOURS"] = 4
    confirmed = approved_stay(create_booking, create_shelter(), people["off_duty"])
    service.confirm(db.session, confirmed, people["off_duty"].id, "Ana", None, TODAY)
    make_lot(100_000, program="ihg")
    approved_stay(create_booking, create_hotel(), people["off_duty"])
    counts = tick(app, FILED + timedelta(hours=3))
    assert (counts["shelter_slow"], counts["hold_expiring"]) == (0, 0)
    assert confirmed.state is BookingState.CONFIRMED


def test_an_approver_who_left_is_replaced_by_the_on_call_coordinators(
        app, people, create_shelter, create_booking, mail):
    app.config["HOLD_HOURS"] = 4
    approved_stay(create_booking, create_shelter(), people["off_duty"])
    people["off_duty"].active = False
    tick(app, FILED + timedelta(hours=2))
    assert [whose for whose, _text in inboxes()] == [people["on_call"].id]


def test_the_plan_page_flags_a_shelter_that_has_not_answered(
        app, client, login, people, create_shelter, create_booking):
    app.config["HOLD_HOURS"] = 4
    slow = approved_stay(create_booking, create_shelter(name="Slow House"), people["off_duty"],
                         minutes_before=130)
    approved_stay(create_booking, create_shelter(name="Quick House"), people["off_duty"],
                  minutes_before=20)
    app.config["SCHEDULER_CLOCK"] = lambda: FILED
    login(people["off_duty"])
    page = client.get("/plan").text
    assert "Slow House" in page and "Quick House" in page
    assert page.count("awaiting the shelter") == 1
    flagged = page[page.index("Slow House"):page.index("Quick House")]
    assert "awaiting the shelter's answer for 2 h 10 min" in flagged
    assert slow.request.case_code in page


# -- the job that releases holds uses the same window ---------------------------------------

def test_expiring_holds_honour_a_shelters_own_window(app, people, create_shelter,
                                                     create_booking):
    app.config["HOLD_HOURS"] = 4
    quick = approved_stay(create_booking, create_shelter(hold_hours=1), people["off_duty"])
    usual = approved_stay(create_booking, create_shelter(), people["off_duty"])
    db.session.commit()
    run_job(app, "expire_holds", FILED + timedelta(hours=1, minutes=15))
    db.session.expire_all()
    assert (quick.state, usual.state) == (BookingState.HOLD_EXPIRED, BookingState.APPROVED)


# -- exactly once ---------------------------------------------------------------------------

def test_two_runs_at_once_send_each_alert_once(app, people, critical, create_shelter,
                                               create_booking, mail, monkeypatch):
    """Both runs read the same due alerts before either writes; the unique (subject, step)
    lets one of them send each."""
    app.config["HOLD_HOURS"] = 4
    # 215 minutes into its 4-hour window at the moment below: slow, and about to run out.
    approved_stay(create_booking, create_shelter(), people["off_duty"], minutes_before=155)
    db.session.commit()
    found = threading.Barrier(2, timeout=2)
    real = escalation.due_alerts

    def read_then_wait(now):
        alerts = real(now)
        # On SQLite the other run waits at BEGIN for this one's commit: the barrier breaks.
        with contextlib.suppress(threading.BrokenBarrierError):
            found.wait()
        return alerts

    monkeypatch.setattr(escalation, "due_alerts", read_then_wait)
    moment = FILED + timedelta(hours=1)
    counts, errors = [], []

    def run_once():
        with app.app_context():
            try:
                with unit_of_work():
                    result = escalation.escalate(moment)
                escalation.mail_alerts(result, moment)
                counts.append(result)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    steps = ("critical_15", "critical_30", "hold_expiring", "shelter_slow")
    assert {step: sum(c[step] for c in counts) for step in steps} == dict.fromkeys(steps, 1)
    assert len(db.session.scalars(select(Alert)).all()) == 4
    assert len(inboxes()) == 4 and len(mail) == 4


# -- the queue -----------------------------------------------------------------------------

def test_the_queue_shows_how_long_each_request_has_waited_and_why(
        app, client, login, people, critical, create_request):
    critical.unplaced_reason = "No shelter within 30 miles takes a family of four."
    older = create_request(priority=Priority.HIGH)
    older.created_at = naive(FILED) - timedelta(hours=3, minutes=5)
    create_request(priority=Priority.NORMAL).created_at = naive(FILED) + timedelta(minutes=47)
    app.config["SCHEDULER_CLOCK"] = lambda: FILED + timedelta(minutes=47)
    login(people["off_duty"])
    page = client.get("/coordinator").text
    assert "waiting 47 min" in page and "waiting 3 h 52 min" in page
    assert "waiting under 1 min" in page
    assert "No shelter within 30 miles takes a family of four." in page
