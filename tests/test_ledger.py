from datetime import date

import pytest
from sqlalchemy import func, select

from partners import ledger
from partners.ledger import (
    IdempotencyConflict,
    InsufficientPoints,
    LedgerError,
    default_expiry,
    donate,
    expire_lots,
    hold_points,
    lots_expiring_soon,
    program_balances,
    release_hold,
    set_hold,
    spend_hold,
)
from partners.points import Account, LedgerEntry, LedgerTransaction
from placement.extensions import db
from tests.points_factories import TODAY


def balances(program):
    return program_balances(db.session, program.id)


def test_a_donation_makes_its_points_available(make_lot):
    lot = make_lot(50_000)
    assert balances(lot.program) == ledger.Balances(available=50_000)


def test_every_posting_is_balanced(make_lot, make_program):
    lot = make_lot(50_000)
    hold_points(db.session, lot.program_id, 20_000, "b1", TODAY)
    release_hold(db.session, "b1", 5_000)
    spend_hold(db.session, "b1", nights=3, persons=2)
    expire_lots(db.session, date(2030, 1, 1))
    sums = db.session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.transaction_id)
    ).all()
    assert len(sums) == 5 and all(total == 0 for _txn, total in sums)


def test_holds_draw_from_the_soonest_expiring_lots_first(make_lot, make_donor):
    late = make_lot(30_000, expires_on=date(2028, 1, 1))
    soon = make_lot(10_000, expires_on=date(2027, 1, 1))
    middle = make_lot(10_000, expires_on=date(2027, 6, 1))
    hold_points(db.session, late.program_id, 15_000, "stay-1", TODAY)
    held = ledger.held_for(db.session, "stay-1")
    assert held == {soon.id: 10_000, middle.id: 5_000}
    assert late.id not in held


def test_expired_lots_are_never_drawn(make_lot):
    make_lot(10_000, expires_on=date(2026, 11, 30))
    fresh = make_lot(10_000, expires_on=date(2027, 11, 30))
    hold_points(db.session, fresh.program_id, 5_000, "stay-1", TODAY)
    assert ledger.held_for(db.session, "stay-1") == {fresh.id: 5_000}
    message = "has 5,000 points available; this stay needs 6,000"
    with pytest.raises(InsufficientPoints, match=message):
        hold_points(db.session, fresh.program_id, 6_000, "stay-2", TODAY)


def test_a_gift_recorded_ahead_of_its_transfer_is_not_spent_before_it_arrives(make_lot):
    pledged = make_lot(10_000, received_on=date(2026, 12, 15))
    assert ledger.available_points(db.session, pledged.program_id, TODAY) == 0
    with pytest.raises(InsufficientPoints):
        hold_points(db.session, pledged.program_id, 5_000, "stay-1", TODAY)
    assert ledger.available_points(db.session, pledged.program_id, date(2026, 12, 15)) == 10_000


def test_a_hold_that_cannot_be_paid_changes_nothing(make_lot):
    lot = make_lot(10_000)
    before = db.session.scalar(select(func.count(LedgerEntry.id)))
    with pytest.raises(InsufficientPoints, match="Marriott Bonvoy has 10,000 points available"):
        hold_points(db.session, lot.program_id, 10_001, "stay-1", TODAY)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == before
    assert balances(lot.program).available == 10_000


def test_points_of_one_program_never_pay_for_another(make_lot):
    marriott = make_lot(100_000, program="marriott")
    ihg = make_lot(1_000, program="ihg")
    with pytest.raises(InsufficientPoints):
        hold_points(db.session, ihg.program_id, 5_000, "stay-1", TODAY)
    assert balances(marriott.program).available == 100_000


def test_cancelling_returns_every_held_point_to_its_lot(make_lot):
    first = make_lot(10_000, expires_on=date(2027, 1, 1))
    second = make_lot(10_000, expires_on=date(2027, 2, 1))
    hold_points(db.session, first.program_id, 15_000, "stay-1", TODAY)
    release_hold(db.session, "stay-1")
    assert ledger.held_for(db.session, "stay-1") == {}
    lots = ledger.lot_balances(db.session, [first.id, second.id])
    assert lots[first.id].available == lots[second.id].available == 10_000


def test_the_hold_follows_the_points_actually_charged(make_lot):
    soon = make_lot(10_000, expires_on=date(2027, 1, 1))
    late = make_lot(10_000, expires_on=date(2027, 6, 1))
    hold_points(db.session, soon.program_id, 15_000, "stay-1", TODAY)
    set_hold(db.session, soon.program_id, "stay-1", 8_000, TODAY)  # the 5th night was free
    assert ledger.held_for(db.session, "stay-1") == {soon.id: 8_000}
    set_hold(db.session, soon.program_id, "stay-1", 12_000, TODAY)  # extended
    assert sum(ledger.held_for(db.session, "stay-1").values()) == 12_000
    assert balances(late.program).held == 12_000


def test_the_end_of_a_stay_spends_its_hold_with_the_facts_donors_see(make_lot):
    lot = make_lot(50_000)
    hold_points(db.session, lot.program_id, 30_000, "stay-1", TODAY)
    txn = spend_hold(db.session, "stay-1", nights=3, persons=4)
    assert (txn.nights, txn.persons) == (3, 4)
    assert balances(lot.program) == ledger.Balances(available=20_000, spent=30_000)
    assert spend_hold(db.session, "stay-1", nights=3, persons=4) is None  # nothing left held


def test_a_retried_request_never_posts_twice(make_lot):
    lot = make_lot(50_000)
    first = hold_points(db.session, lot.program_id, 10_000, "stay-1", TODAY, idempotency_key="k1")
    again = hold_points(db.session, lot.program_id, 10_000, "stay-1", TODAY, idempotency_key="k1")
    assert first.id == again.id
    assert balances(lot.program).held == 10_000
    with pytest.raises(IdempotencyConflict):
        spend_hold(db.session, "stay-1", 1, 1, idempotency_key="k1")


def test_a_retried_donation_records_one_lot(make_program, make_donor):
    donor, program = make_donor(), make_program()
    first = donate(db.session, donor.id, program, 5_000, TODAY, idempotency_key="gift-1")
    again = donate(db.session, donor.id, program, 5_000, TODAY, idempotency_key="gift-1")
    assert first.id == again.id and balances(program).available == 5_000


def test_expiry_writes_off_what_is_left_once(make_lot):
    lot = make_lot(10_000, expires_on=date(2026, 12, 31))
    hold_points(db.session, lot.program_id, 4_000, "stay-1", TODAY)
    assert expire_lots(db.session, date(2026, 12, 31)) == []  # still valid on its last day
    assert len(expire_lots(db.session, date(2027, 1, 1))) == 1
    assert expire_lots(db.session, date(2027, 1, 2)) == []
    assert balances(lot.program) == ledger.Balances(held=4_000, expired=6_000)


def test_lots_expiring_within_60_days_are_listed_soonest_first(make_lot):
    make_lot(5_000, expires_on=date(2027, 3, 1))  # 90 days out
    later = make_lot(5_000, expires_on=date(2027, 1, 20))
    sooner = make_lot(5_000, expires_on=date(2026, 12, 10))
    used_up = make_lot(5_000, expires_on=date(2026, 12, 5))
    hold_points(db.session, used_up.program_id, 5_000, "stay-1", TODAY)
    listed = lots_expiring_soon(db.session, TODAY, days=60)
    assert [(lot.id, points) for lot, points in listed] == [(sooner.id, 5_000), (later.id, 5_000)]


@pytest.mark.parametrize(
    ("code", "received", "expires"),
    [
        ("marriott", date(2026, 1, 31), date(2028, 1, 31)),
        ("ihg", date(2026, 1, 31), date(2027, 1, 31)),
        ("choice", date(2025, 8, 31), date(2027, 2, 28)),
        ("wyndham", date(2026, 5, 1), date(2027, 11, 1)),
    ],
)
def test_default_expiry_follows_the_program_rule(make_program, code, received, expires):
    assert default_expiry(make_program(code), received) == expires


def test_bad_amounts_are_refused(make_lot, make_program, make_donor):
    lot = make_lot(1_000)
    with pytest.raises(LedgerError):
        donate(db.session, make_donor().id, make_program(), 0, TODAY)
    with pytest.raises(LedgerError):
        donate(db.session, make_donor().id, make_program(), 10, TODAY, date(2020, 1, 1))
    with pytest.raises(LedgerError):
        hold_points(db.session, lot.program_id, -5, "x", TODAY)
    assert hold_points(db.session, lot.program_id, 0, "free-night", TODAY) is None


def test_the_database_refuses_a_negative_balance_even_if_code_forgets(make_lot):
    from sqlalchemy.exc import IntegrityError

    lot = make_lot(1_000)
    txn = LedgerTransaction(kind=ledger.TxnKind.HOLD, program_id=lot.program_id)
    db.session.add(txn)
    db.session.add(LedgerEntry(transaction=txn, lot_id=lot.id, account=Account.AVAILABLE,
                               amount=-2_000, seq=2, balance_after=-1_000))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_two_appends_after_the_same_balance(make_lot):
    from sqlalchemy.exc import IntegrityError

    lot = make_lot(1_000)
    txn = LedgerTransaction(kind=ledger.TxnKind.HOLD, program_id=lot.program_id)
    db.session.add(txn)
    db.session.add(LedgerEntry(transaction=txn, lot_id=lot.id, account=Account.AVAILABLE,
                               amount=-500, seq=1, balance_after=500))  # seq 1 is the donation
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
