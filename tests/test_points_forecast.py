"""When each program runs dry: the projection checked against ledgers computed by hand."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.base import utcnow
from partners.forecast import LotState, daily_amounts, program_outlook, project
from partners.ledger import hold_points, spend_hold
from placement.extensions import db

DAY = date(2027, 1, 10)


def lot(lot_id, available, expires_in, received_in=0):
    return LotState(lot_id, available, DAY + timedelta(days=received_in),
                    DAY + timedelta(days=expires_in))


def test_the_daily_amounts_add_up_to_the_pace_without_drift():
    assert daily_amounts(2.5, 4) == [2, 3, 3, 2]  # exact in sum: 10
    assert sum(daily_amounts(1000 / 3, 90)) == 30_000


def test_spending_draws_the_soonest_expiring_lot_and_the_balance_runs_out_on_time():
    # 1,000 a day; A (3,000, lapses in 10 days) goes first, then B (2,500).
    p = project([lot(2, 2_500, 60), lot(1, 3_000, 10)], 1_000, DAY, days=8)
    assert p.balance == [4_500, 3_500, 2_500, 1_500, 500, 0, 0, 0]
    assert p.run_out == DAY + timedelta(days=5) and p.lapses == []


def test_what_the_pace_leaves_in_a_lot_lapses_at_the_end_of_its_expiry_day():
    # 100 a day; A (1,000) lapses at the end of day 3 with 600 left; B is drawn from then on.
    p = project([lot(1, 1_000, 3), lot(2, 500, 90)], 100, DAY, days=6)
    assert p.balance == [1_400, 1_300, 1_200, 500, 400, 300]
    assert [(x.lot_id, x.expires_on, x.points) for x in p.lapses] == [
        (1, DAY + timedelta(days=3), 600)]
    assert p.run_out is None


def test_a_gift_counts_from_the_day_it_is_received_and_no_spending_never_runs_out():
    p = project([lot(1, 200, 30), lot(2, 5_000, 60, received_in=2)], 100, DAY, days=4)
    assert p.balance == [100, 0, 4_900, 4_800]  # the gift pays its own first day
    assert p.run_out == DAY + timedelta(days=1)  # dry for a day before the gift arrives
    idle = project([lot(1, 200, 2)], 0, DAY, days=4)
    assert idle.run_out is None and idle.balance == [200, 200, 0, 0]
    assert [x.points for x in idle.lapses] == [200]


def test_the_outlook_reads_the_ledger_pace_and_lots(app, make_lot):
    today = utcnow().date()
    soon = make_lot(10_000, received_on=today - timedelta(days=5),
                    expires_on=today + timedelta(days=20))
    make_lot(50_000, received_on=today - timedelta(days=5), expires_on=today + timedelta(days=400))
    program_id = soon.program_id
    # 9,000 points spent today (a stay that ended): the 30-day pace is 300 a day.
    hold_points(db.session, program_id, 9_000, "bk-forecast", today)
    spend_hold(db.session, "bk-forecast", nights=3, persons=1)
    db.session.commit()
    outlook = program_outlook(db.session, program_id, today)
    assert outlook.paces == {30: 300.0, 90: 100.0}
    # 51,000 left (the 10,000 lot gave 9,000): at 300 a day, 1,000 in the first lot and
    # 50,000 in the second last 170 days; at 100 a day, the first lot's 1,000 lasts 10
    # days, then 50,000 would last 500 days, but the lot lapses in 400 with 10,900 left.
    assert outlook.projections[30].balance[0] == 51_000 - 300
    assert outlook.run_outs[30] == today + timedelta(days=169)
    assert outlook.run_outs[90] == today + timedelta(days=400)  # dry when the lot lapses
    assert outlook.at_risk == []  # nothing lapses within the 90 days shown


@pytest.mark.parametrize("pace", [0, 1, 333.3, 5_000])
def test_points_are_never_created_the_balance_only_falls_between_gifts(pace):
    lots = [lot(1, 4_000, 5), lot(2, 7_000, 40), lot(3, 1_000, 80, received_in=30)]
    p = project(lots, pace, DAY, days=90)
    spent = sum(daily_amounts(pace, 90))
    lapsed = sum(x.points for x in p.lapses)
    assert p.balance[-1] >= 12_000 - spent - lapsed
    for before, after, day in zip(p.balance, p.balance[1:], p.days[1:], strict=False):
        assert after <= before or day == DAY + timedelta(days=30)


def test_a_coordinator_sees_the_forecast_on_the_program_page_and_the_points_page(
        app, make_lot, make_user, login):
    from placement.auth.models import Role

    today = utcnow().date()
    lapsing = make_lot(20_000, received_on=today - timedelta(days=3),
                       expires_on=today + timedelta(days=10))
    hold_points(db.session, lapsing.program_id, 3_000, "bk-page", today)
    spend_hold(db.session, "bk-page", nights=1, persons=1)
    db.session.commit()
    client = login(make_user(Role.COORDINATOR))
    page = client.get(f"/places/programs/{lapsing.program_id}").text
    assert "When the points run out" in page and "<svg" in page and "<polyline" in page
    # 17,000 left, lapsing at the end of its 11th day: at the 30-day pace (100 a day) 15,900
    # of it, at the 90-day pace (33⅓ a day, the slower) 16,633: the lot at risk, first.
    assert "runs out" in page and "16,633" in page
    assert "The figures, week by week" in page
    overview = client.get("/points").text
    assert "At the last 30 days' pace" in overview and "Runs out" in overview


def _day_by_day(lots, pace, today, days):
    """The projection written the plain way (every lot looked at every day): the reference
    the heap-driven `project` must agree with."""
    left = {x.lot_id: x.available for x in lots}
    by_expiry = sorted(lots, key=lambda x: (x.expires_on, x.received_on, x.lot_id))
    balance, lapses, run_out = [], [], None
    for offset, amount in enumerate(daily_amounts(pace, days)):
        day = today + timedelta(days=offset)
        for x in [x for x in by_expiry
                  if x.received_on <= day <= x.expires_on and left[x.lot_id] > 0]:
            taken = min(amount, left[x.lot_id])
            left[x.lot_id] -= taken
            amount -= taken
        for x in by_expiry:
            if x.expires_on == day and left[x.lot_id]:
                lapses.append((x.lot_id, day, left[x.lot_id]))
                left[x.lot_id] = 0
        total = sum(left[x.lot_id] for x in by_expiry if x.received_on <= day)
        balance.append(total)
        if run_out is None and pace > 0 and total == 0:
            run_out = day
    return balance, lapses, run_out


lots_strategy = st.lists(st.tuples(st.integers(0, 5_000), st.integers(-3, 60),
                                   st.integers(-5, 40)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(lots_strategy, st.sampled_from([0, 1, 7.5, 120, 333.3, 2_000]))
def test_the_fast_projection_agrees_with_the_plain_day_by_day_one(raw, pace):
    lots = [LotState(i, available, DAY + timedelta(days=received), DAY + timedelta(days=expires))
            for i, (available, expires, received) in enumerate(raw)]
    p = project(lots, pace, DAY, days=70)
    balance, lapses, run_out = _day_by_day(lots, pace, DAY, 70)
    assert p.balance == balance
    assert [(x.lot_id, x.expires_on, x.points) for x in p.lapses] == lapses
    assert p.run_out == run_out
