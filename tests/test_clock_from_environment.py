"""A clock moved by a setting, for processes a test starts (tests/test_multi_host.py): every
process reads it the same way, the scheduler fires its jobs by it, and production refuses
it unless told that this is a test."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from placement import create_app
from placement.config import ConfigError, from_environment
from placement.jobs.scheduler import add_jobs
from placement.jobs.triggers import Daily, Every, Shifted

HOUR = timedelta(hours=1)


@pytest.fixture
def environment(monkeypatch):
    for name in ("SHELTER_BRIDGE_CLOCK_OFFSET", "SHELTER_BRIDGE_TESTING", "SHELTER_BRIDGE_ENV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def settings(tmp_path, **overrides) -> dict:
    return from_environment(str(tmp_path), {"SECRET_KEY": "unused", "NOTE_KEYS": "unused",
                                            **overrides})


def test_without_the_setting_the_clock_is_the_system_clock(environment, tmp_path):
    assert settings(tmp_path)["SCHEDULER_CLOCK"] is None


def test_an_offset_in_seconds_moves_the_clock(environment, tmp_path):
    environment.setenv("SHELTER_BRIDGE_CLOCK_OFFSET", "-3600")
    clock = settings(tmp_path)["SCHEDULER_CLOCK"]
    assert clock.offset == -HOUR
    assert abs(clock() - (datetime.now(UTC) - HOUR)) < timedelta(seconds=5)


def test_a_test_config_still_injects_its_own_clock(environment, tmp_path):
    environment.setenv("SHELTER_BRIDGE_CLOCK_OFFSET", "60")

    def frozen():
        return datetime(2026, 12, 2, tzinfo=UTC)

    assert settings(tmp_path, SCHEDULER_CLOCK=frozen)["SCHEDULER_CLOCK"] is frozen


def test_production_refuses_a_moved_clock_unless_told_it_is_a_test(environment, tmp_path):
    environment.setenv("SHELTER_BRIDGE_ENV", "production")
    environment.setenv("SHELTER_BRIDGE_CLOCK_OFFSET", "86400")
    with pytest.raises(ConfigError, match="SHELTER_BRIDGE_TESTING"):
        settings(tmp_path)
    environment.setenv("SHELTER_BRIDGE_TESTING", "1")
    assert settings(tmp_path)["SCHEDULER_CLOCK"].offset == timedelta(days=1)


@pytest.mark.parametrize("value", ["tomorrow", "1e400", "nan", ""])
def test_an_offset_that_is_not_a_number_of_seconds_is_refused(environment, tmp_path, value):
    environment.setenv("SHELTER_BRIDGE_CLOCK_OFFSET", value)
    if value == "":  # an empty setting is no setting
        assert settings(tmp_path)["SCHEDULER_CLOCK"] is None
        return
    with pytest.raises(ConfigError, match="SHELTER_BRIDGE_CLOCK_OFFSET"):
        settings(tmp_path)


def test_a_shifted_trigger_fires_when_the_moved_clock_reaches_a_fire_time():
    offset = timedelta(hours=3, seconds=20)  # the moved clock reads 3 h 20 s ahead
    real_now = datetime(2026, 12, 2, 2, 0, 0, tzinfo=UTC)
    every = Shifted(Every(5).apscheduler(), offset)
    # Moved: 05:00:20; its next five-minute mark is 05:05:00, 4 min 40 s from now.
    assert every.get_next_fire_time(None, real_now) == real_now + timedelta(minutes=4,
                                                                            seconds=40)
    rollover = Shifted(Daily(time(0, 15), "America/New_York").apscheduler(), offset)
    # Moved: 00:00:20 in New York (05:00:20 UTC); the roll-over is 14 min 40 s away.
    fire = rollover.get_next_fire_time(None, real_now)
    assert fire == real_now + timedelta(minutes=14, seconds=40)
    again = rollover.get_next_fire_time(fire, fire)
    assert again - fire == timedelta(days=1)


def test_a_scheduler_on_a_moved_clock_fires_its_jobs_by_that_clock(environment, tmp_path):
    environment.setenv("SHELTER_BRIDGE_CLOCK_OFFSET", str(12 * 3600 + 7))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    scheduler = add_jobs(app, BackgroundScheduler(timezone=UTC))
    real_now = datetime.now(UTC)
    fire = scheduler.get_job("rollover").trigger.get_next_fire_time(None, real_now)
    moved = fire + app.config["SCHEDULER_CLOCK"].offset
    local = moved.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute, local.second) == (0, 15, 0)


def test_an_injected_clock_without_an_offset_leaves_the_triggers_alone(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SCHEDULER_CLOCK": lambda: datetime(2026, 12, 2, tzinfo=UTC)})
    scheduler = add_jobs(app, BackgroundScheduler(timezone=UTC))
    assert not isinstance(scheduler.get_job("replan").trigger, Shifted)


def test_what_day_it_is_where_the_person_is_follows_the_app_clock(tmp_path):
    """"Tonight" on the form, the tape chart's first day and the planner's first night ask
    local_today() without a moment: it must read the app's clock (a moved or injected one),
    not the machine's, or a process on a moved clock files for the wrong night."""
    from placement.requests.service import local_today

    def frozen():  # 03:30 UTC on Dec 2 is still Dec 1 evening in New York
        return datetime(2030, 12, 2, 3, 30, tzinfo=UTC)

    app = create_app({"TESTING": True, "SECRET_KEY": "unused", "NOTE_KEYS": None,
                      "INSTANCE_PATH": str(tmp_path), "SCHEDULER_CLOCK": frozen,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/clock.db"})
    with app.app_context():
        assert local_today("America/New_York").isoformat() == "2030-12-01"
        assert local_today(None).isoformat() == "2030-12-02"
    # Outside an app (the optimizer's tools, a script) the machine's clock still answers.
    assert abs((local_today(None) - datetime.now(UTC).date()).days) <= 1
