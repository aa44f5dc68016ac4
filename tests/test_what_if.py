"""What more points would do, computed by the scheduler: a batch at a time, off every web
request, its figures per program and step, never fewer people placed with more points."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from partners.availability.common import local_today
from placement.extensions import db
from placement.jobs.what_if import STEPS
from placement.points.models import BatchState, WhatIf, WhatIfBatch
from placement.points.what_if import queue_batch
from tests.test_jobs import run

NOW = datetime.now().astimezone()


def short_of_points(create_hotel, create_request, make_lot, requests: int = 3):
    """Requests only a hotel can take, and points for one stay of the three."""
    hotel = create_hotel(standard_points=20_000, rooms_per_night=5, location="20005")
    today = local_today("America/New_York", NOW)
    for _ in range(requests):
        create_request(where="20002", earliest=today, nights=2, max_miles=30)
    make_lot(40_000, program="ihg", received_on=today - timedelta(days=1),
             expires_on=today + timedelta(days=300))
    return hotel


def test_a_batch_says_how_many_more_people_each_step_would_place(
        app, create_hotel, create_request, make_lot):
    app.config["WHAT_IF_SECONDS"] = 20
    short_of_points(create_hotel, create_request, make_lot)
    batch = queue_batch(db.session, None)
    assert queue_batch(db.session, None) is batch  # one queued at a time
    assert run(app, "what_if", NOW).counts == {"claimed": batch.id}
    batch = db.session.get(WhatIfBatch, batch.id)
    assert batch.state is BatchState.DONE and batch.done == batch.total and batch.pending == 3
    rows = db.session.scalars(select(WhatIf).where(WhatIf.batch_id == batch.id)
                              .order_by(WhatIf.extra_points)).all()
    assert [r.extra_points for r in rows] == [0, *STEPS]
    # A stay is 2 nights at 20,000: 40,000 pays one, 90,000 two, 140,000 all three.
    assert [r.placed for r in rows] == [1, 2, 3, 3, 3]
    assert all(r.proven for r in rows)
    assert [r.cost for r in rows] == sorted((r.cost for r in rows), reverse=True)


def test_one_batch_at_a_time_and_a_cut_off_one_fails(app):
    first, second = queue_batch(db.session, None), None
    first.state, first.started_at = BatchState.RUNNING, datetime.utcnow()  # noqa: DTZ003
    second = WhatIfBatch()
    db.session.add(second)
    assert run(app, "what_if", NOW).counts == {"claimed": 0, "busy": 1}
    first = db.session.get(WhatIfBatch, first.id)
    first.started_at -= timedelta(hours=3)  # its process stopped long ago
    assert run(app, "what_if", NOW + timedelta(minutes=1)).counts["claimed"] == second.id
    assert db.session.get(WhatIfBatch, first.id).state is BatchState.FAILED


def test_the_nightly_job_queues_a_batch(app):
    assert run(app, "what_if_nightly", NOW).counts["batch"]
    assert db.session.scalar(select(WhatIfBatch)).requested_by_id is None
    assert date.today()  # the figures are computed by the every-minute job, not here


def test_the_program_page_shows_the_figures_and_queues_a_batch(
        app, create_hotel, create_request, make_lot, make_user, login):
    from placement.auth.models import Role

    app.config["WHAT_IF_SECONDS"] = 20
    hotel = short_of_points(create_hotel, create_request, make_lot)
    client = login(make_user(Role.COORDINATOR))
    url = f"/places/programs/{hotel.program_id}"
    assert "Not computed yet" in client.get(url).text
    response = client.post(f"{url}/what-if")
    assert response.status_code == 303
    assert "Queued" in client.get(url).text
    poll = client.get(f"{url}/what-if/status").json
    assert poll["open"] and "Queued" in poll["html"]
    run(app, "what_if", NOW)
    page = client.get(url).text
    assert "places <strong>1</strong> of the 3 requests" in page
    assert "+50,000" in page and "1 critical" in page and "Proven" in page
    assert "The first 50,000 more IHG One Rewards points would place 1 more request." in page
    assert client.get(f"{url}/what-if/status").json["open"] is False
    assert "2 more placed" in client.get("/points").text  # +100,000: all three, not one


def test_a_donor_sees_what_a_next_gift_would_do_averaged_and_hidden_when_small(app):
    from partners.points import LoyaltyProgram
    from placement.points.what_if import NEXT_GIFT_POINTS, gift_figures

    program = LoyaltyProgram(code="ihg", name="IHG One Rewards", inactivity_months=12)
    db.session.add(program)
    db.session.flush()
    now = datetime.utcnow()  # noqa: DTZ003 - stored naive UTC
    for people, nights, age in ((20, 60, 1), (30, 90, 2), (500, 999, 45)):  # the last: too old
        batch = WhatIfBatch(state=BatchState.DONE, finished_at=now - timedelta(days=age))
        db.session.add(batch)
        db.session.flush()
        for extra, gain in ((0, 0), (NEXT_GIFT_POINTS, 1)):
            db.session.add(WhatIf(batch_id=batch.id, program_id=program.id, extra_points=extra,
                                  people=5 + people * gain, nights=7 + nights * gain,
                                  cost=0, bound=0))
    asked = WhatIfBatch(state=BatchState.DONE, finished_at=now, requested_by_id=None)
    db.session.add(asked)
    db.session.flush()
    [gift] = gift_figures(db.session, ["IHG One Rewards"], now.date())
    assert (gift.people, gift.nights, gift.batches) == (25, 75, 2)
    small = db.session.scalars(select(WhatIf).where(WhatIf.extra_points > 0)).all()
    for row in small:
        row.people = 5 + 3  # 3 more people: hidden
    [gift] = gift_figures(db.session, ["IHG One Rewards"], now.date())
    assert gift.people is None and gift.nights == 75
