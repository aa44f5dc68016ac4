"""Shelter staff answer the stays the hotline approved at their shelter, through their
shelter's private link: yes confirms under a generated code, no gives the beds back, keeps
the shelter out of that request's plans and tells the advocate and the approving
coordinator. The link shows nothing beyond what staff need to get a bed ready."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from partners.availability import issue_staff_link, revoke_staff_link, shelter_nights
from partners.base import utcnow
from partners.needs import ensure_vocabulary
from placement.audit import AuditEvent
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.crypto import encrypt_note
from placement.extensions import db
from placement.inbox import InboxMessage
from placement.places.tokens import staff_token
from placement.requests.models import PlaceRejection, RequestStatus

S = BookingState
CHECK_IN = date.today() + timedelta(days=1)


@pytest.fixture
def approved(app, create_shelter, create_booking, create_request, make_user):
    """`approved(**shelter_fields)`: a stay approved by a coordinator at a shelter with a
    live staff link; returns (booking, the link's stays page)."""
    coordinator = make_user(Role.COORDINATOR)

    def make(**fields):
        shelter = create_shelter(capacity=6, **fields)
        issue_staff_link(db.session, shelter, utcnow())
        request = create_request(earliest=CHECK_IN, nights=2, adults=1, children=2,
                                 note_encrypted=encrypt_note("SENTINEL-NOTE-9913"),
                                 avoid=[("20005", 2)])
        request.needs.add(ensure_vocabulary(db.session)["lang:es"])
        booking = create_booking(shelter, request=request, check_in=CHECK_IN, nights=2)
        service.approve(db.session, booking, coordinator.id, date.today())
        db.session.commit()
        return booking, f"/report/{staff_token(shelter)}/stays"

    make.coordinator = coordinator
    return make


def test_staff_see_what_they_need_and_nothing_else(client, approved):
    booking, url = approved()
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    assert booking.request.case_code in text and "Needs your answer" in text
    assert "1 adult, 2 children" in text and "Staff speak Spanish" in text
    assert booking.check_in.strftime("%b") in text
    for secret in ("SENTINEL-NOTE-9913", "20002", "20005", "12 Confidential Lane",
                   booking.request.location_label or "-"):
        assert secret not in text
    assert page.headers["Cache-Control"] == "no-store"


def test_yes_confirms_under_a_code_on_the_staff_links_name(client, approved, smtp_inbox):
    booking, url = approved()
    response = client.post(f"{url}/{booking.ref}/accept", data={})
    assert response.status_code == 303
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert booking.state is S.CONFIRMED and re.fullmatch(r"C-[0-9A-Z]{6}", booking.confirmation)
    assert booking.confirmation in client.get(url).text
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_id == booking.id, AuditEvent.action == "accept"))
    assert (event.actor_id, event.actor_kind) == (None, "staff_link")
    [note] = db.session.scalars(select(InboxMessage).where(
        InboxMessage.user_id == booking.request.created_by_id, InboxMessage.kind == "accepted"))
    assert note.text == f"{booking.request.case_code}: the place said yes."
    assert any(booking.request.case_code in m and "said yes" in m for _to, m in smtp_inbox.messages)
    # A second yes is refused with a sentence, not a 500.
    again = client.post(f"{url}/{booking.ref}/accept", data={})
    assert again.status_code == 303
    assert "cannot be accepted now" in client.get(url).text


def test_no_bed_gives_the_beds_back_records_the_shelter_full_and_keeps_it_out(
        client, approved):
    booking, url = approved()
    shelter, request = booking.shelter, booking.request
    response = client.post(f"{url}/{booking.ref}/decline",
                           data={f"{booking.ref}-reason_code": "no_bed"})
    assert response.status_code == 303
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert (booking.state, booking.reason_code, booking.reason) == (
        S.CANCELLED, "no_bed", "No bed after all")
    assert booking.request.status is RequestStatus.PENDING
    nights = shelter_nights(db.session, shelter, CHECK_IN, CHECK_IN + timedelta(days=1))
    assert [(n.held, n.free) for n in nights] == [(0, 0), (0, 0)]
    [rejection] = db.session.scalars(select(PlaceRejection).where(
        PlaceRejection.request_id == request.id))
    assert rejection.shelter_id == shelter.id and rejection.active
    told = {m.user_id: m.text for m in db.session.scalars(select(InboxMessage))}
    assert told == {
        request.created_by_id: f"{request.case_code}: the place said no; it is being "
                               "planned again.",
        approved.coordinator.id: f"{request.case_code}: the place said no; it is being "
                                 "planned again."}


def test_other_needs_a_few_words_and_nothing_changes_without_them(client, approved):
    booking, url = approved()
    response = client.post(f"{url}/{booking.ref}/decline", data={
        f"{booking.ref}-reason_code": "other", f"{booking.ref}-note": "  "})
    assert response.status_code == 400
    assert "Say why the place said no." in response.text
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).state is S.APPROVED
    # No reason chosen at all: the same, with its own sentence.
    response = client.post(f"{url}/{booking.ref}/decline", data={})
    assert response.status_code == 400 and "Choose why." in response.text


def test_a_revoked_link_answers_nothing(client, approved):
    booking, url = approved()
    revoke_staff_link(db.session, booking.shelter)
    db.session.commit()
    response = client.post(f"{url}/{booking.ref}/accept", data={})
    assert response.status_code == 410 and "no longer active" in response.text
    assert client.get(url).status_code == 410
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).state is S.APPROVED


def test_another_shelters_stay_is_not_found_through_this_link(client, approved):
    mine, url = approved()
    theirs, _ = approved(name="Other House")
    assert theirs.request.case_code not in client.get(url).text
    response = client.post(f"{url}/{theirs.ref}/accept", data={})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, theirs.id).state is S.APPROVED


def test_a_coordinator_records_a_hotels_no_with_the_same_reasons(
        approved, login):
    booking, _url = approved()
    client = login(approved.coordinator)
    page = client.get(f"/bookings/{booking.id}").text  # CSRF is off in tests
    assert "The place declined" in page and "No bed after all" in page
    response = client.post(f"/bookings/{booking.id}/decline", data={
        "reason_code": "safety"})
    assert response.status_code == 303
    db.session.expire_all()
    booking = db.session.get(Booking, booking.id)
    assert (booking.state, booking.reason_code) == (S.CANCELLED, "safety")
