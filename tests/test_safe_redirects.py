"""Every redirect target is local: one function (placement.web.safe_local_path) decides
whether an address someone sent is a path on this site, and every view that redirects to
one asks it."""

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from placement.auth.models import Role
from placement.web import safe_local_path
from tests.conftest import PASSWORD
from tests.test_access import records  # noqa: F401 - the fixture with real record ids
from tests.test_bad_input import Walker, build, routes

# What a browser makes of each, in the comment where it is not plain.
NASTY_TARGETS = [
    "/\t/evil.example",          # tabs and newlines are dropped: //evil.example
    "/\n/evil.example", "/\r\n/evil.example", "/\t\t/evil.example",
    "//evil.example", "///evil.example", "//evil.example/plan",
    "/\\evil.example",           # a backslash is a slash: //evil.example
    "\\\\evil.example", "/\\/evil.example",
    "https://evil.example", "HTTPS://evil.example/x", "http:evil.example", "http:/evil.example",
    "javascript:alert(1)", "data:text/html,hi", "evil.example", "plan", "./plan",
    " /evil.example", "/ /evil.example", "\x00/plan", "/\x00/evil.example", "/\x7f/plan",
    "/\u3000/evil.example", "/\u2028/evil.example",
    "/.//evil.example", "/./\t/evil.example", "/..//evil.example", "/a/../..//evil.example",
    "/" + "a" * 3000, "", None,
]
LOCAL_TARGETS = ["/", "/plan", "/bookings/1", "/places/shelters?q=harbor&page=2",
                 "/requests/5#stays", "/requests/5?filed=1", "/%09/still-here"]
# Where a redirect goes does not depend on the database: these run on the faster one.
ANY_DATABASE = pytest.mark.parametrize("backend", ["sqlite"])
ROOT = Path(__file__).resolve().parent.parent / "placement"


def lands_on(location: str, base: str = "http://localhost/bookings/1") -> str:
    """The host a browser goes to: it drops tabs and newlines, reads "\\" as "/"."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    return urlsplit(urljoin(base, cleaned)).netloc


@pytest.mark.parametrize("target", NASTY_TARGETS)
def test_an_address_that_could_leave_the_site_is_refused(target):
    assert safe_local_path(target) is None


@pytest.mark.parametrize("target", LOCAL_TARGETS)
def test_a_path_on_this_site_is_kept_as_it_is(target):
    assert safe_local_path(target) == target
    assert lands_on(target) == "localhost"


@ANY_DATABASE
def test_a_booking_action_never_sends_the_coordinator_to_another_site(
        app, make_user, login, create_shelter, create_booking):
    client = login(make_user(Role.COORDINATOR))
    booking = create_booking(create_shelter())
    own_page = f"/bookings/{booking.id}"
    for target in NASTY_TARGETS:
        response = client.post(f"{own_page}/check_in", data={"next": target or ""})
        if target and "\x00" in target:  # refused before any view runs
            assert response.status_code == 400 and "Location" not in response.headers
            continue
        assert response.status_code == 303, repr(target)
        assert response.headers["Location"] == own_page, repr(target)
    response = client.post(f"{own_page}/check_in", data={"next": "/plan"})
    assert response.headers["Location"] == "/plan"


def test_sign_in_never_sends_anyone_to_another_site(app, client, make_user):
    user = make_user(Role.DONOR)
    for target in ("/\t/evil.example", "/\\evil.example", "/.//evil.example"):
        response = client.post("/login", query_string={"next": target},
                               data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", repr(target)
        client.post("/logout")


def test_every_next_the_app_reads_goes_through_the_one_check():
    reads = re.compile(r"""request\.(?:args|form|values)(?:\.get\(|\[)\s*["']next["']""")
    found = []
    for path in ROOT.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if reads.search(line):
                found.append((path.name, number, "safe_local_path(" in line))
    assert found, "no view reads a next address any more: update this test"
    assert [f for f in found if not f[2]] == []
    defined = [p.name for p in ROOT.rglob("*.py")
               if re.search(r"^def \w*(safe_|next_(?:url|page|path|address)|redirect)\w*\(",
                         p.read_text(), re.M)]
    assert defined == ["web.py"]


@ANY_DATABASE
def test_no_route_answers_with_a_location_off_this_site(app, make_user, records):  # noqa: F811
    walker = Walker(app, make_user)
    evil = "/\t/evil.example"
    assert lands_on(evil) == "evil.example"  # the check below would see it
    off_site = []
    for rule, role in routes(app):
        url = build(rule, records)
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"next": evil, "reason": "x"} if method == "POST" else None
            response = walker.open(role, rule.endpoint, url, method,
                                   query_string={"next": evil}, data=data)
            location = response.headers.get("Location") if response is not None else None
            if location is not None and lands_on(location) != "localhost":
                off_site.append((rule.endpoint, method, location))
    assert not walker.failures, walker.report()
    assert off_site == []
