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
