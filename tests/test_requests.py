from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from partners.geo import locate
from placement.auth.models import Role
from placement.crypto import decrypt_note
from placement.extensions import db
from placement.requests.models import (
    MAX_HORIZON_NIGHTS,
    AgeBand,
    Gender,
    HousingRequest,
    PersonGender,
    Priority,
)
from placement.requests.party import Person
from placement.requests.service import (
    RequestDetails,
    RequestError,
    arrival_window,
    file_request,
    local_today,
)
from tests.conftest import sign_in

MAN = Person(AgeBand.ADULT_25, PersonGender.MALE)


def people(*persons: str) -> dict:
    """The party's rows as the form posts them, each person "age-band gender"
    ("adult-25 female", "" for an empty row); the rest of the six rows left empty."""
    rows = {}
    for index in range(6):
        band, gender = (persons[index] + " ").split(" ")[:2] if index < len(persons) \
            else ("", "")
        rows |= {f"people-{index}-age_band": band, f"people-{index}-gender": gender}
    return rows


def form_data(**overrides) -> dict:
    data = {
        "priority": "critical", **people("adult-25 female", "child female", "child male"),
        "pets": "1", "where": "20002", "max_miles": "30", "nights": "5",
        "danger_zones-0-where": "21201", "danger_zones-0-miles": "20",
        "earliest": "", "latest": "", "note": "", "window_auto": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture
def advocate(make_user, login):
    user = make_user(Role.ADVOCATE)
    return user, login(user)


def only_request():
    return db.session.scalars(select(HousingRequest)).one()


def test_a_critical_request_gets_a_case_code_and_tonight_as_its_window(advocate):
    user, client = advocate
    response = client.post("/requests/new", data=form_data())
    assert response.status_code == 302
    filed = only_request()
    assert filed.case_code.startswith("SB-") and len(filed.case_code) == 12
    tonight = local_today("America/New_York")
    assert (filed.earliest, filed.latest) == (tonight, tonight)
    assert (filed.adults, filed.children, filed.pets, filed.gender) == (1, 2, 1, Gender.FEMALE)
    assert filed.created_by_id == user.id and filed.timezone == "America/New_York"
    assert [(z.label, z.miles) for z in filed.danger_zones] == [("21201", 20)]
    page = client.get(response.headers["Location"]).text
    assert filed.case_code in page


def test_the_window_follows_priority_unless_the_advocate_sets_it(advocate):
    _user, client = advocate
    client.post("/requests/new", data=form_data(priority="high"))
    high = only_request()
    assert high.latest - high.earliest == timedelta(days=1)
    start = local_today("America/New_York") + timedelta(days=2)
    client.post("/requests/new", data=form_data(
        priority="normal", earliest=start.isoformat(), latest=(start + timedelta(1)).isoformat()))
    normal = db.session.scalars(select(HousingRequest).where(
        HousingRequest.priority == Priority.NORMAL)).one()
    assert (normal.earliest, normal.latest) == (start, start + timedelta(1))


def test_dates_the_priority_filled_in_are_recomputed_where_the_person_is(advocate):
    _user, client = advocate
    client.post("/requests/new", data=form_data(
        where="96813", window_auto="1", earliest="2030-01-01", latest="2030-01-02"))
    filed = only_request()
    tonight_in_honolulu = local_today("Pacific/Honolulu")
    assert (filed.earliest, filed.latest) == (tonight_in_honolulu, tonight_in_honolulu)


def test_tonight_is_the_local_date_where_the_person_is():
    late_evening_in_hawaii = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)  # Dec 1, 22:30 HST
    assert local_today("Pacific/Honolulu", late_evening_in_hawaii) == date(2026, 12, 1)
    assert local_today("America/New_York", late_evening_in_hawaii) == date(2026, 12, 2)
    assert arrival_window(Priority.HIGH, date(2026, 12, 1)) == (date(2026, 12, 1),
                                                               date(2026, 12, 2))


def test_validation_errors_keep_everything_typed(advocate):
    _user, client = advocate
    response = client.post("/requests/new", data=form_data(
        where="99999", note="Needs a ground floor room", **people()))
    assert response.status_code == 400
    assert "ZIP code 99999 was not found" in response.text
    assert "at least one person" in response.text
    assert "Needs a ground floor room" in response.text
    assert 'value="21201"' in response.text
    assert db.session.scalar(select(HousingRequest.id)) is None


def test_bad_numbers_are_a_clear_400_never_a_500(advocate):
    _user, client = advocate
    for field, value in [("people-0-age_band", "adult-99"), ("nights", "0"), ("nights", "many"),
                         ("priority", "urgent"), ("people-1-gender", "x"), ("max_miles", "1e9"),
                         ("earliest", "2026-13-45"), ("danger_zones-0-miles", "-5")]:
        response = client.post("/requests/new", data=form_data(**{field: value}))
        assert response.status_code == 400, (field, value)
    assert db.session.scalar(select(HousingRequest.id)) is None


def test_an_arrival_before_today_or_a_reversed_window_is_refused(advocate):
    _user, client = advocate
    yesterday = (local_today("America/New_York") - timedelta(days=1)).isoformat()
    response = client.post("/requests/new", data=form_data(earliest=yesterday))
    assert response.status_code == 400 and "cannot be before today" in response.text
    today = local_today("America/New_York")
    response = client.post("/requests/new", data=form_data(
        earliest=(today + timedelta(2)).isoformat(), latest=today.isoformat()))
    assert response.status_code == 400 and "comes before the earliest" in response.text


def test_the_note_is_encrypted_at_rest_and_shown_to_coordinators(advocate, make_user, app):
    _user, client = advocate
    client.post("/requests/new", data=form_data(note="Prefers a female coordinator"))
    filed = only_request()
    assert b"Prefers" not in filed.note_encrypted
    assert decrypt_note(filed.note_encrypted) == "Prefers a female coordinator"
    coordinator = app.test_client()
    coordinator_user = make_user(Role.COORDINATOR)
    sign_in(coordinator, coordinator_user)
    assert "Prefers a female coordinator" in coordinator.get(f"/requests/{filed.id}").text


def test_an_expired_form_token_keeps_the_form(app, advocate):
    _user, client = advocate
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/requests/new", data=form_data(
        csrf_token="expired-or-forged", note="keep me"))
    assert response.status_code == 400
    assert "nothing was lost" in response.text and "keep me" in response.text
    assert 'name="csrf_token"' in response.text
    assert db.session.scalar(select(HousingRequest.id)) is None


def test_an_advocate_cannot_read_another_advocates_request(advocate, make_user, app, caplog):
    _user, client = advocate
    client.post("/requests/new", data=form_data())
    filed = only_request()
    other = make_user(Role.ADVOCATE)
    other_client = app.test_client()
    other_client.post("/login", data={"email": other.email,
                                      "password": "correct horse battery staple"})
    assert other_client.get(f"/requests/{filed.id}").status_code == 404
    assert f"record denied: user {other.id} to request {filed.id}" in caplog.text


def test_a_minor_alone_gets_the_mandatory_reporting_reminder(advocate):
    _user, client = advocate
    response = client.post("/requests/new", data=form_data(**people("teen female"), pets="0"),
                           follow_redirects=True)
    assert "mandatory-reporting" in response.text


def test_my_requests_lists_the_advocates_own_requests(advocate, make_user, app):
    _user, client = advocate
    client.post("/requests/new", data=form_data())
    filed = only_request()
    filed.unplaced_reason = "no place within 30 miles admits a dog"
    db.session.commit()
    page = client.get("/advocate").text
    assert filed.case_code in page and "admits a dog" in page


def test_file_request_refuses_unknown_exclusions(app, make_user):
    user = make_user(Role.ADVOCATE)
    details = RequestDetails(
        priority=Priority.NORMAL, people=[MAN], pets=0,
        service_animal=False, accessible=False, location=locate("30303"), max_miles=None,
        danger_zones=[], exclude=["castle:1"], earliest=None, latest=None, nights=2,
        note=None)
    with pytest.raises(RequestError):
        file_request(db.session, user.id, details)


def test_reads_and_filing_are_on_the_audit_log_for_admins(advocate, make_user, app):
    _user, client = advocate
    client.post("/requests/new", data=form_data(note="SENTINEL-AUDIT-NOTE"))
    filed = only_request()
    client.get(f"/requests/{filed.id}")
    admin = make_user(Role.ADMIN)
    admin_client = app.test_client()
    sign_in(admin_client, admin)
    page = admin_client.get("/admin/audit?subject=request").text
    assert f"request #{filed.id}" in page and ">read<" in page and ">file<" in page
    assert "SENTINEL-AUDIT-NOTE" not in page and filed.case_code not in page
    assert client.get("/admin/audit").status_code == 403


def test_every_change_to_places_points_and_accounts_is_audited_without_values(
        app, make_user, login, create_shelter):
    from placement.audit import AuditEvent

    coordinator = make_user(Role.COORDINATOR)
    client = login(coordinator)
    shelter = create_shelter(name="Audit Test House")
    db.session.commit()
    shelter.capacity = 12
    shelter.address = "SENTINEL-ADDRESS 12 Elm"
    db.session.commit()
    client.post("/donors", data={"name": "Audited Donor", "kind": "company"})
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    kinds = {(e.action, e.subject) for e in events}
    assert {("create", "user"), ("create", "shelter"), ("update", "shelter"),
            ("create", "donor")} <= kinds
    update = next(e for e in events if (e.action, e.subject) == ("update", "shelter"))
    assert update.detail == "address, capacity" and update.subject_id == shelter.id
    donor_event = next(e for e in events if e.subject == "donor")
    assert donor_event.actor_id == coordinator.id
    assert not any("SENTINEL" in (e.detail or "") for e in events)


def test_an_arrival_beyond_the_planners_horizon_is_refused_with_the_form_kept(advocate):
    """Invariant: one bad request never stops planning. The planner looks 90 nights ahead
    (MAX_HORIZON_NIGHTS) from the person's local date; an arrival window beyond that, or so
    far away that adding nights overflows the calendar, is refused at the door."""
    _user, client = advocate
    today = local_today("America/New_York")
    beyond = today + timedelta(days=MAX_HORIZON_NIGHTS)
    for earliest, latest in [(beyond, beyond), ("2031-06-01", "2031-06-02"),
                             ("9999-12-31", "9999-12-31"), (today, "9999-12-31"),
                             (today, beyond)]:
        response = client.post("/requests/new", data=form_data(
            earliest=str(earliest), latest=str(latest), note="keep me"))
        assert response.status_code == 400, (earliest, latest)
        # A date at the calendar's end may be stopped first by the app's bounds on any date.
        assert ("the planner looks 90 days ahead" in response.text
                or "9999" in str(latest) and "Enter a date between" in response.text)
        assert "keep me" in response.text and f'value="{earliest}"' in response.text
    assert db.session.scalar(select(HousingRequest.id)) is None
    last = today + timedelta(days=MAX_HORIZON_NIGHTS - 1)
    response = client.post("/requests/new", data=form_data(
        earliest=last.isoformat(), latest=last.isoformat()))
    assert response.status_code == 302
    assert (only_request().earliest, only_request().latest) == (last, last)


def test_the_horizon_counts_from_the_persons_local_date(advocate):
    _user, client = advocate
    last = local_today("Pacific/Honolulu") + timedelta(days=MAX_HORIZON_NIGHTS - 1)
    response = client.post("/requests/new", data=form_data(
        where="96813", earliest=last.isoformat(), latest=last.isoformat()))
    assert response.status_code == 302


@pytest.mark.parametrize("earliest, latest", [
    (date(9999, 12, 31), date(9999, 12, 31)), (date(2031, 1, 1), None),
    (None, date(9999, 12, 31))])
def test_file_request_itself_refuses_a_window_beyond_the_horizon(app, make_user, earliest,
                                                                 latest):
    # Not only the form: any caller of the service.
    user = make_user(Role.ADVOCATE)
    details = RequestDetails(
        priority=Priority.NORMAL, people=[MAN], pets=0,
        service_animal=False, accessible=False, location=locate("30303"), max_miles=None,
        danger_zones=[], exclude=[], earliest=earliest, latest=latest, nights=2, note=None)
    with pytest.raises(RequestError, match="the planner looks 90 days ahead"):
        file_request(db.session, user.id, details,
                     now=datetime(2026, 12, 1, 17, tzinfo=UTC))
