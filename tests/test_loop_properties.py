"""A stateful property test of the whole loop, on both databases: advocates file requests
(bad dates included), coordinators plan, approve, reject, place by hand, confirm, extend,
cancel, check in and out, the clock moves and the scheduled jobs run. After every step:

- a request has at most one live placement (a stay, or a chain of stays);
- no night of a shelter or a hotel holds more than it has;
- no lot account is negative, the stored balances are the ledger's sums, every posting
  balances;
- every planner run finished;
- a place a coordinator turned down is never proposed again for that request.

Every step goes through the service functions and commits as a request would. The budget
suits CI (about a minute per database); `SB_PROPERTY_PROFILE=long` runs far more.
"""

import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import delete, func, select, text

from partners import ledger
from partners.geo import locate
from partners.places import BedHold, Hotel, Policy, RoomHold, Shelter
from partners.points import Account, LedgerEntry, LotBalance
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.chains import check_chains
from placement.bookings.models import Booking
from placement.bookings.states import HOLDING, PLACING, BookingState, TransitionNotAllowed
from placement.database import unit_of_work
from placement.extensions import db
from placement.jobs.runner import run_job
from placement.planning.models import PlanRun, RunStatus
from placement.planning.runner import start_run
from placement.requests.models import (
    Gender,
    HousingRequest,
    PlaceRejection,
    Priority,
    RequestStatus,
)
from placement.requests.party import people_from_counts
from placement.requests.service import RequestDetails, RequestError, file_request, local_today

LONG = os.environ.get("SB_PROPERTY_PROFILE") == "long"
START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 at the hotline
# Accounts and the organizations they belong to (a TRUNCATE ... CASCADE of organization
# would empty user too).
KEEP = {"user", "organization", "alembic_version"}
REFUSED = (service.BookingConflict, TransitionNotAllowed, RequestError)


def empty_database() -> None:
    """Every example starts from no data but the accounts."""
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} CASCADE"))
    else:
        for table in tables:
            db.session.execute(delete(table))
    db.session.commit()


def read_ids(query) -> list[int]:
    found = list(db.session.scalars(query))
    db.session.rollback()  # end the read (on SQLite it holds the write lock)
    return found


def counted(seen: Counter, what: str, work) -> None:
    """One step in a unit of work of its own, as a request makes it: done or refused."""
    try:
        with unit_of_work():
            work(db.session)
        seen[f"{what}: done"] += 1
    except REFUSED as error:
        seen[f"{what}: refused ({type(error).__name__})"] += 1
    finally:
        db.session.remove()


def loop_machine(app, advocate_id: int, coordinator_id: int, seen: Counter):
    dc = locate("20002")

    class Loop(RuleBasedStateMachine):
        @initialize()
        def start(self):
            empty_database()
            self.now = START
            with unit_of_work():
                places = [
                    Shelter(name="Harbor House", capacity=2, policy=Policy.WOMEN),
                    Shelter(name="Open Door", capacity=1, policy=Policy.ANY),
                    Shelter(name="Family Haven", capacity=3, policy=Policy.FAMILY),
                ]
                for place in places:
                    place.move_to(locate("20001"))
                    db.session.add(place)
                from tests.factories import KNOWN_PROGRAMS

                program = KNOWN_PROGRAMS["ihg"].record()
                db.session.add(program)
                db.session.flush()
                hotel = Hotel(name="Crystal City Inn", program=program, rooms_per_night=1,
                              standard_points=20_000)
                hotel.move_to(locate("22202"))
                db.session.add(hotel)
                from partners.points import Donor, DonorKind

                donor = Donor(name="Acme", kind=DonorKind.COMPANY)
                db.session.add(donor)
                db.session.flush()
                ledger.donate(db.session, donor.id, program, 90_000, self.today)
                self.places = [(Shelter, p.id) for p in places] + [(Hotel, hotel.id)]
                self.capacity = {("S", p.id): p.capacity for p in places}
                self.capacity[("H", hotel.id)] = hotel.rooms_per_night
            # (request id, place key) -> the last booking id when it was turned down
            self.turned_down: dict[tuple[int, str], int] = {}
            # Three callers waiting already, so that every example has people to place.
            for adults, children, gender, priority in (
                    (1, 0, Gender.FEMALE, Priority.CRITICAL), (1, 0, Gender.MALE, Priority.HIGH),
                    (1, 2, Gender.FEMALE, Priority.NORMAL)):
                self.file(priority, adults, children, gender, None, 2)

        @property
        def today(self) -> date:
            return local_today(app.config["HOTLINE_TIMEZONE"], self.now)

        # -- helpers -------------------------------------------------------------------

        def ids(self, query) -> list[int]:
            return read_ids(query)

        def bookings_in(self, *states: BookingState) -> list[int]:
            return self.ids(select(Booking.id).where(Booking.state.in_(states))
                            .order_by(Booking.id))

        def act(self, what: str, work) -> None:
            counted(seen, what, work)

        def remember_turned_down(self, booking_id: int) -> None:
            booking = db.session.get(Booking, booking_id)
            if booking.state in (BookingState.REJECTED, BookingState.CANCELLED) and \
                    db.session.scalar(select(PlaceRejection.id).where(
                        PlaceRejection.booking_id == booking_id)) is not None:
                key = f"S{booking.shelter_id}" if booking.shelter_id else f"H{booking.hotel_id}"
                last = db.session.scalar(select(func.max(Booking.id)))
                self.turned_down[(booking.request_id, key)] = last
            db.session.rollback()

        # -- advocates -----------------------------------------------------------------

        def waiting(self) -> int:
            count = db.session.scalar(select(func.count()).select_from(HousingRequest).where(
                HousingRequest.status == RequestStatus.PENDING))
            db.session.rollback()
            return count

        def count_in(self, *states: BookingState) -> int:
            count = db.session.scalar(select(func.count()).select_from(Booking).where(
                Booking.state.in_(states)))
            db.session.rollback()
            return count

        # Rules with nothing to act on are switched off (preconditions), so that the steps
        # go to the ones that can do something.
        @precondition(lambda self: self.waiting() < 4)
        @rule(priority=st.sampled_from(list(Priority)), adults=st.integers(0, 2),
              children=st.integers(0, 2), gender=st.sampled_from(list(Gender)),
              offset=st.sampled_from([None, 0, 1, 3, 89, 90, 400]), nights=st.integers(1, 4))
        def file(self, priority, adults, children, gender, offset, nights):
            if adults + children == 0:
                adults = 1
            earliest = None if offset is None else self.today + timedelta(days=offset)
            details = RequestDetails(
                priority=priority, people=people_from_counts(adults, children, gender), pets=0,
                service_animal=False, accessible=False, location=dc, max_miles=30,
                danger_zones=[], exclude=[], earliest=earliest, latest=None, nights=nights,
                note=None)
            self.act("file", lambda s: file_request(s, advocate_id, details, self.now))

        @rule(earliest=st.sampled_from([date(9999, 12, 31), date(2031, 1, 1), date(2026, 1, 1)]))
        def a_bad_row_from_before(self, earliest):
            """A row the form would refuse today (left by an older version, an import):
            planning must go on for everyone else."""
            with unit_of_work():
                db.session.add(HousingRequest(
                    created_by_id=advocate_id, adults=1, gender=Gender.FEMALE,
                    priority=Priority.HIGH, earliest=earliest, latest=earliest, nights=3,
                    location_label=dc.label, lat=dc.lat, lon=dc.lon, timezone=dc.timezone))
            db.session.remove()

        # -- coordinators --------------------------------------------------------------

        @rule()
        def plan(self):
            run, _started = start_run(None, time_limit=1, today=self.today)
            seen[f"plan: {run.status.value}, {'proposed' if run.placed else 'nothing'}"] += 1
            db.session.remove()

        @precondition(lambda self: self.count_in(BookingState.PROPOSED))
        @rule(data=st.data())
        def approve(self, data):
            ids = self.bookings_in(BookingState.PROPOSED)
            if ids:
                chosen = data.draw(st.sampled_from(ids))
                self.act("approve", lambda s: service.approve(
                    s, s.get(Booking, chosen), coordinator_id, self.today))

        @precondition(lambda self: self.count_in(BookingState.PROPOSED))
        @rule(data=st.data())
        def reject(self, data):
            ids = self.bookings_in(BookingState.PROPOSED)
            if ids:
                chosen = data.draw(st.sampled_from(ids))
                self.act("reject", lambda s: service.reject(
                    s, s.get(Booking, chosen), coordinator_id, "Too far from school"))
                self.remember_turned_down(chosen)

        @rule(data=st.data(), later=st.integers(0, 2), nights=st.integers(1, 3))
        def place_by_hand(self, data, later, nights):
            """Mostly a check-in inside the request's window (else the rules refuse it)."""
            query = select(HousingRequest.id, HousingRequest.earliest, HousingRequest.latest)
            if data.draw(st.booleans()):  # mostly one still waiting; else any (refused)
                query = query.where(HousingRequest.status == RequestStatus.PENDING)
            requests = db.session.execute(query.order_by(HousingRequest.id)).all()
            db.session.rollback()
            if not requests:
                return
            request_id, earliest, latest = data.draw(st.sampled_from(requests))
            model, place_id = data.draw(st.sampled_from(self.places))
            # A bad row's window may sit at the calendar's end: the service refuses it.
            check_in = max(earliest, self.today)
            check_in += timedelta(days=later if check_in.year < 9999 else 0)
            from placement.bookings.views import rule_check

            self.act("place by hand", lambda s: service.place_by_hand(
                s, s.get(HousingRequest, request_id), s.get(model, place_id), check_in, nights,
                coordinator_id, self.today, rule_check))

        @precondition(lambda self: self.count_in(*PLACING))
        @rule(data=st.data(), action=st.sampled_from(["confirm", "check_in", "check_out",
                                                       "extend", "no_show", "expire_hold"]))
        def move_a_stay(self, data, action):
            ids = self.bookings_in(*PLACING)
            if not ids:
                seen["stays: none to move"] += 1
                return
            chosen = data.draw(st.sampled_from(ids))

            def work(s):
                booking = s.get(Booking, chosen)
                if action == "confirm":
                    service.confirm(s, booking, coordinator_id, "CONF-1", None, self.today)
                elif action == "check_out":
                    service.check_out(s, booking, coordinator_id, self.today)
                elif action == "extend":
                    service.extend(s, booking, coordinator_id, 1, self.today)
                elif action == "check_in":
                    service.check_in(s, booking, coordinator_id)
                else:
                    getattr(service, action)(s, booking, coordinator_id)

            self.act(action, work)

        @precondition(lambda self: self.count_in(*HOLDING))
        @rule(data=st.data())
        def advance_a_stay(self, data):
            """The ordinary path: confirm, check in, check out (today, or early)."""
            ids = self.bookings_in(BookingState.APPROVED, BookingState.CONFIRMED,
                                   BookingState.CHECKED_IN)
            if not ids:
                seen["stays: none to advance"] += 1
                return
            chosen = data.draw(st.sampled_from(ids))

            def work(s):
                booking = s.get(Booking, chosen)
                if booking.state is BookingState.APPROVED:
                    service.confirm(s, booking, coordinator_id, "CONF-2", None, self.today)
                elif booking.state is BookingState.CONFIRMED:
                    service.check_in(s, booking, coordinator_id)
                else:
                    service.check_out(s, booking, coordinator_id, self.today)

            self.act("advance", work)

        @precondition(lambda self: self.count_in(BookingState.APPROVED, BookingState.CONFIRMED))
        @rule(data=st.data(), close=st.booleans(), avoid=st.booleans())
        def cancel(self, data, close, avoid):
            ids = self.bookings_in(BookingState.APPROVED, BookingState.CONFIRMED)
            if ids:
                chosen = data.draw(st.sampled_from(ids))
                self.act("cancel", lambda s: service.cancel(
                    s, s.get(Booking, chosen), coordinator_id,
                    "Client found family to stay with", close=close, avoid_place=avoid))
                self.remember_turned_down(chosen)

        # -- time ----------------------------------------------------------------------

        @rule(hours=st.sampled_from([1, 2, 5, 13, 24]))
        def time_passes(self, hours):
            self.now += timedelta(hours=hours)
            for job in ("expire_holds", "rollover", "replan"):
                run = run_job(app, job, self.now)
                seen[f"job {job}: {run.outcome.value if run else 'not due'}"] += 1

        # -- invariants ----------------------------------------------------------------

        @precondition(lambda self: hasattr(self, "capacity"))
        @invariant()
        def one_live_placement_per_request(self):
            """One stay, or one chain of stays (bridge stays: placement/bookings/chains.py)."""
            check_chains(db.session, db.session.scalars(select(HousingRequest.id)).all())
            db.session.rollback()

        @precondition(lambda self: hasattr(self, "capacity"))
        @invariant()
        def no_night_over_capacity(self):
            for kind, model, column, amount in (
                    ("S", BedHold, BedHold.shelter_id, BedHold.beds),
                    ("H", RoomHold, RoomHold.hotel_id, RoomHold.rooms)):
                rows = db.session.execute(
                    select(column, model.night, func.sum(amount))
                    .where(model.released_at.is_(None)).group_by(column, model.night)).all()
                for place_id, night, held in rows:
                    assert held <= self.capacity[(kind, place_id)], (kind, place_id, night)
            db.session.rollback()

        @precondition(lambda self: hasattr(self, "capacity"))
        @invariant()
        def the_ledger_balances_and_no_lot_is_negative(self):
            # The donated account is the source of every lot (negative by design); what
            # a lot has available, held, spent or written off never is.
            assert db.session.scalar(select(func.count()).select_from(LotBalance).where(
                LotBalance.account != Account.DONATED, LotBalance.balance < 0)) == 0
            unbalanced = db.session.execute(
                select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id)
                .having(func.sum(LedgerEntry.amount) != 0)).all()
            assert unbalanced == []
            assert ledger.stored_lot_balances(db.session) == \
                ledger.summed_lot_balances(db.session)
            db.session.rollback()

        @precondition(lambda self: hasattr(self, "capacity"))
        @invariant()
        def every_planner_run_finished(self):
            statuses = list(db.session.scalars(select(PlanRun.status)))
            db.session.rollback()
            assert all(status is RunStatus.DONE for status in statuses), statuses

        @precondition(lambda self: hasattr(self, "capacity"))
        @invariant()
        def a_place_turned_down_is_never_proposed_again(self):
            for (request_id, key), last in self.turned_down.items():
                column = Booking.shelter_id if key[0] == "S" else Booking.hotel_id
                again = db.session.scalar(select(Booking.id).where(
                    Booking.request_id == request_id, column == int(key[1:]),
                    Booking.id > last))
                assert again is None, (request_id, key)
            db.session.rollback()

    return Loop


def run_machine(machine, seen: Counter, reached: tuple[str, ...], examples: tuple[int, int],
                steps: tuple[int, int]) -> None:
    """Run a state machine, (long profile, CI) examples of (long, CI) steps; print what it
    did; a run that never reached each of `reached` would prove nothing about it."""
    # CI runs the same examples every time (derandomize); the long profile explores.
    machine.settings = settings(
        max_examples=examples[0] if LONG else examples[1],
        stateful_step_count=steps[0] if LONG else steps[1], deadline=None,
        suppress_health_check=list(HealthCheck), database=None, derandomize=not LONG)
    machine().runTest()
    print("\n".join(f"{count:5}  {what}" for what, count in sorted(seen.items())))
    for step in reached:
        assert seen[step] > 0, (step, seen)


def test_the_loop_keeps_its_promises(app, make_user):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=1, PLANNER_WORKERS=1)
    advocate = make_user(Role.ADVOCATE)
    coordinator = make_user(Role.COORDINATOR)
    advocate_id, coordinator_id = advocate.id, coordinator.id
    db.session.commit()
    seen: Counter = Counter()
    machine = loop_machine(app, advocate_id, coordinator_id, seen).TestCase
    run_machine(machine, seen, ("plan: done, proposed", "approve: done", "place by hand: done",
                                "advance: done", "reject: done", "cancel: done"),
                examples=(150, 12), steps=(50, 40))
