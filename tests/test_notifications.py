"""E-mails go to a real SMTP server on loopback (aiosmtpd), carry the case code and a
link, and never a case detail."""

from datetime import date

import pytest
from sqlalchemy import select

from placement.auth.models import Role
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.extensions import db
from tests.conftest import sign_in as sign_in_as
from tests.web_fixtures import free_port


@pytest.fixture
def inbox(smtp_inbox):
    return smtp_inbox


def sign_in(app, user):
    return sign_in_as(app.test_client(), user)


REQUEST = {"priority": "critical", "people-0-age_band": "adult-25", "people-0-gender": "female",
           "people-1-age_band": "child", "people-1-gender": "female",
           "people-2-age_band": "child", "people-2-gender": "male",
           "pets": "1", "where": "20002", "max_miles": "30", "nights": "5",
           "window_auto": "1", "note": "SENTINEL-NOTE-4471"}


def test_a_critical_request_emails_the_on_call_coordinators_at_once(app, inbox, make_user):
    on_call = make_user(Role.COORDINATOR, email="oncall@example.org")
    on_call.on_call = True
    make_user(Role.COORDINATOR, email="offduty@example.org")
    db.session.commit()
    sign_in(app, make_user(Role.ADVOCATE)).post("/requests/new", data=REQUEST)
    [(recipients, message)] = inbox.messages
    assert recipients == ["oncall@example.org"]
    assert "Critical request SB-" in message
    assert "https://hotline.example.org/requests/" in message
    for detail in ("SENTINEL-NOTE-4471", "20002", "dog", "pet", "female"):
        assert detail not in message


def test_a_normal_request_emails_nobody(app, inbox, make_user):
    make_user(Role.COORDINATOR).on_call = True
    db.session.commit()
    sign_in(app, make_user(Role.ADVOCATE)).post("/requests/new",
                                                data={**REQUEST, "priority": "normal"})
    assert inbox.messages == []


def test_the_advocate_hears_when_the_request_is_placed_or_cannot_be(
        app, inbox, make_user, create_request, create_shelter):
    advocate = make_user(Role.ADVOCATE, email="advocate@example.org")
    create_shelter(capacity=2, location="20001")
    placeable = create_request(where="20002", earliest=date.today(), max_miles=20,
                               created_by_id=advocate.id)
    stranded = create_request(where="59001", earliest=date.today(), max_miles=15,
                              created_by_id=advocate.id)
    db.session.commit()
    coordinator = sign_in(app, make_user(Role.COORDINATOR))
    coordinator.post("/plan/runs")
    assert [m for _to, m in inbox.messages if stranded.case_code in m]
    coordinator.post("/plan/runs")  # the same reason again: no second e-mail
    assert len([m for _to, m in inbox.messages if stranded.case_code in m]) == 1
    booking = db.session.scalar(select(Booking).where(
        Booking.request_id == placeable.id, Booking.state == BookingState.PROPOSED))
    coordinator.post(f"/bookings/{booking.id}/approve")
    placed = [m for to, m in inbox.messages if placeable.case_code in m]
    assert placed and "has a place" in placed[-1]
    assert all(to == ["advocate@example.org"] for to, _m in inbox.messages)


def test_a_mail_server_that_is_down_never_loses_the_request(app, make_user):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    make_user(Role.COORDINATOR).on_call = True
    db.session.commit()
    response = sign_in(app, make_user(Role.ADVOCATE)).post("/requests/new", data=REQUEST)
    assert response.status_code == 302
