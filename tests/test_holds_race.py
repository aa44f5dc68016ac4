"""Two coordinators approving stays for the last bed at the same moment: one wins, one is
told no. Each attempt runs in its own thread, app context, session and transaction."""

import threading
import time
from datetime import date, timedelta

from sqlalchemy import func, select

from partners.availability import NotEnoughBeds, NotEnoughRooms, hold_beds, hold_rooms
from partners.places import BedHold, RoomHold
from placement.database import unit_of_work
from placement.extensions import db

ROUNDS = 100
FIRST_NIGHT = date(2026, 12, 3)


def race(app, hold, refused_error) -> list[list[str]]:
    """ROUNDS rounds; in each, two threads start together (a barrier) and try `hold` for one
    night. Returns each round's outcomes."""

    def attempt(night, name, barrier, outcomes):
        with app.app_context():
            try:
                barrier.wait()
                with unit_of_work():
                    hold(night, name)
                outcomes.append("held")
            except refused_error:
                outcomes.append("refused")
            finally:
                db.session.remove()

    rounds = []
    for i in range(ROUNDS):
        night, barrier, outcomes = FIRST_NIGHT + timedelta(days=i), threading.Barrier(2), []
        threads = [threading.Thread(target=attempt, args=(night, f"r{i}-{who}", barrier, outcomes))
                   for who in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        rounds.append(sorted(outcomes))
    return rounds


def test_two_holds_racing_for_the_last_bed_never_both_succeed(app, create_shelter):
    shelter_id = create_shelter(capacity=1).id
    db.session.commit()  # the threads must see the shelter; the test holds no lock now
    started = time.perf_counter()
    rounds = race(app, lambda night, ref: hold_beds(db.session, shelter_id, night, 1, 1, ref),
                  NotEnoughBeds)
    elapsed = time.perf_counter() - started
    assert rounds == [["held", "refused"]] * ROUNDS, f"{ROUNDS} rounds in {elapsed:.1f}s"
    assert db.session.scalar(select(func.count(BedHold.id))) == ROUNDS


def test_two_holds_racing_for_the_last_room_never_both_succeed(app, create_hotel):
    hotel_id = create_hotel(rooms_per_night=1).id
    db.session.commit()
    rounds = race(app, lambda night, ref: hold_rooms(db.session, hotel_id, night, 1, 1, ref),
                  NotEnoughRooms)
    assert rounds == [["held", "refused"]] * ROUNDS
    assert db.session.scalar(select(func.count(RoomHold.id))) == ROUNDS
