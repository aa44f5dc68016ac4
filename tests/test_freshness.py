"""Numbers confirmed over 2 hours ago are aging, over 8 hours stale (bed registries' rule)."""

from datetime import UTC, datetime, timedelta

import pytest

from partners.availability import Freshness, freshness

NOW = datetime(2026, 12, 3, 20, 0)


@pytest.mark.parametrize("age, expected", [
    (timedelta(0), Freshness.FRESH),
    (timedelta(hours=2), Freshness.FRESH),
    (timedelta(hours=2, seconds=1), Freshness.AGING),
    (timedelta(hours=8), Freshness.AGING),
    (timedelta(hours=8, seconds=1), Freshness.STALE),
    (timedelta(days=30), Freshness.STALE),
])
def test_freshness_follows_the_two_and_eight_hour_thresholds(age, expected):
    assert freshness(NOW - age, NOW) is expected


def test_numbers_never_confirmed_are_flagged_as_such():
    assert freshness(None, NOW) == "never"


def test_an_aware_now_is_compared_in_utc():
    assert freshness(NOW - timedelta(hours=3), NOW.replace(tzinfo=UTC)) == "aging"


def test_the_database_counts_the_same_levels_as_the_rule(app, create_shelter):
    from collections import Counter

    from partners.availability import freshness_counts
    from partners.base import utcnow
    from partners.places import Shelter
    from placement.extensions import db

    now = utcnow()
    ages = [None, timedelta(minutes=5), timedelta(hours=1), timedelta(hours=3),
            timedelta(hours=7), timedelta(hours=9), timedelta(days=40)]
    for n, age in enumerate(ages):
        create_shelter(name=f"S{n}", confirmed_at=None if age is None else now - age)
    create_shelter(name="Closed", confirmed_at=None, active=False)
    db.session.commit()
    expected = Counter(freshness(None if a is None else now - a, now).value for a in ages)
    counted = freshness_counts(db.session, Shelter.confirmed_at, Shelter.active)
    assert counted == {level.value: expected[level.value] for level in Freshness}
    assert counted == {"fresh": 2, "aging": 2, "stale": 2, "never": 1}
