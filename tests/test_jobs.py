"""Scheduled jobs, run the way the scheduler runs them (`run_job` for a moment in time),
with the clock moved over holds, midnight, expiry dates and the retention period."""

import time as time_module
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from partners.availability import shelter_nights
from partners.ledger import program_balances
from partners.places import Policy
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.inbox import InboxMessage
from placement.jobs.models import JobOutcome, JobRun
from placement.jobs.registry import JOBS
from placement.jobs.runner import run_job
from placement.jobs.triggers import Daily, Every
from placement.planning.models import PlanRun
from placement.requests.models import HousingRequest, RequestStatus
from tests.request_factories import TODAY, later

NY = "America/New_York"


def at(day, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on a hotline (New York) date, as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(NY))
    return local.astimezone(UTC)


def run(app, name: str, now: datetime) -> JobRun | None:
    db.session.commit()  # the job runs in its own session, as in the scheduler process
    result = run_job(app, name, now)
    db.session.expire_all()
    return result


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


# -- triggers ------------------------------------------------------------------------------

def test_every_process_computes_the_same_fire_time_for_a_tick():
    every5 = Every(5)
    assert every5.fire_time(datetime(2026, 12, 1, 10, 7, 59, tzinfo=UTC)) == datetime(
        2026, 12, 1, 10, 5)
    assert every5.fire_time(datetime(2026, 12, 1, 10, 5, tzinfo=UTC)) == datetime(
        2026, 12, 1, 10, 5)


def test_a_daily_job_belongs_to_the_last_local_occurrence_of_its_time():
    nightly = Daily(time(0, 15), NY)
    assert nightly.fire_time(at(TODAY, 0, 14)) == at(TODAY - timedelta(1), 0, 15).replace(
        tzinfo=None)
    assert nightly.fire_time(at(TODAY, 0, 15)) == at(TODAY, 0, 15).replace(tzinfo=None)
    assert nightly.fire_time(at(TODAY, 23, 59)) == at(TODAY, 0, 15).replace(tzinfo=None)


# -- exactly once, failures ----------------------------------------------------------------

def test_a_tick_runs_once_and_the_next_tick_runs_again(app):
    first = run(app, "stale_availability", at(TODAY, 12, 1))
    assert first is not None and first.outcome is JobOutcome.DONE
    assert run(app, "stale_availability", at(TODAY, 12, 59)) is None  # the same hour's tick
    assert run(app, "stale_availability", at(TODAY, 13, 0)) is not None
    runs = db.session.scalars(select(JobRun).order_by(JobRun.fire_time)).all()
    assert [(r.job, r.finished_at is not None) for r in runs] == [
        ("stale_availability", True)] * 2


def test_a_failing_job_records_the_failure_without_its_message(app, monkeypatch, caplog):
    case_details = "SB-ABCD-EFGH is in danger near 20002"

    def broken(now):
        raise RuntimeError(case_details)

    monkeypatch.setitem(JOBS, "rollover", JOBS["rollover"].__class__(
        **{**JOBS["rollover"].__dict__, "run": broken}))
    failed = run(app, "rollover", at(TODAY))
    assert failed.outcome is JobOutcome.FAILED
    assert failed.error == "RuntimeError (see the scheduler's log)"
    assert failed.counts is None
    assert "RuntimeError" in caplog.text and "SB-ABCD" not in caplog.text


# -- holds ---------------------------------------------------------------------------------

def test_an_unconfirmed_hold_is_released_after_the_configured_hours(
        app, create_shelter, create_booking, coordinator):
    app.config["HOLD_HOURS"] = 4
    shelter = create_shelter(capacity=3)
    booking = create_booking(shelter, nights=2)
    service.approve(db.session, booking, coordinator.id, TODAY)
    approved = at(TODAY, 9)
    booking.approved_at = approved.replace(tzinfo=None)
    confirmed = create_booking(shelter, nights=2)
    service.approve(db.session, confirmed, coordinator.id, TODAY)
    confirmed.approved_at = booking.approved_at
    service.confirm(db.session, confirmed, coordinator.id, "Front desk: Ana", None, TODAY)

    assert run(app, "expire_holds", approved + timedelta(hours=3, minutes=59)).counts == {
        "released": 0}
    assert run(app, "expire_holds", approved + timedelta(hours=4, minutes=15)).counts == {
        "released": 1}
    assert booking.state is BookingState.HOLD_EXPIRED
    assert booking.request.status is RequestStatus.PENDING
    assert confirmed.state is BookingState.CONFIRMED
    assert [n.free for n in shelter_nights(db.session, shelter, TODAY, later(1))] == [2, 2]
    # The coordinator who approved it and the advocate are told, in their inboxes.
    told = {m.user_id: (m.kind, m.link) for m in db.session.scalars(select(InboxMessage))}
    assert told == {coordinator.id: ("hold_expired", f"/bookings/{booking.id}"),
                    booking.request.created_by_id: ("hold_expired",
                                                    f"/requests/{booking.request_id}")}


# -- nightly roll-over ---------------------------------------------------------------------

def test_over_midnight_ended_stays_check_out_and_missed_check_ins_are_no_shows(
        app, create_shelter, create_hotel, create_booking, make_lot, coordinator):
    shelter = create_shelter(capacity=3)
    staying = create_booking(shelter, nights=1)
    service.approve(db.session, staying, coordinator.id, TODAY)
    service.confirm(db.session, staying, coordinator.id, "Ana", None, TODAY)
    service.check_in(db.session, staying, coordinator.id)
    longer = create_booking(shelter, nights=3)
    service.approve(db.session, longer, coordinator.id, TODAY)
    service.confirm(db.session, longer, coordinator.id, "Ana", None, TODAY)
    service.check_in(db.session, longer, coordinator.id)
    hotel = create_hotel(program="marriott", standard_points=20_000, rooms_per_night=2)
    make_lot(100_000, program="marriott")
    missed = create_booking(hotel, nights=2)
    service.approve(db.session, missed, coordinator.id, TODAY)
    service.confirm(db.session, missed, coordinator.id, "H-123", None, TODAY)
    assert program_balances(db.session, hotel.program_id).held == 40_000

    assert run(app, "rollover", at(TODAY, 23, 59)).counts == {"checked_out": 0, "no_show": 0}
    assert run(app, "rollover", at(later(1), 0, 20)).counts == {"checked_out": 1, "no_show": 1}
    assert staying.state is BookingState.CHECKED_OUT
    assert longer.state is BookingState.CHECKED_IN
    assert missed.state is BookingState.NO_SHOW
    assert missed.request.status is RequestStatus.PENDING
    balances = program_balances(db.session, hotel.program_id)
    assert (balances.held, balances.available) == (0, 100_000)
    assert run(app, "rollover", at(later(1), 0, 20)) is None  # the same night: nothing more


# -- points expiry -------------------------------------------------------------------------

def test_expired_lots_are_written_off_and_soon_expiring_ones_counted(app, make_lot, make_user,
                                                                     login):
    make_lot(50_000, program="marriott", received_on=TODAY - timedelta(400),
             expires_on=later(10))
    make_lot(80_000, program="marriott", received_on=TODAY - timedelta(10),
             expires_on=later(300))
    before = run(app, "expire_points", at(TODAY, 2))
    assert before.counts == {"lots_written_off": 0, "points_written_off": 0,
                             "lots_expiring_soon": 1, "points_expiring_soon": 50_000}
    after = run(app, "expire_points", at(later(11), 2))
    assert after.counts == {"lots_written_off": 1, "points_written_off": 50_000,
                            "lots_expiring_soon": 0, "points_expiring_soon": 0}
    again = run(app, "expire_points", at(later(12), 2))
    assert again.counts["lots_written_off"] == 0  # idempotent: written off once


# -- stale availability --------------------------------------------------------------------

def test_stale_shelters_are_counted_and_listed_for_reminders(app, create_shelter, make_user,
                                                             login):
    now = at(TODAY, 12)
    create_shelter(name="Fresh Haven", confirmed_at=(now - timedelta(hours=1)).replace(
        tzinfo=None))
    create_shelter(name="Old Numbers", confirmed_at=(now - timedelta(hours=9)).replace(
        tzinfo=None))
    create_shelter(name="Never Told")
    app.config["SCHEDULER_CLOCK"] = lambda: now
    assert run(app, "stale_availability", now).counts == {"stale": 1, "never_confirmed": 1}
    page = login(make_user(Role.ADMIN)).get("/admin/jobs/").text
    assert "Old Numbers" in page and "Never Told" in page and "Fresh Haven" not in page
    assert "stale: 1" in page


# -- retention -----------------------------------------------------------------------------

def test_case_details_are_purged_90_days_after_the_stay_and_aggregates_stay(
        app, create_shelter, create_booking, create_request, coordinator):
    shelter = create_shelter(capacity=3)
    booking = create_booking(shelter, nights=3, request=create_request(
        nights=3, avoid=[("21201", 20)], note_encrypted=b"secret"))
    service.approve(db.session, booking, coordinator.id, TODAY)
    service.confirm(db.session, booking, coordinator.id, "Ana", None, TODAY)
    service.check_in(db.session, booking, coordinator.id)
    service.check_out(db.session, booking, coordinator.id, later(3))
    turned_down = create_booking(create_shelter(name="Bay Haven"), request=booking.request)
    service.reject(db.session, turned_down, coordinator.id, "Too far from her school")
    still_pending = create_request(earliest=later(10), avoid=[("21201", 20)],
                                   note_encrypted=b"keep")
    done, waiting = booking.request, still_pending
    entry = {"id": f"R{done.id}", "lat": done.lat, "lon": done.lon,
             "avoid": [{"lat": 39.3, "lon": -76.6, "miles": 20}], "adults": 1}
    other = {"id": f"R{waiting.id}", "lat": waiting.lat, "lon": waiting.lon,
             "avoid": [{"lat": 39.3, "lon": -76.6, "miles": 20}], "adults": 1}
    db.session.add(PlanRun(time_limit=5, problem={"requests": [entry, other]}))
    app.config["RETENTION_DAYS"] = 90

    ended = later(3)  # the morning of check-out
    assert run(app, "retention", at(ended + timedelta(90), 3)).counts["requests_purged"] == 0
    purge = run(app, "retention", at(ended + timedelta(91), 3))
    assert purge.counts == {"requests_purged": 1, "plan_runs_scrubbed": 1}

    done = db.session.get(HousingRequest, done.id)
    assert (done.note_encrypted, done.location_label, done.lat, done.lon) == (
        None, None, None, None)
    assert done.danger_zones == [] and done.purged_at is not None
    assert (done.adults, done.nights, done.status) == (1, 3, RequestStatus.PLACED)
    kept = db.session.get(Booking, booking.id)
    assert (kept.nights, kept.state) == (3, BookingState.CHECKED_OUT)
    assert done.rejections == []  # the coordinator's reason was free text
    assert db.session.get(Booking, turned_down.id).reason is None
    waiting = db.session.get(HousingRequest, waiting.id)
    assert waiting.note_encrypted == b"keep" and len(waiting.danger_zones) == 1
    [plan_run] = db.session.scalars(select(PlanRun)).all()
    scrubbed, untouched = plan_run.problem["requests"]
    assert (scrubbed["lat"], scrubbed["lon"], scrubbed["avoid"]) == (None, None, [])
    assert untouched["lat"] is not None and untouched["avoid"]

    again = run(app, "retention", at(ended + timedelta(92), 3))
    assert again.counts == {"requests_purged": 0, "plan_runs_scrubbed": 0}


def test_a_request_left_pending_long_after_its_window_is_purged_too(app, create_request):
    forgotten = create_request(avoid=[("21201", 20)], note_encrypted=b"old")
    assert run(app, "retention", at(TODAY + timedelta(90), 3)).counts["requests_purged"] == 0
    assert run(app, "retention", at(TODAY + timedelta(91), 3)).counts["requests_purged"] == 1
    forgotten = db.session.get(HousingRequest, forgotten.id)
    assert forgotten.note_encrypted is None and forgotten.danger_zones == []
    assert forgotten.status is RequestStatus.PENDING


# -- re-planning ---------------------------------------------------------------------------

@pytest.fixture
def planner_app(app):
    app.config.update(PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    return app


def proposals():
    return db.session.scalars(
        select(Booking).where(Booking.state == BookingState.PROPOSED)).all()


def test_replanning_keeps_proposals_under_review_until_they_no_longer_fit(
        planner_app, create_shelter, create_request):
    shelter = create_shelter(capacity=2, location="20001")
    create_request(where="20002", max_miles=20)

    first = run(planner_app, "replan", at(TODAY, 9, 0))
    assert first.counts["pending"] == 1 and first.counts["plan_run"]
    [proposal] = proposals()
    assert proposal.shelter_id == shelter.id

    second = run(planner_app, "replan", at(TODAY, 9, 5))
    assert second.counts["withdrawn"] == 0
    assert [b.id for b in proposals()] == [proposal.id]  # the same row: still approvable

    db.session.get(type(shelter), shelter.id).policy = Policy.MEN
    third = run(planner_app, "replan", at(TODAY, 9, 10))
    assert third.counts["withdrawn"] == 1
    assert db.session.get(Booking, proposal.id).state is BookingState.CANCELLED
    assert proposals() == []
    runs = db.session.scalars(select(PlanRun)).all()
    assert len(runs) == 3 and {r.status.value for r in runs} == {"done"}


def test_a_replan_with_nothing_new_skips_the_solver_and_stores_nothing_again(
        planner_app, create_shelter, create_request, make_user, monkeypatch):
    import placement.planning.runner as runner

    create_shelter(capacity=3, location="20001")
    create_request(where="20002", max_miles=20)
    solves = []
    real_solve = runner.solve
    monkeypatch.setattr(runner, "solve", lambda *a, **k: solves.append(1) or real_solve(*a, **k))

    run(planner_app, "replan", at(TODAY, 9, 0))
    run(planner_app, "replan", at(TODAY, 9, 5))
    first, second = db.session.scalars(select(PlanRun).order_by(PlanRun.id)).all()
    assert len(solves) == 1
    assert second.solver_status == "unchanged" and second.problem is None
    assert (second.placed, second.cost) == (first.placed, first.cost) == (1, first.cost)
    assert second.input_digest == first.input_digest is not None

    create_request(where="20003", max_miles=20)  # something new: the next tick solves
    run(planner_app, "replan", at(TODAY, 9, 10))
    third = db.session.scalars(select(PlanRun).order_by(PlanRun.id.desc())).first()
    assert len(solves) == 2 and third.solver_status != "unchanged" and third.placed == 2

    # A coordinator's "Plan now" always solves, changed or not.
    with planner_app.test_request_context():
        planner_app.config["PLANNER_SYNC"] = True
        runner.start_run(make_user(Role.COORDINATOR).id, today=TODAY)
    assert len(solves) == 3


def test_replanning_with_nothing_pending_starts_no_planner_run(app):
    assert run(app, "replan", at(TODAY)).counts == {"pending": 0, "withdrawn": 0,
                                                    "plan_run": 0}
    assert db.session.scalars(select(PlanRun)).all() == []


def test_a_critical_request_starts_a_planner_run_at_once(app, make_user, login,
                                                          create_shelter):
    from tests.test_requests import form_data

    app.config.update(REPLAN_ON_CRITICAL=True, PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5,
                      PLANNER_WORKERS=1)
    create_shelter(capacity=4, location="20001", pets=True)
    client = login(make_user(Role.ADVOCATE))
    assert client.post("/requests/new", data=form_data(priority="high")).status_code == 302
    assert db.session.scalars(select(PlanRun)).all() == []
    assert client.post("/requests/new", data=form_data(file_anyway="y")).status_code == 302
    [plan_run] = db.session.scalars(select(PlanRun)).all()
    assert plan_run.status.value == "done" and plan_run.requests == 2


def test_the_jobs_page_is_for_admins(app, make_user, login):
    run(app, "expire_holds", at(TODAY))
    page = login(make_user(Role.ADMIN)).get("/admin/jobs/")
    assert page.status_code == 200
    assert "Release unconfirmed holds" in page.text and "released: 0" in page.text


# -- the guards, one at a time -------------------------------------------------------------

def test_a_process_that_cannot_get_the_lock_in_time_leaves_the_tick_to_the_holder(app):
    from placement.jobs.runner import job_lock

    app.config["SCHEDULER_LOCK_WAIT"] = 0.2
    db.session.commit()
    with job_lock("expire_holds") as held:
        assert held
        assert run_job(app, "expire_holds", at(TODAY)) is None
    assert db.session.scalars(select(JobRun)).all() == []
    assert run(app, "expire_holds", at(TODAY)) is not None


def test_a_process_waits_for_a_holder_busy_with_an_earlier_tick(app):
    """The holder may be running the previous tick and never come to this one: skipping
    would lose the tick (three processes once ran a nightly job 9 times in 10 ticks)."""
    import threading
    import time as clock

    from placement.jobs.runner import job_lock

    db.session.commit()
    locked, release = threading.Event(), threading.Event()

    def holder():
        with app.app_context(), job_lock("expire_holds"):
            locked.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    locked.wait(5)
    threading.Timer(0.3, release.set).start()
    started = clock.monotonic()
    assert run_job(app, "expire_holds", at(TODAY)) is not None
    assert clock.monotonic() - started >= 0.25
    thread.join(5)


def test_a_tick_already_recorded_is_not_run_again_even_without_the_lock(app, monkeypatch):
    from contextlib import contextmanager

    import placement.jobs.runner as runner

    @contextmanager
    def no_lock(_name):
        yield True

    monkeypatch.setattr(runner, "job_lock", no_lock)
    monkeypatch.setattr(runner, "_recorded", lambda *_: False)  # a race past the first check
    assert run(app, "expire_holds", at(TODAY)) is not None
    assert run(app, "expire_holds", at(TODAY)) is None
    assert len(db.session.scalars(select(JobRun)).all()) == 1


def test_the_in_app_scheduler_starts_with_the_first_request_and_catches_up_once(
        app, database_url, tmp_path):
    from placement import create_app

    in_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SCHEDULER_IN_APP": True,
                         "SQLALCHEMY_DATABASE_URI": database_url,
                         "INSTANCE_PATH": str(tmp_path / "in-app")})
    assert "scheduler" not in in_app.extensions  # `flask db upgrade` builds the app too
    client = in_app.test_client()
    client.get("/login")
    scheduler = in_app.extensions["scheduler"]
    client.get("/login")
    try:
        assert in_app.extensions["scheduler"] is scheduler and scheduler.running
        on = sorted(name for name, job in JOBS.items() if not job.off(in_app.config))
        assert "backup" not in on  # no BACKUP_DIR
        assert {job.id for job in scheduler.get_jobs()} >= set(on)
        deadline = time_module.monotonic() + 30
        while (len(db.session.scalars(select(JobRun)).all()) < len(on)
               and time_module.monotonic() < deadline):
            db.session.rollback()
            time_module.sleep(0.1)
        assert sorted(r.job for r in db.session.scalars(select(JobRun))) == on
    finally:
        db.session.rollback()
        scheduler.shutdown(wait=True)
        with in_app.app_context():
            db.engine.dispose()
