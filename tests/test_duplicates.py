"""A survivor who calls twice: the advocate is warned before filing a request that may
repeat one of their own; coordinators see possible duplicates across advocates; no
advocate is ever shown another's cases."""

import pytest
from sqlalchemy import func, select

from placement.auth.models import Role
from placement.extensions import db
from placement.requests.models import HousingRequest
from tests.conftest import sign_in
from tests.test_requests import form_data, people


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(HousingRequest))


@pytest.fixture
def advocate(make_user, login):
    user = make_user(Role.ADVOCATE)
    return user, login(user)


def test_the_advocate_is_warned_before_filing_the_same_party_twice(advocate):
    _user, client = advocate
    assert client.post("/requests/new", data=form_data()).status_code == 302
    first = db.session.scalars(select(HousingRequest)).one()
    again = client.post("/requests/new", data=form_data(where="20003"))  # a mile away
    assert again.status_code == 409 and count() == 1
    assert "Not filed yet" in again.text and first.case_code in again.text
    assert 'name="file_anyway"' in again.text
    # Another party, or another place, or dates that do not meet: filed at once.
    smaller = form_data(**people("adult-25 female", "child female"))
    assert client.post("/requests/new", data=smaller).status_code == 302
    assert client.post("/requests/new", data=form_data(where="94103")).status_code == 302
    # "A different person": filed.
    assert client.post("/requests/new",
                       data=form_data(where="20003", file_anyway="y")).status_code == 302
    assert count() == 4


def test_another_advocates_request_is_never_named_to_an_advocate(advocate, app, make_user):
    _user, client = advocate
    other = sign_in(app.test_client(), make_user(Role.ADVOCATE, email="b@example.org"))
    assert other.post("/requests/new", data=form_data()).status_code == 302
    theirs = db.session.scalars(select(HousingRequest)).one()
    response = client.post("/requests/new", data=form_data())
    assert response.status_code == 302 and theirs.case_code not in response.text


def test_coordinators_see_possible_duplicates_across_advocates(advocate, app, make_user,
                                                                 login):
    _user, client = advocate
    other = sign_in(app.test_client(), make_user(Role.ADVOCATE, email="b@example.org"))
    client.post("/requests/new", data=form_data())
    other.post("/requests/new", data=form_data(where="20003"))
    mine, theirs = db.session.scalars(select(HousingRequest).order_by(HousingRequest.id))
    coordinator = sign_in(app.test_client(), make_user(Role.COORDINATOR))
    page = coordinator.get(f"/requests/{mine.id}").text
    assert "Possible duplicates" in page and theirs.case_code in page
    assert "Possible duplicates" not in client.get(f"/requests/{mine.id}").text
