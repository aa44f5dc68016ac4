"""The rule check that approvals and placements by hand run: the arrival window verdict is
exact whatever the window, including windows reaching into year 9999 (the check cuts the
window to the nights around the check-in; before, it built a problem of millions of nights
for them: seconds and ~100 MB a call, in every re-plan tick)."""

from datetime import date, timedelta

from placement.planning.bridge import rules_broken
from tests.request_factories import TODAY


def arrival_verdict(broken: list[str]) -> bool:
    return any("arriv" in reason or "window" in reason for reason in broken)


def test_the_arrival_window_verdict_is_exact_for_every_window(create_request, create_shelter):
    shelter = create_shelter()
    request = create_request()
    for earliest in range(-3, 4):
        for length in (0, 1, 5):
            request.earliest = TODAY + timedelta(days=earliest)
            request.latest = request.earliest + timedelta(days=length)
            for offset in range(-5, 10):
                check_in = TODAY + timedelta(days=offset)
                outside = not request.earliest <= check_in <= request.latest
                broken = rules_broken(None, request, shelter, check_in, 2)
                assert arrival_verdict(broken) == outside, (earliest, length, offset, broken)


def test_windows_at_the_end_of_the_calendar_are_checked(create_request, create_shelter):
    shelter = create_shelter()
    request = create_request(earliest=TODAY, latest=date(9999, 12, 31))
    assert rules_broken(None, request, shelter, TODAY + timedelta(days=2), 3) == []
    far = create_request(earliest=date(9999, 12, 25), latest=date(9999, 12, 31))
    assert arrival_verdict(rules_broken(None, far, shelter, TODAY, 3))
