"""A sentinel planted in a request's free text never shows up in logs, URLs, error pages,
alerts (inbox, its poll, mail), the placement card's poll, the shelter staff's page, or any
page but the request's own, and then only for those allowed to read it."""

import logging
from datetime import UTC, datetime, timedelta

from flask import Blueprint

from partners.availability import issue_staff_link
from partners.base import utcnow
from partners.geo import locate
from partners.places import Policy, Shelter
from placement import notify
from placement.auth.access import roles
from placement.auth.models import Role
from placement.bookings import service
from placement.extensions import db
from placement.jobs.runner import run_job
from placement.places.tokens import staff_token
from placement.requests.models import HousingRequest
from tests.conftest import sign_in

SENTINEL = "SENTINEL-Q7XZ-MARIA-555-0142"


def test_the_note_stays_where_it_belongs(app, make_user, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    mails = []
    monkeypatch.setattr(notify, "send", lambda to, subject, body: mails.append(subject + body))
    advocate = make_user(Role.ADVOCATE)
    author = sign_in(app.test_client(), advocate)
    response = author.post("/requests/new", data={
        "priority": "critical", "people-0-age_band": "adult-25", "people-0-gender": "female",
        "pets": "0", "where": "20002", "nights": "3", "window_auto": "1", "note": SENTINEL})
    assert SENTINEL not in response.headers["Location"]
    request = db.session.query(HousingRequest).one()
    request_url = f"/requests/{request.id}"

    readers = {"owner": author}
    for role in Role:
        reader = make_user(role)
        reader.on_call = role is Role.COORDINATOR  # hears of the critical request again
        readers[role.value] = sign_in(app.test_client(), reader)
    escalate_past_every_step(app, request)
    assert request.case_code in readers["coordinator"].get("/inbox").text  # not vacuous
    assert readers["admin"].get("/inbox/unread").get_json() == {"unread": 1}
    assert mails and not any(SENTINEL in mail for mail in mails)
    staff_page = placed_at_a_linked_shelter(request)
    assert "Sentinel House" in readers["owner"].get(f"{request_url}/card").text  # not vacuous
    allowed = {("owner", request_url), ("coordinator", request_url)}
    seen = set()
    for name, client in readers.items():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.arguments - {"request_id"}:
                continue
            url = rule.build({"request_id": request.id})[1]
            page = client.get(url)
            assert SENTINEL not in page.headers.get("Location", "")
            if SENTINEL in page.get_data(as_text=True):
                seen.add((name, url))
    assert seen == allowed
    staff = app.test_client().get(staff_page)  # the shelter's staff link: no account
    assert request.case_code in staff.text and SENTINEL not in staff.text
    assert SENTINEL not in caplog.text


def placed_at_a_linked_shelter(request: HousingRequest) -> str:
    """The request placed at a shelter whose staff have a link (so the placement card, its
    poll and the staff page all have something to show); returns the staff page."""
    shelter = Shelter(name="Sentinel House", capacity=4, policy=Policy.WOMEN)
    shelter.move_to(locate("20001"))
    db.session.add(shelter)
    db.session.flush()
    issue_staff_link(db.session, shelter, utcnow())
    service.place_by_hand(db.session, request, shelter, request.earliest, 1, None,
                          request.earliest)
    db.session.commit()
    return f"/report/{staff_token(shelter)}/stays"


def escalate_past_every_step(app, request: HousingRequest) -> None:
    """The critical request waited an hour: the ladder alerts the on-call coordinators and
    the admins, in their inboxes (walked below with every other page) and by mail."""
    request.created_at -= timedelta(hours=1)
    db.session.commit()
    run = run_job(app, "escalate", datetime.now(UTC))
    assert run.counts["critical_15"] == run.counts["critical_30"] == 1
    db.session.expire_all()


def test_an_unexpected_error_shows_no_detail(app, make_user, caplog):
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @roles(Role.COORDINATOR)
    def boom():
        raise RuntimeError(f"failed while reading {SENTINEL}")

    app.register_blueprint(bp)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = sign_in(app.test_client(), make_user(Role.COORDINATOR))
    response = client.get("/boom")
    assert response.status_code == 500
    assert SENTINEL not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert "Something went wrong on our side" in response.get_data(as_text=True)



def test_logged_errors_keep_their_type_and_place_but_not_their_message(app):
    import io
    import sys

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(app.logger.handlers[0].formatter)
    try:
        try:
            raise KeyError(SENTINEL)
        except KeyError as error:
            raise RuntimeError(f"while filing {SENTINEL}") from error
    except RuntimeError:
        handler.handle(logging.LogRecord("placement", logging.ERROR, __file__, 1,
                                         "Exception on /requests/new [POST]", None,
                                         sys.exc_info()))
    text = stream.getvalue()
    assert "RuntimeError: [message withheld] (caused by KeyError)" in text
    assert "test_privacy_sentinel.py" in text and SENTINEL not in text
