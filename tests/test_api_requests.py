"""Filing, reading, withdrawing and following requests through the integration API: the
same service functions as the pages, idempotent filing (also under concurrent retries),
every wrong field named, and each key seeing only its organization's requests."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from partners.places import Policy
from placement.api.keys import Scope
from placement.audit import AuditEvent
from placement.auth.access import KEY
from placement.auth.models import Role
from placement.bookings import service
from placement.bookings.models import Booking
from placement.clock import hotline_today
from placement.extensions import db
from placement.requests.models import HousingRequest, RequestStatus
from tests.api_support import PROBLEM, bearer

BODY = {"priority": "high", "people": [{"age_band": "adult-25", "gender": "female"},
                                       {"age_band": "child", "gender": "unknown"}],
        "where": "20001", "nights": 2, "trafficking_type": "labor"}


def file(client, token: str, body=None, idempotency: str = "retry-1"):
    return client.post("/api/v1/requests", json=BODY if body is None else body,
                       headers={**bearer(token), "Idempotency-Key": idempotency})


def audit_rows(subject_id: int) -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        select(AuditEvent.action, AuditEvent.actor_kind, AuditEvent.actor_key_id,
               AuditEvent.actor_id).where(AuditEvent.subject == "request",
                                          AuditEvent.subject_id == subject_id)
        .order_by(AuditEvent.id)).all()


def test_a_filed_request_is_read_back_and_audited_as_the_key(client, make_key):
    key, token = make_key()
    filed = file(client, token)
    assert filed.status_code == 201, filed.text
    code = filed.json["case_code"]
    request = db.session.scalar(select(HousingRequest))
    assert (request.case_code, request.created_by_id, request.adults, request.children,
            request.nights) == (code, None, 1, 1, 2)
    assert client.get(f"/api/v1/requests/{code}/status",
                      headers=bearer(token)).json["status"] == "pending"
    read = client.get(f"/api/v1/requests/{code}", headers=bearer(token))
    assert read.status_code == 200 and read.json["card"] is None
    # The filing and the read are on the record as the key; the status poll is not.
    assert audit_rows(request.id) == [("file", "api_key", key.id, None),
                                      ("read", "api_key", key.id, None)]


def test_a_retry_with_the_same_idempotency_key_files_nothing_and_answers_the_same(
        client, make_key):
    _key, token = make_key()
    first, again = file(client, token), file(client, token)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(HousingRequest)) == 1
    other = file(client, token, {**BODY, "nights": 3})
    assert other.status_code == 422 and other.json["errors"][0]["parameter"] == "Idempotency-Key"
    assert file(client, token, idempotency="retry-2").json["case_code"] != first.json["case_code"]


def test_concurrent_retries_file_exactly_one_request(app, client, make_key):
    """Six retries at the same instant (on PostgreSQL they run in parallel: each claims
    the key; all but one wait on the unique index, then read the first one's answer)."""
    _key, token = make_key()
    db.session.commit()
    answers, start = [], threading.Barrier(6)

    def retry():
        with app.app_context():
            start.wait()
            answers.append(file(app.test_client(), token, idempotency="same-instant"))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 6
    assert len({a.json["case_code"] for a in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(HousingRequest)) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 5


def pointers(answer) -> dict[str, str]:
    assert answer.status_code == 422 and answer.mimetype == PROBLEM, answer.text
    return {e.get("pointer") or e.get("parameter"): e["detail"] for e in answer.json["errors"]}


def test_a_body_of_the_wrong_shape_names_every_wrong_field(client, make_key):
    _key, token = make_key()
    wrong = pointers(file(client, token, {
        "priority": "soon", "people": [{"age_band": "adult-25"}], "where": "20001",
        "nights": 0, "pets": 11, "ssn": "no"}))
    assert set(wrong) == {"/priority", "/people/0/gender", "/nights", "/pets", "/ssn"}
    assert file(client, token, {}).json["errors"]  # an empty body: what is required
    no_key = client.post("/api/v1/requests", json=BODY, headers=bearer(token))
    assert "Idempotency-Key" in pointers(no_key)
    text = client.post("/api/v1/requests", data="priority=high",
                       headers={**bearer(token), "Idempotency-Key": "x"})
    assert text.status_code == 400 and text.mimetype == PROBLEM


def test_a_body_the_form_would_refuse_names_every_field_with_the_forms_words(client,
                                                                             make_key):
    _key, token = make_key()
    tomorrow = hotline_today() + timedelta(days=1)
    wrong = pointers(file(client, token, {
        **BODY, "where": "00000", "people": [{"age_band": "adult-25", "gender": "unknown"}],
        "areas_to_avoid": [{"where": "Nowhere, ZZ"}], "needs": ["no-such-need"],
        "earliest": tomorrow.isoformat(), "latest": hotline_today().isoformat()}))
    assert set(wrong) == {"/where", "/people/0/gender", "/people", "/areas_to_avoid/0/where",
                          "/needs/0"}
    assert wrong["/where"] == "ZIP code 00000 was not found."
    window = pointers(file(client, token, {**BODY, "earliest": tomorrow.isoformat(),
                                           "latest": hotline_today().isoformat()}))
    assert window == {"/latest": "The latest arrival comes before the earliest."}
    assert db.session.scalar(select(func.count()).select_from(HousingRequest)) == 0


def test_withdrawing_ends_the_request_with_its_reason_and_a_retry_changes_nothing(
        client, make_key):
    key, token = make_key()
    code = file(client, token).json["case_code"]
    url = f"/api/v1/requests/{code}/withdraw"
    assert "/reason" in pointers(client.post(url, json={"reason": "bored"},
                                             headers=bearer(token)))
    done = client.post(url, json={"reason": "found_housing"}, headers=bearer(token))
    assert done.status_code == 200 and done.json["status"] == "withdrawn"
    again = client.post(url, json={"reason": "found_housing"}, headers=bearer(token))
    assert again.status_code == 200 and again.json["status"] == "withdrawn"
    request = db.session.scalar(select(HousingRequest))
    assert (request.status, request.status_reason_code) == (RequestStatus.WITHDRAWN,
                                                            "found_housing")
    assert audit_rows(request.id)[-1] == ("withdraw", "api_key", key.id, None)


def test_a_closed_request_cannot_be_withdrawn(client, make_key, make_user):
    _key, token = make_key()
    code = file(client, token).json["case_code"]
    request = db.session.scalar(select(HousingRequest))
    service.end_request(db.session, request, make_user(Role.COORDINATOR).id, "close",
                        "duplicate")
    db.session.commit()
    refused = client.post(f"/api/v1/requests/{code}/withdraw",
                          json={"reason": "found_housing"}, headers=bearer(token))
    assert refused.status_code == 409 and refused.mimetype == PROBLEM


def test_the_feed_lists_each_change_once_in_order_from_a_cursor(client, make_key):
    _key, token = make_key()
    first = file(client, token).json["case_code"]
    second = file(client, token, idempotency="retry-2").json["case_code"]
    client.post(f"/api/v1/requests/{first}/withdraw", json={"reason": "duplicate"},
                headers=bearer(token))
    feed = client.get("/api/v1/changes?limit=2", headers=bearer(token)).json
    assert [(c["case_code"], c["status"]) for c in feed["changes"]] == [
        (first, "pending"), (second, "pending")]
    rest = client.get(f"/api/v1/changes?after={feed['cursor']}", headers=bearer(token)).json
    assert [(c["case_code"], c["status"]) for c in rest["changes"]] == [(first, "withdrawn")]
    ids = [c["event_id"] for c in feed["changes"] + rest["changes"]]
    assert ids == sorted(ids)
    end = client.get(f"/api/v1/changes?after={rest['cursor']}", headers=bearer(token)).json
    assert end == {"changes": [], "cursor": rest["cursor"]}


def test_a_request_an_advocate_files_is_in_no_feed(client, make_key, make_user, login):
    from tests.test_requests import form_data

    _key, token = make_key()
    assert login(make_user(Role.ADVOCATE)).post("/requests/new",
                                                data=form_data()).status_code == 302
    assert client.get("/api/v1/changes", headers=bearer(token)).json["changes"] == []


def test_the_placement_card_is_what_the_advocate_sees(client, make_key, make_user,
                                                      create_shelter):
    _key, token = make_key()
    code = file(client, token).json["case_code"]
    request = db.session.scalar(select(HousingRequest))
    shelter = create_shelter(capacity=5, confidential=True, intake_contact="555-0100",
                             policy=Policy.FAMILY)
    stay = Booking(request=request, shelter_id=shelter.id, check_in=request.earliest,
                   nights=2, persons=2)
    db.session.add(stay)
    db.session.flush()
    service.approve(db.session, stay, make_user(Role.COORDINATOR).id, request.earliest)
    db.session.commit()
    card = client.get(f"/api/v1/requests/{code}", headers=bearer(token)).json
    assert card["status"] == "placed"
    assert card["card"]["live"] and card["card"]["state"] == "approved"
    assert card["card"]["place"] == {
        "kind": "shelter", "name": "Harbor House", "city": shelter.city, "state": "DC",
        "address": None, "intake_contact": "555-0100", "intake_instructions": None}
    assert card["card"]["hold_ends"] and "555-0100" in card["card"]["script"]
    assert card["card"]["stays"] == [{
        "segment": 1, "state": "approved", "place": {
            "kind": "shelter", "name": "Harbor House", "city": shelter.city, "state": "DC"},
        "check_in": request.earliest.isoformat(),
        "check_out": (request.earliest + timedelta(days=2)).isoformat(), "nights": 2,
        "move_day": None}]


def test_a_bridge_stays_card_lists_every_stay_and_the_move_day(client, make_key, make_user,
                                                               create_shelter, create_hotel,
                                                               make_lot):
    _key, token = make_key()
    code = file(client, token, {**BODY, "nights": 5}).json["case_code"]
    request = db.session.scalar(select(HousingRequest))
    day = request.earliest
    make_lot(100_000, program="ihg")
    hotel = create_hotel(name="Airport Holiday Lodge")  # Arlington, VA (22202)
    shelter = create_shelter(capacity=5, policy=Policy.FAMILY)
    lead = Booking(request=request, hotel_id=hotel.id, check_in=day, nights=2, persons=2,
                   rooms=1, points_planned=40_000)
    db.session.add(lead)
    db.session.flush()
    later = Booking(request=request, shelter_id=shelter.id, check_in=day + timedelta(days=2),
                    nights=3, persons=2, segment=2, chain_id=lead.id)
    db.session.add(later)
    db.session.flush()
    service.approve(db.session, lead, make_user(Role.COORDINATOR).id, day)
    db.session.commit()
    card = client.get(f"/api/v1/requests/{code}", headers=bearer(token)).json["card"]
    assert card["place"]["name"] == "Airport Holiday Lodge" and card["nights"] == 2
    assert card["stays"] == [
        {"segment": 1, "state": "approved", "place": {
            "kind": "hotel", "name": "Airport Holiday Lodge", "city": hotel.city,
            "state": "VA"},
         "check_in": day.isoformat(), "check_out": (day + timedelta(days=2)).isoformat(),
         "nights": 2, "move_day": None},
        {"segment": 2, "state": "approved", "place": {
            "kind": "shelter", "name": "Harbor House", "city": shelter.city, "state": "DC"},
         "check_in": (day + timedelta(days=2)).isoformat(),
         "check_out": (day + timedelta(days=5)).isoformat(), "nights": 3,
         "move_day": (day + timedelta(days=2)).isoformat()}]


def test_each_key_sees_only_its_organizations_requests_at_every_endpoint(
        client, make_org, make_key):
    harbor = make_org("Harbor Network")
    _key, token = make_key(harbor)
    _colleague, same_org = make_key(harbor, name="its second CRM")
    _stranger, other_org = make_key(make_org("Another Agency"))
    code = file(client, token).json["case_code"]
    assert client.get(f"/api/v1/requests/{code}", headers=bearer(same_org)).status_code == 200
    for method, path, body in (("get", "", None), ("get", "/status", None),
                               ("post", "/withdraw", {"reason": "duplicate"})):
        answer = getattr(client, method)(f"/api/v1/requests/{code}{path}", json=body,
                                         headers=bearer(other_org))
        assert answer.status_code == 404 and answer.mimetype == PROBLEM, path
    assert client.get("/api/v1/changes", headers=bearer(other_org)).json["changes"] == []
    assert len(client.get("/api/v1/changes", headers=bearer(same_org)).json["changes"]) == 1
    assert db.session.get(HousingRequest, 1).status is RequestStatus.PENDING


def test_a_key_without_an_endpoints_scope_is_refused_there_and_nowhere_else(
        app, client, make_key):
    keyed = [(rule, app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()
             if getattr(app.view_functions[rule.endpoint], "allowed_roles", None) is KEY]
    assert len(keyed) >= 6
    for scope in Scope:
        _key, token = make_key(scopes=set(Scope) - {scope})
        for rule, view in keyed:
            method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            url = rule.rule.replace("<case_code>", "SB-0000-0000")
            answer = client.open(url, method=method, headers=bearer(token), json={})
            if view.key_scope is scope:
                assert answer.status_code == 403, url
            else:
                assert answer.status_code in (200, 404, 422), (url, answer.status_code)


def test_availability_shows_states_with_enough_places_and_withholds_the_rest(
        app, client, make_key, create_shelter):
    """Three shelters in DC (5, 4 and 2 beds, all free), one in Georgia (9): DC's beds are
    shown summed, Georgia's lone shelter goes to `other`, which has too few places to
    show, and no hotel anywhere reads None (none and a few look alike)."""
    _key, token = make_key(scopes={Scope.AVAILABILITY})
    for name, beds in (("A", 5), ("B", 4), ("C", 2)):
        create_shelter(name=name, capacity=beds, location="20001")
    create_shelter(name="Lone", capacity=9, location="30303")
    db.session.commit()
    answer = client.get("/api/v1/availability?nights=2", headers=bearer(token)).json
    assert answer["minimum_places"] == 3
    by_area = {a["area"]: a for a in answer["areas"]}
    assert set(by_area) == {"DC", "other"}
    assert by_area["DC"]["shelters"] == 3
    assert [n["shelter_beds_free"] for n in by_area["DC"]["nights"]] == [11, 11]
    assert by_area["DC"]["hotels"] is None
    assert by_area["other"]["shelters"] is None
    assert [n["shelter_beds_free"] for n in by_area["other"]["nights"]] == [None, None]
    assert [n["night"] for n in by_area["DC"]["nights"]] == [
        str(hotline_today()), str(hotline_today() + timedelta(days=1))]


def test_a_coordinator_reads_which_organization_filed_a_request(client, make_org, make_key,
                                                               make_user, login):
    _key, token = make_key(make_org("Harbor Network"), name="CRM")
    file(client, token)
    request = db.session.scalar(select(HousingRequest))
    page = login(make_user(Role.COORDINATOR)).get(f"/requests/{request.id}")
    assert page.status_code == 200
    assert "Harbor Network, through its key &#39;CRM&#39; (integration API)" in page.text
