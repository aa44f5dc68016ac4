"""Bridge stays (issue 21) on the pages: the advocate's "may move once" on the request form,
the coordinators' choice per request, and a chain shown as one placement of several stays:
on the placement card (two stays and the move day), the shelter's staff link ("arrives Thu
Dec 3 from the Airport Holiday Lodge"), the plan, the stay's page and the tape chart."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from partners.availability import issue_staff_link
from partners.base import utcnow
from placement.auth.models import Role, User
from placement.bookings import service
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.inbox import InboxMessage
from placement.jobs.runner import run_job
from placement.places.tokens import staff_token
from placement.requests.models import HousingRequest
from tests.request_factories import TODAY
from tests.test_booking_chains import places, propose, proposed  # noqa: F401 - fixtures

ARRIVES = "arrives Thu Dec 3 from the Airport Holiday Lodge"


@pytest.fixture
def approved(proposed):  # noqa: F811 - the fixture above
    request, lead, later, coordinator = proposed
    service.approve(db.session, lead, coordinator, TODAY)
    db.session.commit()
    return proposed


def filed(client, **fields) -> HousingRequest:
    form = {"priority": "critical", "people-0-age_band": "adult-25",
            "people-0-gender": "female", "where": "20002", "nights": "5", "pets": "0", **fields}
    response = client.post("/requests/new", data=form)
    assert response.status_code == 302, response.text
    return db.session.get(HousingRequest, int(response.headers["Location"].split("/")[2]
                                              .split("?")[0]))


def test_the_advocate_may_say_the_person_must_not_be_moved(app, login, make_user):
    client = login(make_user(Role.ADVOCATE))
    form = client.get("/requests/new").text
    assert "May move once if that gets them in sooner" in form
    assert "Must not be moved: a child&#39;s school" in form
    may = filed(client)  # the answer left as it is: they may move
    school = filed(client, moves="school", file_anyway="y")
    assert (may.may_move, may.no_move_reason) == (True, None)
    assert (school.may_move, school.no_move_reason) == (False, "school")
    assert "Must not be moved: a child&#39;s school." in client.get(f"/requests/{school.id}").text
    assert client.post("/requests/new", data={"moves": "never mind"}).status_code == 400


def test_a_coordinator_allows_moves_for_one_request_and_its_proposals_go(proposed, login):  # noqa: F811
    request, lead, later, coordinator = proposed
    client = login(db.session.get(User, coordinator))
    page = client.get(f"/requests/{request.id}").text
    assert "May move once if that gets them in sooner" in page  # critical: allowed by default
    assert client.post(f"/requests/{request.id}/moves", data={"moves": "never"}).status_code == 303
    db.session.expire_all()
    assert request.moves_allowed is False
    assert (lead.state, later.state) == (BookingState.CANCELLED, BookingState.CANCELLED)
    assert "the coordinators chose one place" in client.get(f"/requests/{request.id}").text
    assert client.post(f"/requests/{request.id}/moves", data={"moves": "x"}).status_code == 400


def test_the_card_shows_the_advocate_two_stays_and_the_move_day_and_the_staff_whence(
        approved, login, client, places):  # noqa: F811
    request, lead, later, coordinator = approved
    client = login(db.session.get(User, request.created_by_id))
    html = client.get(f"/requests/{request.id}/card").json["html"]
    assert "Airport Holiday Lodge" in html and "Harbor House" in html
    assert ARRIVES in html and "Move day" in html and "Thu Dec 3" in html
    assert "On Thursday December 3 you move to a bed at Harbor House" in html
    compact = client.get("/advocate").text
    assert "then <strong>Harbor House</strong> from Thu Dec 3" in compact
    # The shelter's staff see where the person comes from.
    shelter = places[1]
    issue_staff_link(db.session, shelter, utcnow())
    db.session.commit()
    page = client.get(f"/report/{staff_token(shelter)}/stays").text
    assert "Thu Dec 3 from the Airport Holiday Lodge, 3 nights" in page


def test_the_coordinators_pages_show_one_placement(proposed, login):  # noqa: F811
    request, lead, later, coordinator = proposed
    client = login(db.session.get(User, coordinator))
    plan = client.get("/plan").text
    assert "then Harbor House from Thu Dec 3" in plan and ARRIVES in plan
    assert "Approved or rejected with the stay before it" in plan
    service.approve(db.session, lead, coordinator, TODAY)
    db.session.commit()
    stay = client.get(f"/bookings/{later.id}").text
    assert "Bridge stay: 2 stays, one placement" in stay and ARRIVES in stay
    assert "transport not arranged yet" in stay
    tape = client.get("/tape?days=7").text
    assert "Moves to Harbor House on Thu Dec 3" in tape
    assert "Moved in from Airport Holiday Lodge" in tape
    assert client.post(f"/bookings/{later.id}/transport").status_code == 303
    db.session.expire_all()
    assert later.transport_arranged_at is not None


# -- the move day: a task on the coordinators' queue, a reminder the day before --------------

def remind(app, moment: datetime) -> dict | None:
    db.session.commit()  # the job runs in its own session, as in the scheduler process
    run = run_job(app, "move_reminders", moment)
    db.session.expire_all()
    return run.counts if run else None


def at_hotline(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo("America/New_York"))


def test_the_move_day_is_reminded_once_the_day_before_then_a_task_until_arranged(
        app, approved, smtp_inbox, login):
    request, lead, later, coordinator = approved  # the move: Thu Dec 3
    assert remind(app, at_hotline(TODAY, 10)) == {"reminded": 0, "to_arrange": 0}
    assert remind(app, at_hotline(TODAY + timedelta(days=1), 10)) == {
        "reminded": 1, "to_arrange": 1}
    assert remind(app, at_hotline(TODAY + timedelta(days=1), 11)) == {
        "reminded": 0, "to_arrange": 0}
    [message] = db.session.scalars(select(InboxMessage)).all()
    assert (message.user_id, message.link) == (coordinator, f"/bookings/{later.id}")
    assert message.text == (f"{request.case_code}: moves to its next place tomorrow: arrange "
                            "the transport.")
    [(recipients, body)] = smtp_inbox.messages
    assert "Harbor House" not in body and request.case_code in body  # a code and a link
    # The queue lists the move as a task until transport is arranged.
    client = login(db.session.get(User, coordinator))
    queue = client.get("/coordinator").text
    assert "Moves to arrange" in queue and "Airport Holiday Lodge → Harbor House" in queue
    assert client.post(f"/bookings/{later.id}/transport",
                       data={"next": "/coordinator"}).headers["Location"] == "/coordinator"
    assert "badge text-bg-success\">Transport arranged" in client.get("/coordinator").text


def test_the_card_says_the_rest_of_the_stay_is_planned_again_after_a_no(approved, login):
    request, lead, later, coordinator = approved
    service.decline(db.session, later, None, "no_bed")
    db.session.commit()
    client = login(db.session.get(User, request.created_by_id))
    html = client.get(f"/requests/{request.id}/card").json["html"]
    assert "Airport Holiday Lodge" in html
    assert "the rest of the stay, from Thu Dec 3 (3 nights), is being planned again" in html
