"""A stateful property test of the ledger: whatever coordinators do, in any order, no
balance goes negative, points are conserved lot by lot, and every posting balances."""

from datetime import date, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from partners import ledger
from partners.points import LedgerEntry, LedgerTransaction, LotBalance, PointsLot
from placement.extensions import db

START = date(2026, 12, 1)


def ledger_machine(make_program, make_donor):
    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def start(self):
            # Each example starts from an empty ledger.
            db.session.query(LotBalance).delete()
            db.session.query(LedgerEntry).delete()
            db.session.query(LedgerTransaction).delete()
            db.session.query(PointsLot).delete()
            self.program = make_program("marriott")
            self.donor = make_donor()
            self.today = START
            self.bookings: list[str] = []
            self.counter = 0

        @rule(points=st.integers(1, 200_000), lifetime=st.integers(0, 400))
        def donate(self, points, lifetime):
            ledger.donate(db.session, self.donor.id, self.program, points, self.today,
                          self.today + timedelta(days=lifetime))

        @rule(points=st.integers(0, 300_000))
        def hold(self, points):
            self.counter += 1
            ref = f"b{self.counter}"
            try:
                ledger.hold_points(db.session, self.program.id, points, ref, self.today)
                self.bookings.append(ref)
            except ledger.InsufficientPoints:
                pass

        @rule(data=st.data())
        def release_some(self, data):
            if self.bookings:
                ref = data.draw(st.sampled_from(self.bookings))
                held = sum(ledger.held_for(db.session, ref).values())
                ledger.release_hold(db.session, ref, data.draw(st.integers(0, held)))

        @rule(data=st.data())
        def spend(self, data):
            if self.bookings:
                ref = data.draw(st.sampled_from(self.bookings))
                ledger.spend_hold(db.session, ref, nights=2, persons=1)

        @rule(days=st.integers(1, 120))
        def time_passes(self, days):
            self.today += timedelta(days=days)
            ledger.expire_lots(db.session, self.today)

        @invariant()
        def balances_never_go_negative_and_points_are_conserved(self):
            if not hasattr(self, "program"):
                return
            lots = db.session.scalars(select(PointsLot)).all()
            balances = ledger.lot_balances(db.session, [lot.id for lot in lots])
            for lot in lots:
                b = balances.get(lot.id, ledger.Balances())
                assert min(b.available, b.held, b.spent, b.expired) >= 0
                assert b.given == lot.points

        @invariant()
        def the_balance_rows_equal_the_sums_of_the_entries(self):
            assert ledger.stored_lot_balances(db.session) == ledger.summed_lot_balances(
                db.session)

        @invariant()
        def every_posting_balances(self):
            unbalanced = db.session.execute(
                select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id)
                .having(func.sum(LedgerEntry.amount) != 0)
            ).all()
            assert unbalanced == []

    return LedgerMachine


def test_the_ledger_keeps_its_promises(app, make_program, make_donor):
    machine = ledger_machine(make_program, make_donor).TestCase
    machine.settings = settings(max_examples=20, stateful_step_count=20, deadline=None,
                                suppress_health_check=list(HealthCheck))
    machine().runTest()
