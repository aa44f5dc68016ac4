"""One module names places: the form's "shelter:12" and the optimizer's "S12" are two
spellings of one PlaceRef, and every row that points at a place is read the same way."""

from types import SimpleNamespace

import pytest

from placement.places.keys import (
    PlaceRef,
    hotel_key,
    parse_key,
    parse_resource,
    place_of,
    shelter_key,
)
from placement.planning.bridge import scrub_stored_problem


@pytest.mark.parametrize("ref", [PlaceRef("shelter", 12), PlaceRef("hotel", 7),
                                 PlaceRef("hotel", 2**31 - 1)])
def test_each_spelling_reads_back_as_the_place_it_names(ref):
    assert parse_key(ref.key) == ref
    assert parse_resource(ref.resource) == ref


def test_the_spellings():
    assert (PlaceRef("shelter", 12).key, PlaceRef("shelter", 12).resource) == ("shelter:12", "S12")
    assert (shelter_key(12), hotel_key(7)) == ("S12", "H7")
    kind, place_id = parse_key("hotel:7")  # callers unpack it
    assert (kind, place_id) == ("hotel", 7)


@pytest.mark.parametrize("resource", ["", "S", "X12", "S-1", "S0", "S1.5", "shelter:12",
                                      f"H{2**31}"])
def test_a_resource_the_bridge_never_gave_is_a_bug_not_a_place(resource):
    with pytest.raises(ValueError):
        parse_resource(resource)


def test_a_booking_an_exclusion_or_a_rejection_is_at_its_one_place():
    assert place_of(SimpleNamespace(shelter_id=3, hotel_id=None)) == PlaceRef("shelter", 3)
    assert place_of(SimpleNamespace(shelter_id=None, hotel_id=9)) == PlaceRef("hotel", 9)
    assert PlaceRef("hotel", 9).shelter_id is None and PlaceRef("hotel", 9).hotel_id == 9


def test_a_stored_problem_loses_only_the_purged_requests_details_and_is_not_edited_in_place():
    stored = {"start": "2026-05-01", "requests": [
        {"id": "R1", "lat": 38.9, "lon": -77.0, "avoid": [{"lat": 1, "lon": 2, "miles": 5}],
         "needs": ["lang:es"]},
        {"id": "R2", "lat": 40.7, "lon": -74.0, "avoid": [], "needs": ["lang:es"]},
    ]}
    before = repr(stored)
    scrubbed = scrub_stored_problem(stored, [1])
    assert repr(stored) == before
    assert scrubbed == {"start": "2026-05-01", "requests": [
        {"id": "R1", "lat": None, "lon": None, "avoid": [], "needs": []},
        {"id": "R2", "lat": 40.7, "lon": -74.0, "avoid": [], "needs": ["lang:es"]},
    ]}
    assert scrub_stored_problem(scrubbed, [1]) is None  # nothing left to scrub
    assert scrub_stored_problem(stored, [3]) is None
    assert scrub_stored_problem({"start": "2026-05-01"}, [1]) is None
