"""What the reports need to know about a request, recorded at filing: the type of
trafficking and how the hotline was reached (optional codes, never free text, never needed
to place someone), and the state of where the person was, which outlives the retention
purge of the location."""

from datetime import UTC, datetime, timedelta

import pytest

from partners.geo import locate
from placement.auth.models import Role
from placement.bookings.models import Booking
from placement.bookings.states import BookingState
from placement.extensions import db
from placement.jobs.runner import run_job
from placement.requests.models import (
    AgeBand,
    ContactChannel,
    HousingRequest,
    PersonGender,
    Priority,
    TraffickingType,
)
from placement.requests.outcomes import OutcomeKind, RequestOutcome
from placement.requests.party import Person
from placement.requests.service import RequestDetails, file_request, local_today
from tests.conftest import sign_in

FILING = {"priority": "critical", "people-0-age_band": "adult-25",
          "people-0-gender": "female", "pets": "0", "where": "20002", "nights": "3",
          "window_auto": "1"}


def test_a_request_is_filed_without_the_optional_codes_and_with_them(app, make_user):
    advocate = sign_in(app.test_client(), make_user(Role.ADVOCATE))
    assert advocate.post("/requests/new", data=FILING).status_code == 302
    advocate.post("/requests/new", data=FILING | {
        "where": "Houston, TX", "trafficking_type": "labor", "contact_channel": "text",
        "file_anyway": "y"})
    plain, coded = db.session.query(HousingRequest).order_by(HousingRequest.id).all()
    assert (plain.trafficking_type, plain.contact_channel, plain.us_state) == (None, None, "DC")
    assert (coded.trafficking_type, coded.contact_channel, coded.us_state) == (
        TraffickingType.LABOR, ContactChannel.TEXT, "TX")
    form = advocate.get("/requests/new").text
    assert "Type of trafficking" in form and "Not recorded" in form


@pytest.mark.parametrize(("field", "value", "message"), [
    ("trafficking_type", "slavery", "Choose a type of trafficking from the list"),
    ("contact_channel", "fax", "Choose how the hotline was reached from the list"),
])
def test_a_forged_code_is_refused_with_a_message_and_nothing_is_filed(
        app, make_user, field, value, message):
    advocate = sign_in(app.test_client(), make_user(Role.ADVOCATE))
    response = advocate.post("/requests/new", data=FILING | {field: value})
    assert response.status_code == 400 and message in response.text
    assert db.session.query(HousingRequest).count() == 0


def edit_form(request: HousingRequest, **changes) -> dict:
    return {"earliest": request.earliest.isoformat(), "latest": request.latest.isoformat(),
            "nights": str(request.nights)} | changes


def test_the_edit_page_changes_the_codes_keeps_the_proposals_and_refuses_forged_ones(
        app, make_user, create_request, create_booking, create_shelter):
    advocate = make_user(Role.ADVOCATE)
    today = local_today("America/New_York")
    request = create_request(created_by_id=advocate.id, earliest=today)
    proposal = create_booking(create_shelter(), request=request, check_in=today)
    client = sign_in(app.test_client(), advocate)
    forged = client.post(f"/requests/{request.id}/edit",
                         data=edit_form(request, contact_channel="fax"))
    assert forged.status_code == 400 and "how the hotline was reached" in forged.text
    response = client.post(f"/requests/{request.id}/edit", data=edit_form(
        request, trafficking_type="both", contact_channel="partner"))
    assert response.status_code == 303
    db.session.expire_all()
    request = db.session.get(HousingRequest, request.id)
    assert (request.trafficking_type, request.contact_channel) == (
        TraffickingType.BOTH, ContactChannel.PARTNER)
    # No plan depends on them: the proposal stays for the coordinator to approve.
    assert db.session.get(Booking, proposal.id).state is BookingState.PROPOSED
    coordinator = sign_in(app.test_client(), make_user(Role.COORDINATOR))
    page = coordinator.get(f"/requests/{request.id}").text
    assert "Both sex and labor trafficking" in page and "A partner agency" in page
    assert "<dd class=\"col-sm-9\">DC</dd>" in page


@pytest.mark.parametrize(("where", "state"), [
    ("00901", "PR"), ("20001", "DC"), ("Houston, TX", "TX"), ("96910", None),
])
def test_the_state_is_that_of_the_location_at_filing(app, make_user, where, state):
    details = RequestDetails(
        priority=Priority.NORMAL, people=[Person(AgeBand.ADULT_25, PersonGender.FEMALE)],
        pets=0, service_animal=False, accessible=False, location=locate(where),
        max_miles=None, danger_zones=[], exclude=[], earliest=None, latest=None, nights=2,
        note=None)
    filed = file_request(db.session, make_user(Role.ADVOCATE).id, details)
    assert filed.us_state == state  # Guam is outside the published map


def test_the_state_codes_and_steps_outlive_the_retention_purge(app, create_request):
    today = local_today("America/New_York")
    old = create_request(where="Houston, TX", earliest=today - timedelta(days=200),
                         trafficking_type=TraffickingType.SEX,
                         contact_channel=ContactChannel.CALL)
    old.wait_reason_code = "planner.full_alone"
    old.record_step("ended", old.created_at)
    db.session.add(RequestOutcome(request=old, kind=OutcomeKind.UNPLACED,
                                  reason="planner.full_alone", decided_at=old.created_at))
    db.session.commit()
    assert run_job(app, "retention", datetime.now(UTC)).counts["requests_purged"] == 1
    db.session.expire_all()
    old = db.session.get(HousingRequest, old.id)
    assert old.purged_at is not None and old.location_label is None and old.lat is None
    assert (old.us_state, old.trafficking_type, old.contact_channel) == (
        "TX", TraffickingType.SEX, ContactChannel.CALL)
    assert old.wait_reason_code == "planner.full_alone" and old.ended_at is not None
    assert db.session.query(RequestOutcome).one().reason == "planner.full_alone"
