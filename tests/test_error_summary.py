"""A refused form opens with a summary of its errors at the top of the page, each linked to
its field: on a phone the first error can be 2,000 px down the form."""

import re

import pytest

from placement.auth.models import Role
from tests.test_requests import form_data, people
from tests.test_shelter_pages import NEW_SHELTER


def summary_of(html: str) -> str:
    found = re.search(r'<div class="alert alert-danger error-summary"[^>]*>(.*?)\n</div>', html,
                      re.S)
    assert found, "no error summary"
    assert html.index("error-summary") < html.index("<h1"), "the summary is not at the top"
    return found.group(1)


def links(summary: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="alert-link" href="#([^"]+)">([^<]+)</a>', summary)


@pytest.mark.parametrize("role, url, data, expected", [
    (Role.ADVOCATE, "/requests/new",
     form_data(where="", **people(), **{"danger_zones-1-miles": "9999"}),
     [("people-0-age_band", "Age, line 1: A party has at least one person."),
      ("where", "Where the person is now (ZIP or City, ST): This field is required."),
      ("danger_zones-1-miles", "Radius in miles, line 2: Number must be between 1 and 500.")]),
    (Role.COORDINATOR, "/places/shelters/new", NEW_SHELTER | {"name": "", "capacity": "-1"},
     [("name", "Name: This field is required."),
      ("capacity", "Beds on a normal night: Number must be between 0 and 10000.")]),
])
def test_a_refused_form_lists_each_error_at_the_top_linked_to_its_field(
        make_user, login, role, url, data, expected):
    page = login(make_user(role)).post(url, data=data)
    assert page.status_code == 400
    listed = [(target, text.replace("&#39;", "'")) for target, text in links(summary_of(page.text))]
    assert listed == expected
    for target, _ in listed:
        assert f'id="{target}"' in page.text


def test_a_page_whose_form_was_not_refused_has_no_summary(make_user, login):
    page = login(make_user(Role.ADVOCATE)).get("/requests/new")
    assert page.status_code == 200 and "error-summary" not in page.text
