"""A stateful property test of bookings: whatever coordinators do, in any order, no bed is
held twice, and a stay holds beds exactly while its state says it does."""

from collections import defaultdict
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import delete, select

from partners.places import BedHold
from placement.audit import AuditEvent
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import HOLDING, TRANSITIONS, TransitionNotAllowed
from placement.extensions import db
from placement.requests.models import HousingRequest
from tests.request_factories import TODAY

ACTIONS = ["approve", "cancel", "confirm", "check_in", "check_out", "no_show", "expire_hold",
           "extend", "reject"]


def booking_machine(create_shelter, create_booking, coordinator_id):
    class Bookings(RuleBasedStateMachine):
        @initialize()
        def start(self):
            for model in (BedHold, AuditEvent, Booking, HousingRequest):
                db.session.execute(delete(model))
            self.shelters = [create_shelter(name=f"S{i}", capacity=c)
                             for i, c in enumerate((1, 3))]
            self.bookings: list[int] = []

        @rule(shelter=st.integers(0, 1), offset=st.integers(0, 4), nights=st.integers(1, 4))
        def propose(self, shelter, offset, nights):
            booking = create_booking(self.shelters[shelter], check_in=TODAY + timedelta(offset),
                                     nights=nights)
            self.bookings.append(booking.id)

        @rule(data=st.data(), action=st.sampled_from(ACTIONS))
        def act(self, data, action):
            if not self.bookings:
                return
            booking = db.session.get(Booking, data.draw(st.sampled_from(self.bookings)))
            try:
                with db.session.begin_nested():
                    if action in ("cancel", "reject"):
                        getattr(service, action)(db.session, booking, coordinator_id, "why")
                    elif action == "confirm":
                        service.confirm(db.session, booking, coordinator_id, "C", None, TODAY)
                    elif action == "extend":
                        service.extend(db.session, booking, coordinator_id, 1, TODAY)
                    elif action == "check_out":
                        service.check_out(db.session, booking, coordinator_id,
                                          booking.check_in + timedelta(data.draw(
                                              st.integers(0, booking.nights))))
                    elif action == "approve":
                        service.approve(db.session, booking, coordinator_id, TODAY)
                    else:
                        getattr(service, action)(db.session, booking, coordinator_id)
            except (service.BookingConflict, TransitionNotAllowed):
                db.session.refresh(booking)
            assert action in TRANSITIONS

        @invariant()
        def no_bed_is_held_twice(self):
            if not hasattr(self, "shelters"):
                return
            held = defaultdict(int)
            for hold in db.session.scalars(select(BedHold).where(BedHold.released_at.is_(None))):
                held[(hold.shelter_id, hold.night)] += hold.beds
            for shelter in self.shelters:
                for (shelter_id, _night), beds in held.items():
                    if shelter_id == shelter.id:
                        assert beds <= shelter.capacity

        @invariant()
        def a_stay_holds_beds_exactly_while_its_state_says_so(self):
            if not hasattr(self, "shelters"):
                return
            for booking in db.session.scalars(select(Booking)):
                holds = db.session.scalars(select(BedHold).where(
                    BedHold.booking_ref == booking.ref, BedHold.released_at.is_(None))).all()
                if booking.state in HOLDING:
                    nights = {booking.check_in + timedelta(i) for i in range(booking.nights)}
                    assert {h.night for h in holds} == nights
                    assert all(h.beds == booking.persons for h in holds)
                elif booking.state.value != "checked_out":
                    assert holds == []

    return Bookings


def test_bookings_keep_their_promises(app, create_shelter, create_booking, make_user):
    from placement.auth.models import Role

    coordinator = make_user(Role.COORDINATOR)
    machine = booking_machine(create_shelter, create_booking, coordinator.id).TestCase
    machine.settings = settings(max_examples=15, stateful_step_count=25, deadline=None,
                                suppress_health_check=list(HealthCheck))
    machine().runTest()
