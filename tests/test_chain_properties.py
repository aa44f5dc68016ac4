"""Bridge stays (issue 21), a stateful property test on both databases, in a world built
for chains: two shelters full for the first two nights and a hotel of two rooms whose points
last four room-nights. Advocates file requests (some who must not move),
coordinators plan, approve, reject, confirm, extend, cancel, check in and out, places say
no, the clock moves and the jobs run; every step goes through the service functions and
commits as a request would. After every step:

- every plan the app stored passes the optimizer's validator (the checker's rules);
- a request's live stays are one chain, never half approved (`check_chains`);
- a stay holds its nights' beds or rooms exactly while it places its request, and its
  points exactly while it holds: so giving back a chain gives back every stay's holds and
  points.
"""

from collections import Counter
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select

from optimizer.plan import Plan
from optimizer.problem import Problem
from optimizer.validate import validate
from partners import ledger
from partners.availability import set_capacity
from partners.geo import locate
from partners.places import BedHold, Hotel, Policy, RoomHold, Shelter
from partners.points import KNOWN_PROGRAMS, Donor, DonorKind
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.chains import check_chains
from placement.bookings.models import Booking
from placement.bookings.states import HOLDING, PLACING, BookingState
from placement.database import unit_of_work
from placement.extensions import db
from placement.jobs.runner import run_job
from placement.planning.models import PlanRun
from placement.planning.runner import start_run
from placement.requests.models import Gender, HousingRequest, Priority
from placement.requests.party import people_from_counts
from placement.requests.service import RequestDetails, file_request, local_today
from tests.test_loop_properties import START, counted, empty_database, read_ids, run_machine

S = BookingState


def chain_machine(app, advocate_id: int, coordinator_id: int, seen: Counter):
    dc = locate("20002")

    class Chains(RuleBasedStateMachine):
        @initialize()
        def start(self):
            empty_database()
            self.now = START
            self.checked_runs: set[int] = set()
            with unit_of_work():
                women = Shelter(name="Harbor House", capacity=2, policy=Policy.WOMEN)
                open_door = Shelter(name="Open Door", capacity=1, policy=Policy.ANY)
                program = KNOWN_PROGRAMS["ihg"].record()
                db.session.add_all([women, open_door, program])
                for shelter in (women, open_door):
                    shelter.move_to(locate("20001"))
                db.session.flush()
                hotel = Hotel(name="Airport Holiday Lodge", program=program, rooms_per_night=2,
                              standard_points=10_000)
                hotel.move_to(locate("22202"))
                donor = Donor(name="Acme", kind=DonorKind.COMPANY)
                db.session.add_all([hotel, donor])
                db.session.flush()
                for shelter in (women, open_door):  # full tonight and tomorrow
                    set_capacity(db.session, shelter, self.today,
                                 self.today + timedelta(days=1), 0)
                ledger.donate(db.session, donor.id, program, 40_000, self.today)
            for nights in (4, 3):
                self.file(Priority.CRITICAL, Gender.FEMALE, True, nights)

        @property
        def today(self):
            return local_today(app.config["HOTLINE_TIMEZONE"], self.now)

        def ids(self, *states: BookingState) -> list[int]:
            return read_ids(select(Booking.id).where(Booking.state.in_(states))
                            .order_by(Booking.id))

        def act(self, what: str, work) -> None:
            counted(seen, what, work)

        def on(self, action: str, states: tuple[BookingState, ...], data, call) -> None:
            ids = self.ids(*states)
            if not ids:
                return
            later = list(db.session.scalars(select(Booking.id).where(
                Booking.id.in_(ids), Booking.segment > 1)))
            db.session.rollback()
            # Half the time a later stay when there is one: chains are what is tested.
            chosen = data.draw(st.sampled_from(later if later and data.draw(st.booleans())
                                               else ids))

            def work(s):
                booking = s.get(Booking, chosen)
                if booking.is_move:
                    seen[f"{action} a later stay"] += 1
                call(s, booking)

            self.act(action, work)

        # -- advocates and coordinators ------------------------------------------------

        @precondition(lambda self: len(self.ids(S.PROPOSED)) + len(self.ids(*HOLDING)) < 6
                      and not self.waiting())
        @rule(priority=st.sampled_from([Priority.CRITICAL, Priority.HIGH, Priority.NORMAL]),
              gender=st.sampled_from(list(Gender)), may_move=st.booleans(),
              nights=st.integers(3, 5))
        def file(self, priority, gender, may_move, nights):
            details = RequestDetails(
                priority=priority, people=people_from_counts(1, 0, gender), pets=0,
                service_animal=False, accessible=False, location=dc, max_miles=30,
                danger_zones=[], exclude=[], earliest=None, latest=None, nights=nights,
                note=None)

            def work(s):
                request = file_request(s, advocate_id, details, self.now)
                request.may_move = may_move

            self.act("file", work)

        def waiting(self) -> bool:
            """Some request waits for a place (or the rest of one) with no proposal."""
            proposed = select(Booking.request_id).where(Booking.state == S.PROPOSED)
            found = db.session.scalar(select(func.count()).select_from(HousingRequest).where(
                HousingRequest.id.not_in(proposed),
                (HousingRequest.status == "pending") | HousingRequest.rest_from.is_not(None)))
            db.session.rollback()
            return bool(found)

        @precondition(lambda self: self.waiting())
        @rule()
        def plan(self):
            run, _started = start_run(None, time_limit=1, today=self.today)
            seen["plan"] += 1
            db.session.remove()
            chains = db.session.scalar(select(func.count()).select_from(Booking).where(
                Booking.state == S.PROPOSED, Booking.segment > 1))
            db.session.rollback()
            seen["plan: a chain proposed" if chains else "plan: no chain"] += 1

        @precondition(lambda self: self.ids(S.PROPOSED))
        @rule(data=st.data())
        def approve(self, data):
            self.on("approve", (S.PROPOSED,), data,
                    lambda s, b: service.approve(s, b, coordinator_id, self.today))

        @precondition(lambda self: self.ids(S.PROPOSED))
        @rule(data=st.data())
        def reject(self, data):
            self.on("reject", (S.PROPOSED,), data,
                    lambda s, b: service.reject(s, b, coordinator_id, "Too far from school"))

        @precondition(lambda self: self.ids(S.APPROVED))
        @rule(data=st.data(), answer=st.sampled_from(["accept", "decline", "confirm"]))
        def the_place_answers(self, data, answer):
            def call(s, b):
                if answer == "accept":
                    service.accept(s, b, None)
                elif answer == "confirm":
                    service.confirm(s, b, coordinator_id, "H-77", None, self.today)
                else:
                    service.decline(s, b, None, "no_bed")

            self.on(answer, (S.APPROVED,), data, call)

        @precondition(lambda self: self.ids(*PLACING))
        @rule(data=st.data(), action=st.sampled_from(
            ["check_in", "check_out", "extend", "no_show", "expire_hold", "cancel"]))
        def move_a_stay(self, data, action):
            def call(s, b):
                if action == "check_out":
                    service.check_out(s, b, coordinator_id, self.today)
                elif action == "extend":
                    service.extend(s, b, coordinator_id, 1, self.today)
                elif action == "cancel":
                    service.cancel(s, b, coordinator_id, "The person found family")
                else:
                    getattr(service, action)(s, b, coordinator_id)

            self.on(action, tuple(PLACING), data, call)

        @rule(hours=st.sampled_from([2, 13]))
        def time_passes(self, hours):
            self.now += timedelta(hours=hours)
            for job in ("expire_holds", "rollover", "replan"):
                run_job(app, job, self.now)
            db.session.remove()

        # -- invariants ----------------------------------------------------------------

        @precondition(lambda self: hasattr(self, "checked_runs"))
        @invariant()
        def every_stored_plan_passes_the_checker(self):
            for run in db.session.scalars(select(PlanRun).where(
                    PlanRun.plan.is_not(None), PlanRun.id.not_in(self.checked_runs or [0]))):
                plan = Plan.from_dict(run.plan)
                assert validate(Problem.from_dict(run.problem), plan).errors == [], run.id
                seen["plan with a chain checked" if any(len(c) > 1 for c in
                                                         plan.chains.values()) else
                     "plan checked"] += 1
                self.checked_runs.add(run.id)
            db.session.rollback()

        @precondition(lambda self: hasattr(self, "checked_runs"))
        @invariant()
        def a_chain_is_whole_and_never_half_approved(self):
            check_chains(db.session, db.session.scalars(select(HousingRequest.id)).all())
            db.session.rollback()

        @precondition(lambda self: hasattr(self, "checked_runs"))
        @invariant()
        def a_stay_holds_exactly_while_its_state_says_so(self):
            for b in db.session.scalars(select(Booking)):
                model = RoomHold if b.is_hotel else BedHold
                nights = db.session.scalar(select(func.count()).select_from(model).where(
                    model.booking_ref == b.ref, model.released_at.is_(None)))
                points = sum(ledger.held_for(db.session, b.ref).values())
                assert nights == (b.nights if b.state in PLACING else 0), (b.id, b.state)
                assert points == (b.points if b.is_hotel and b.state in HOLDING else 0), \
                    (b.id, b.state)
            db.session.rollback()

    return Chains


def test_chains_keep_their_promises(app, make_user):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=1, PLANNER_WORKERS=1)
    advocate_id = make_user(Role.ADVOCATE).id
    coordinator_id = make_user(Role.COORDINATOR).id
    seen: Counter = Counter()
    machine = chain_machine(app, advocate_id, coordinator_id, seen).TestCase
    run_machine(machine, seen, ("plan: a chain proposed", "plan with a chain checked",
                                "approve: done", "approve a later stay", "decline a later stay"),
                examples=(60, 4), steps=(40, 25))
