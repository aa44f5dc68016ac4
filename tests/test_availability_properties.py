"""Whatever coordinators, staff and bookings do, in any order, the derived numbers hold:
free is never negative, a report is taken at its word, a hold takes exactly its beds or
fails without a trace, and nothing is sold that is not free."""

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partners.availability import (
    AvailabilityError,
    NotEnoughBeds,
    hold_beds,
    record_staff_report,
    release_beds,
    set_capacity,
    set_out_of_service,
    shelter_nights,
)
from placement.extensions import db

FIRST = date(2026, 12, 1)
NIGHTS = 6
AT = datetime(2026, 12, 1, 20, 0)

day = st.integers(0, NIGHTS - 1)
beds = st.integers(0, 8)
operation = st.one_of(
    st.tuples(st.just("capacity"), day, day, beds),
    st.tuples(st.just("out_of_service"), day, day, beds),
    st.tuples(st.just("report"), day, beds),
    st.tuples(st.just("hold"), day, st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.just("release"), st.integers(0, 5)),
)


def all_nights(shelter):
    return shelter_nights(db.session, shelter, FIRST, FIRST + timedelta(days=NIGHTS + 3))


def check_invariants(nights):
    for n in nights:
        assert min(n.capacity, n.out_of_service, n.taken_outside, n.held) >= 0
        assert n.free == max(n.capacity - n.out_of_service - n.taken_outside - n.held, 0)
        assert n.free >= 0 and n.oversubscribed >= 0
        assert not (n.free and n.oversubscribed)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, max_size=12))
def test_availability_stays_consistent_under_any_sequence_of_changes(app, create_shelter,
                                                                     operations):
    shelter = create_shelter(capacity=4)
    refs = []
    for op in operations:
        before = all_nights(shelter)
        if op[0] in ("capacity", "out_of_service"):
            first, last = FIRST + timedelta(min(op[1], op[2])), FIRST + timedelta(max(op[1:3]))
            change = set_capacity if op[0] == "capacity" else set_out_of_service
            change(db.session, shelter, first, last, op[3])
        elif op[0] == "report":
            night = FIRST + timedelta(op[1])
            try:
                result = record_staff_report(db.session, shelter, night, op[2], AT)
            except AvailabilityError:
                assert op[2] > before[op[1]].capacity - before[op[1]].out_of_service \
                    - before[op[1]].held
                assert all_nights(shelter) == before
            else:
                assert result.free == op[2] and result.reported
        elif op[0] == "hold":
            start, length, wanted = op[1], op[2], op[3]
            ref = f"booking-{len(refs)}"
            try:
                hold_beds(db.session, shelter.id, FIRST + timedelta(start), length, wanted, ref)
            except NotEnoughBeds as refused:
                short = [n for n in before[start:start + length] if n.free < wanted]
                assert short and refused.night == short[0].night
                assert all_nights(shelter) == before
            else:
                refs.append(ref)
                after = all_nights(shelter)
                for i, (was, now) in enumerate(zip(before, after, strict=True)):
                    taken = wanted if start <= i < start + length else 0
                    assert was.free >= taken and now.free == was.free - taken
        elif refs:
            release_beds(db.session, refs[op[1] % len(refs)])
        check_invariants(all_nights(shelter))
