"""The reports' kept months (placement/reports/memo.py): a kept month is always what
counting afresh gives. The database forgets a month whenever any row the figures read of it
changes, through any path (here raw SQL, which no ORM hook sees), and on PostgreSQL a month
counted while a change to it is in flight is never kept; a change that comes while a report
keeps it waits, then forgets it. On the history of tests/test_reports_figures.py, whose
months (January to March 2026) are settled by the clock's today."""

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from test_reports_figures import FEB, JAN, MAR, Q1, history  # noqa: F401 (a fixture)

from partners.reports import months_between
from placement.extensions import db
from placement.reports import figures
from placement.reports.memo import VERSION, scope_of, settled_before
from placement.reports.models import PublishedMonth, ReportMemo
from placement.reports.upkeep import keep_settled_months
from placement.requests.models import Priority

TODAY = date(2026, 12, 3)
ZONE = "America/New_York"
BEFORE = date(2026, 1, 15)  # a today at which none of Q1 is settled: every month counted
SCOPES = [Q1, Q1.with_(state="DC"), Q1.with_(program="ihg"), Q1.with_(program="shelter"),
          Q1.with_(priority=Priority.CRITICAL)]


def every_figure(report: figures.Report) -> dict:
    return {"by_month": report.unmet_by_month(), "by_state": report.unmet_by_state(),
            "by_reason": report.unmet_by_reason(), "places": report.places_said_no(),
            "needs": report.needs_unmet(), "safety": report.time_to_safety(),
            "lengths": report.stay_lengths(), "nights": report.nights_by_month(),
            "points": report.points_per_night(), "extensions": report.extensions(),
            "no_shows": report.no_shows()}


def kept(scope: str | None = None) -> set[date]:
    query = select(ReportMemo.month)
    if scope:
        query = query.where(ReportMemo.scope == scope)
    return set(db.session.scalars(query))


def assert_kept_is_counted() -> None:
    """Every scope's report from its kept months equals the one counted afresh."""
    for f in SCOPES:
        assert every_figure(figures.Report(db.session, f, TODAY)) == every_figure(
            figures.Report(db.session, f, BEFORE)), f


@pytest.mark.usefixtures("history")
def test_settled_months_are_kept_and_read_back_alike():
    assert settled_before(TODAY) == date(2026, 11, 1)
    counted = every_figure(figures.Report(db.session, Q1, BEFORE))
    assert kept() == set()  # not settled at that today: nothing kept
    first = every_figure(figures.Report(db.session, Q1, TODAY))
    assert kept(scope_of(Q1)) == {JAN, FEB, MAR}
    assert first == counted == every_figure(figures.Report(db.session, Q1, TODAY))
    assert_kept_is_counted()
    # A range with this month and last month counts them every time, and keeps the rest.
    recent = Q1.with_(first=date(2026, 10, 1), last=date(2026, 12, 1))
    figures.Report(db.session, recent, TODAY)
    assert kept(scope_of(recent)) == {JAN, FEB, MAR, date(2026, 10, 1)}


# Each a change, in SQL (no ORM event sees it), to a row a figure reads; the months forgotten.
CHANGES = {
    "a request's priority": ("UPDATE housing_request SET priority = 'normal' WHERE id = "
                             "(SELECT min(id) FROM housing_request WHERE filed_month = :jan)",
                             {JAN}),
    "an outcome's kind": ("UPDATE request_outcome SET kind = 'placed_late' WHERE request_id IN "
                          "(SELECT id FROM housing_request WHERE filed_month = :feb)", {FEB}),
    "an outcome deleted": ("DELETE FROM request_outcome WHERE request_id IN "
                           "(SELECT id FROM housing_request WHERE filed_month = :mar)", {MAR}),
    "a stay's nights": ("UPDATE booking SET nights = nights + 4 WHERE request_id IN "
                        "(SELECT id FROM housing_request WHERE filed_month = :jan)", {JAN}),
    "a stay deleted": ("DELETE FROM booking WHERE request_id IN "
                       "(SELECT id FROM housing_request WHERE filed_month = :mar)", {MAR}),
    "an unmet need deleted": ("DELETE FROM unmet_need WHERE filed_month = :feb", {FEB}),
    "an extension": ("INSERT INTO audit_event (at, action, subject, subject_id, detail) "
                     "SELECT :at, 'extend', 'booking', min(b.id), '+6 nights' FROM booking b "
                     "JOIN housing_request h ON h.id = b.request_id "
                     "WHERE h.filed_month = :jan AND b.state = 'checked_out'", {JAN}),
    "a hotel's program": ("UPDATE hotel SET program_id = (SELECT id FROM loyalty_program "
                          "WHERE code = 'marriott') WHERE name = 'Crystal City Inn'",
                          {JAN, FEB, MAR}),
}


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_through_any_path_forgets_its_month(change):
    for f in SCOPES:
        figures.Report(db.session, f, TODAY)
    assert kept(scope_of(Q1)) == {JAN, FEB, MAR}
    statement, forgotten = CHANGES[change]
    db.session.execute(text(statement), {"jan": JAN, "feb": FEB, "mar": MAR,
                                         "at": TODAY})
    assert kept(scope_of(Q1)) == {JAN, FEB, MAR} - forgotten
    assert_kept_is_counted()  # counts the forgotten months again, and keeps them
    assert kept(scope_of(Q1)) == {JAN, FEB, MAR}


@pytest.mark.usefixtures("history")
def test_the_nightly_job_keeps_the_nations_scopes_and_drops_old_versions():
    db.session.add(ReportMemo(month=JAN, scope=f"v{VERSION - 1}|*|*|*|*", parts={}))
    db.session.flush()
    counts = keep_settled_months(db.session, TODAY, ZONE)
    # The nation, each priority, shelters and each program, the hotline: 120 months each;
    # the exports' months published from the first with requests (December 2025) to the
    # last an export shows (October 2026).
    programs = db.session.scalar(text("SELECT count(*) FROM loyalty_program"))
    scopes = 1 + 3 + 1 + programs + 1
    assert counts == {"scopes": scopes, "months_kept": scopes * 120, "old_rows_deleted": 1,
                      "months_published": 11}
    assert db.session.scalar(select(func.min(ReportMemo.month))) == date(2016, 11, 1)
    assert db.session.scalar(select(func.max(ReportMemo.month))) == date(2026, 10, 1)
    assert set(db.session.scalars(select(PublishedMonth.month))) == set(
        months_between(date(2025, 12, 1), date(2026, 10, 1)))
    again = keep_settled_months(db.session, TODAY, ZONE)
    assert (again["months_kept"], again["months_published"]) == (0, 0)


@pytest.fixture
def committed_history(request, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race is PostgreSQL's")
    request.getfixturevalue("history")
    db.session.commit()


@pytest.fixture
def other_writer(app):
    """A second connection, as another coordinator's; given up whatever the test's end."""
    connection = db.engine.connect()
    connection.execute(text("SET lock_timeout = '300ms'"))
    yield connection
    connection.rollback()
    connection.close()
    db.session.rollback()


NIGHTS_IN_JANUARY = ("UPDATE booking SET nights = nights + 1 WHERE request_id IN "
                     "(SELECT id FROM housing_request WHERE filed_month = :jan)")


def test_a_month_counted_while_a_change_is_in_flight_is_not_kept(committed_history,
                                                                  other_writer):
    writer = other_writer
    writer.execute(text(NIGHTS_IN_JANUARY), {"jan": JAN})  # not committed yet
    figures.Report(db.session, Q1, TODAY)
    assert kept(scope_of(Q1)) == {FEB, MAR}  # January counted without it, so not kept
    db.session.commit()
    writer.commit()
    assert_kept_is_counted()


def test_a_change_waits_for_the_report_keeping_its_month_then_forgets_it(committed_history,
                                                                          other_writer):
    figures.Report(db.session, Q1, TODAY)  # keeps January: its lock is held till commit
    writer = other_writer
    with pytest.raises(OperationalError, match="lock timeout"):
        writer.execute(text(NIGHTS_IN_JANUARY), {"jan": JAN})
    writer.rollback()
    db.session.commit()
    writer.execute(text(NIGHTS_IN_JANUARY), {"jan": JAN})
    writer.commit()
    assert kept(scope_of(Q1)) == {FEB, MAR}
    assert_kept_is_counted()


def test_every_table_the_figures_read_has_its_triggers(app, backend):
    """A later migration that rebuilds one of these tables (SQLite's batch mode copies a
    table to alter it, and the copy has no triggers) must create them again."""
    if backend == "postgresql":
        names = db.session.scalars(text(
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'report_memo_%'")).all()
    else:
        names = db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'report_memo_%'")).all()
    tables = ("housing_request", "unmet_need", "booking", "request_outcome", "audit_event")
    expected = {f"report_memo_{t}_{e}" for t in tables for e in ("insert", "update", "delete")}
    every = ("hotel", "loyalty_program", "organization")
    expected |= ({f"report_memo_{t}_all" for t in every} if backend == "postgresql" else
                 {f"report_memo_{t}_{e}" for t in every for e in ("update", "delete")})
    assert set(names) == expected


@pytest.mark.usefixtures("history")
def test_one_figure_alone_counts_its_own_rows_and_keeps_nothing():
    """The exports' times to safety count only those where a month is not kept, and keep
    nothing (a kept month holds every kind of part); they read kept months all the same."""
    alone = figures.time_to_safety(db.session, Q1)
    assert kept() == set()
    assert alone == figures.Report(db.session, Q1, BEFORE).time_to_safety()
    figures.Report(db.session, Q1, TODAY)
    assert kept(scope_of(Q1)) == {JAN, FEB, MAR}
    assert figures.time_to_safety(db.session, Q1) == alone
