"""The reports' figures (placement/reports/figures.py) on a small history where each one is
counted by hand, on SQLite and PostgreSQL alike, and who may see the page.

The history, filed January to March 2026 (and one request in December 2025, outside):

| req | month | state | priority | outcome | why | stays |
|---|---|---|---|---|---|---|
| R1 | Jan | DC | critical | on time | | Harbor House, 3 nights, checked out |
| R2 | Jan | DC | critical | on time | | Crystal City Inn (IHG), 2 nights, out, extended twice |
| R3 | Jan | GA | high | late | planner.full_alone | the inn said no bed; Harbor House, 5 nights |
| R9 | Jan | DC | critical | not placed | hold_expired | Harbor House, hold expired, extended |
| R4 | Feb | GA | normal | not placed | planner.needs (no ID, Spanish) | none |
| R5 | Feb | DC | critical | not placed | declined.no_bed | Harbor House said no bed |
| R6 | Mar | none | high | not placed | no_show | Marriott hotel, no-show |
| R7 | Mar | DC | normal | not decided | | none |
| R8 | Dec 2025 | DC | critical | on time | | Harbor House (outside the months) |

Minutes from filing: R1 approved 60, confirmed 120, checked in 300; R2 30, 90, 600; R9
approved 90; R3 approved 120, confirmed 240, checked in 1440.
"""

from datetime import date, datetime, timedelta

import pytest

from partners.needs import ensure_vocabulary
from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.bookings.outcomes import record_outcome
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.reports import figures
from placement.reports.filters import BadFilter, Filters, parse_filters
from placement.requests.models import Priority
from placement.requests.outcomes import OutcomeKind, RequestOutcome

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
Q1 = Filters(JAN, MAR)
S = BookingState


@pytest.fixture
def history(create_request, create_booking, create_shelter, create_hotel):
    harbor = create_shelter()  # "Harbor House"
    inn = create_hotel()  # "Crystal City Inn", IHG
    marriott = create_hotel(name="Bonvoy Suites", program="marriott")
    needs = ensure_vocabulary(db.session)

    def request(month, state, priority, day, minutes=None, outcome=None, reason=None, **kw):
        filed = datetime(month.year, month.month, day, 15, 0)
        r = create_request(priority=priority, earliest=filed.date(), **kw)
        r.created_at, r.filed_month, r.us_state = filed, month, state
        for step, after in (minutes or {}).items():
            setattr(r, f"{step}_at", filed + timedelta(minutes=after))
        if outcome:
            db.session.add(RequestOutcome(request_id=r.id, kind=outcome, reason=reason,
                                          decided_at=filed + timedelta(days=5)))
        return r

    def stay(place, r, state, nights=3, **kw):
        return create_booking(place, r, check_in=r.earliest, nights=nights, state=state, **kw)

    def extended(booking, *details):
        for detail in details:
            db.session.add(AuditEvent(action="extend", subject="booking",
                                      subject_id=booking.id, detail=detail))

    on_time, late, unplaced = (OutcomeKind.PLACED_ON_TIME, OutcomeKind.PLACED_LATE,
                               OutcomeKind.UNPLACED)
    crit, high, normal = Priority.CRITICAL, Priority.HIGH, Priority.NORMAL
    r1 = request(JAN, "DC", crit, 5, {"approved": 60, "confirmed": 120, "checked_in": 300},
                 on_time)
    stay(harbor, r1, S.CHECKED_OUT, 3)
    r2 = request(JAN, "DC", crit, 10, {"approved": 30, "confirmed": 90, "checked_in": 600},
                 on_time)
    extended(stay(inn, r2, S.CHECKED_OUT, 2, points_planned=50_000, points_charged=40_000),
             "+2 nights", "+1 nights")
    r3 = request(JAN, "GA", high, 20, {"approved": 120, "confirmed": 240, "checked_in": 1440},
                 late, "planner.full_alone")
    stay(inn, r3, S.CANCELLED, reason_code="no_bed")
    stay(harbor, r3, S.CHECKED_OUT, 5)
    r9 = request(JAN, "DC", crit, 25, {"approved": 90}, unplaced, "hold_expired")
    extended(stay(harbor, r9, S.HOLD_EXPIRED), "+4 nights")  # never arrived: not counted
    r4 = request(FEB, "GA", normal, 3, wait_reason_code="planner.needs")
    r4.needs = {needs["no-id"], needs["lang:es"]}
    db.session.flush()
    assert record_outcome(db.session, r4, datetime(2026, 2, 20)).reason == "planner.needs"
    r5 = request(FEB, "DC", crit, 4, {"approved": 15}, unplaced, "declined.no_bed")
    stay(harbor, r5, S.CANCELLED, reason_code="no_bed")
    r6 = request(MAR, None, high, 2, {"approved": 10, "confirmed": 20}, unplaced, "no_show")
    stay(marriott, r6, S.NO_SHOW)
    request(MAR, "DC", normal, 9)  # R7: not decided yet
    r8 = request(date(2025, 12, 1), "DC", crit, 30, {"approved": 5, "checked_in": 60}, on_time)
    stay(harbor, r8, S.CHECKED_OUT, 7)
    db.session.flush()
    return {"harbor": harbor, "inn": inn}


def rows(table: figures.Table) -> dict:
    return {row.key: row.values for row in table.rows}


def test_what_became_of_the_requests_by_month_reason_and_state(history):
    assert rows(figures.unmet_by_month(db.session, Q1)) == {
        "2026-01": (4, 2, 1, 1, 0), "2026-02": (2, 0, 0, 2, 0), "2026-03": (2, 0, 0, 1, 1)}
    assert rows(figures.unmet_by_reason(db.session, Q1)) == {
        "declined.no_bed": (1, 0), "hold_expired": (1, 0), "no_show": (1, 0),
        "planner.full_alone": (0, 1), "planner.needs": (1, 0)}
    by_state = figures.unmet_by_state(db.session, Q1)
    assert [(row.label, row.values) for row in by_state.rows] == [
        ("District of Columbia", (5, 2, 0, 2, 1)), ("Georgia", (2, 0, 1, 1, 0)),
        ("No state recorded", (1, 0, 0, 1, 0))]
    assert figures.demand_by_state(db.session, Q1) == {"DC": (5, 2), "GA": (2, 2)}


def test_each_filter_narrows_the_requests(history):
    months = figures.unmet_by_month
    assert rows(months(db.session, Q1.with_(state="GA")))["2026-01"] == (1, 0, 1, 0, 0)
    assert rows(months(db.session, Q1.with_(priority=Priority.CRITICAL))) == {
        "2026-01": (3, 2, 0, 1, 0), "2026-02": (1, 0, 0, 1, 0), "2026-03": (0, 0, 0, 0, 0)}
    # A request counts under a program when a stay of it was proposed there.
    assert rows(months(db.session, Q1.with_(program="shelter"))) == {
        "2026-01": (3, 1, 1, 1, 0), "2026-02": (1, 0, 0, 1, 0), "2026-03": (0, 0, 0, 0, 0)}
    assert rows(months(db.session, Q1.with_(program="ihg")))["2026-01"] == (2, 1, 1, 0, 0)
    assert rows(months(db.session, Filters(FEB, FEB))) == {"2026-02": (2, 0, 0, 2, 0)}


def test_places_that_said_no_bed_and_needs_no_place_offered(history):
    places = figures.places_said_no(db.session, Q1)
    assert [(row.key, row.label, row.values) for row in places.rows] == [
        (f"hotel-{history['inn'].id}", "Crystal City Inn (hotel, VA)", (1,)),
        (f"shelter-{history['harbor'].id}", "Harbor House (shelter, DC)", (1,))]
    assert rows(figures.needs_unmet(db.session, Q1)) == {"lang:es": (1,), "no-id": (1,)}
    assert rows(figures.needs_unmet(db.session, Q1.with_(state="DC"))) == {}
    assert rows(figures.needs_unmet(db.session, Filters(JAN, JAN))) == {}


def test_time_to_safety_medians_and_90th_percentiles(history):
    safety = figures.time_to_safety(db.session, Q1)
    jan = dict(zip([c.key for c in safety["approved"].columns],
                   rows(safety["approved"])["2026-01"], strict=True))
    # Critical in January: 30, 60 and 90 minutes; the 90th percentile lies 80% of the way
    # from the 2nd to the 3rd (percentile_cont): 60 + 0.8 * 30.
    assert (jan["critical_count"], jan["critical_median"], jan["critical_p90"]) == (3, 60, 84)
    assert (jan["high_count"], jan["high_median"], jan["high_p90"]) == (1, 120, 120)
    assert (jan["normal_count"], jan["normal_median"]) == (0, None)
    assert rows(safety["confirmed"])["2026-01"][:3] == (2, 105, 117)  # 90, 120
    assert rows(safety["checked_in"])["2026-01"][:3] == (2, 450, 570)  # 300, 600
    assert rows(safety["approved"])["2026-03"][3:6] == (1, 10, 10)  # high: R6
    only_high = figures.time_to_safety(db.session, Q1.with_(priority=Priority.HIGH))
    assert rows(only_high["checked_in"])["2026-01"] == (1, 1440, 1440)


def test_stays_lengths_nights_points_extensions_and_no_shows(history):
    lengths = rows(figures.stay_lengths(db.session, Q1))
    assert {k: v for k, v in lengths.items() if v != (0, 0)} == {
        "2": (0, 1), "3": (1, 0), "5": (1, 0)}
    assert rows(figures.nights_by_month(db.session, Q1)) == {
        "2026-01": (8, 2), "2026-02": (0, 0), "2026-03": (0, 0)}
    assert rows(figures.points_per_night(db.session, Q1)) == {"ihg": (1, 2, 40_000, 20_000)}
    assert rows(figures.extensions(db.session, Q1)) == {
        "shelter": (2, 0, 0, 0), "hotel": (1, 1, 2, 3)}
    assert rows(figures.no_shows(db.session, Q1)) == {
        "2026-01": (3, 0), "2026-02": (0, 0), "2026-03": (1, 1)}
    hotels = Q1.with_(program="ihg")
    assert rows(figures.nights_by_month(db.session, hotels))["2026-01"] == (0, 2)
    assert rows(figures.no_shows(db.session, hotels))["2026-01"] == (1, 0)


def test_filters_are_whole_months_and_known_values():
    today = date(2026, 12, 2)
    parsed = parse_filters({"from": "2026-03-17", "to": "2026-05", "state": "ga",
                            "program": "ihg", "priority": "high"}, today, ["ihg"])
    assert parsed == Filters(MAR, date(2026, 5, 1), "GA", "ihg", Priority.HIGH)
    assert parse_filters({}, today, []) == Filters(JAN, date(2026, 12, 1))
    for args, words in [({"from": "2026-13"}, "year and a month"),
                        ({"from": "2026-99999999999999999999"}, "year and a month"),
                        ({"to": "\u0661\u0662\u0663\u0664-01"}, "year and a month"),
                        ({"from": "2026-05", "to": "2026-03"}, "after the last"),
                        ({"from": "2000-01", "to": "2026-01"}, "at most 120 months"),
                        ({"state": "ZZ"}, "state"), ({"program": "hilton"}, "program"),
                        ({"priority": "urgent"}, "priority")]:
        with pytest.raises(BadFilter, match=words):
            parse_filters(args, today, ["ihg"])


@pytest.mark.parametrize("role, status", [(Role.COORDINATOR, 200), (Role.ADMIN, 200),
                                          (Role.ADVOCATE, 403), (Role.DONOR, 403)])
def test_only_coordinators_and_admins_see_the_reports(make_user, login, role, status):
    assert login(make_user(role)).get("/reports/").status_code == status


def test_the_page_shows_the_figures_and_refuses_a_bad_filter(history, make_user, login):
    client = login(make_user(Role.COORDINATOR))
    page = client.get("/reports/?from=2026-01&to=2026-03&state=all&program=all&priority=all")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "<strong>8</strong> requests filed from January 2026 to March 2026" in text
    assert "2 placed on time, 1 placed late," in text
    assert "Crystal City Inn (hotel, VA)" in text and "7 h 30 min" in text  # 450 minutes
    refused = client.get("/reports/?from=2026-03&to=2026-01")
    assert refused.status_code == 400
    assert "The first month is after the last one" in refused.text


def test_the_organization_filter_counts_the_requests_each_organization_filed(
        history, make_org, make_user, login):
    """R3 and R4 filed by a partner agency; R5 by the hotline's own case system (an
    organization of the hotline's kind); the rest by the hotline's advocates (none)."""
    from sqlalchemy import select

    from partners.organizations import OrganizationKind
    from placement.requests.models import HousingRequest

    def filed(month, state, priority):
        return db.session.scalar(select(HousingRequest).where(
            HousingRequest.filed_month == month, HousingRequest.us_state == state,
            HousingRequest.priority == priority))

    agency = make_org("Agency A")
    crm = make_org("Hotline CRM", OrganizationKind.HOTLINE)
    filed(JAN, "GA", Priority.HIGH).organization_id = agency.id
    filed(FEB, "GA", Priority.NORMAL).organization_id = agency.id
    filed(FEB, "DC", Priority.CRITICAL).organization_id = crm.id
    db.session.flush()
    months = figures.unmet_by_month
    assert rows(months(db.session, Q1.with_(organization=str(agency.id)))) == {
        "2026-01": (1, 0, 1, 0, 0), "2026-02": (1, 0, 0, 1, 0), "2026-03": (0, 0, 0, 0, 0)}
    assert rows(months(db.session, Q1.with_(organization="hotline"))) == {
        "2026-01": (3, 2, 0, 1, 0), "2026-02": (1, 0, 0, 1, 0), "2026-03": (2, 0, 0, 1, 1)}
    # The stays follow their requests: R3's five shelter nights are the agency's.
    assert rows(figures.stay_lengths(db.session, Q1.with_(organization=str(agency.id)))) \
        .get("5") == (1, 0)

    args = {"organization": str(agency.id)}
    assert parse_filters(args, MAR, [], [str(agency.id)]).organization == str(agency.id)
    with pytest.raises(BadFilter, match="organization"):
        parse_filters({"organization": "999999"}, MAR, [], [str(agency.id)])
    assert parse_filters({"organization": "999999"}, MAR, []).organization is None  # not here

    client = login(make_user(Role.COORDINATOR))
    page = client.get(f"/reports/?from=2026-01&to=2026-03&organization={agency.id}")
    text = " ".join(page.text.split())
    assert page.status_code == 200
    assert "<strong>2</strong> requests filed from January 2026 to March 2026" in text
    assert "filed by Agency A" in text
    assert client.get("/reports/?organization=nobody").status_code == 400
