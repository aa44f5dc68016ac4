"""Where places are, and what time it is there."""

from datetime import datetime, timedelta

import pytest

from partners.geo import Location, locate
from partners.places import Policy, Shelter, timezone_for
from placement.extensions import db
from placement.places import time_ago


@pytest.mark.parametrize("text, zone", [
    ("20001", "America/New_York"), ("77002", "America/Chicago"), ("Denver, CO", "America/Denver"),
    ("99634", "America/Anchorage"),  # the ZIP data names a village, not a zone, here
])
def test_every_place_gets_a_real_iana_timezone(text, zone):
    assert timezone_for(locate(text)) == zone


def test_a_place_without_a_zone_in_the_data_gets_its_states_usual_one():
    somewhere = Location("X", None, "Nowhere", "TX", 30.0, -97.0, None)
    assert timezone_for(somewhere) == "America/Chicago"


def test_moving_a_shelter_sets_every_location_field_and_how_it_reads_back():
    shelter = Shelter()
    shelter.move_to(locate("Houston, TX"))
    assert (shelter.zip_code, shelter.city, shelter.state) == (None, "Houston", "TX")
    assert shelter.location_text == "Houston, TX" and shelter.timezone == "America/Chicago"
    shelter.move_to(locate("20001"))
    assert shelter.location_text == "20001" and shelter.place_label == "Washington, DC 20001"


@pytest.mark.parametrize("age, text", [
    (timedelta(seconds=20), "just now"), (timedelta(minutes=12), "12 min ago"),
    (timedelta(hours=3, minutes=5), "3 h ago"), (timedelta(days=3), "3 days ago"),
])
def test_confirmation_ages_read_at_a_glance(age, text):
    now = datetime(2026, 12, 3, 20, 0)
    assert time_ago(now - age, now) == text
    assert time_ago(None, now) == "never"


def test_a_place_saved_without_a_timezone_gets_its_states_usual_one(app):
    shelter = Shelter(name="Old Code Shelter", policy=Policy.ANY, capacity=3, zip_code="77002",
                      city="Houston", state="TX", lat=29.75, lon=-95.36)
    db.session.add(shelter)
    db.session.flush()
    assert shelter.timezone == "America/Chicago"
