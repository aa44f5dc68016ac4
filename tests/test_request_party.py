"""The request form asks for the party as people and for the needs (issue 16): each person
by age band and gender, the needs ticked by hand, and the needs that follow from the party
added unless the advocate says, one by one, that they are not needed."""

import re

import pytest
from sqlalchemy import func, select

from partners.needs import ensure_vocabulary
from placement.audit import AuditEvent
from placement.auth.models import Role, User
from placement.extensions import db
from placement.requests.models import AgeBand, Gender, HousingRequest, PersonGender
from placement.requests.party import Person, set_people
from placement.requests.service import local_today
from tests.test_requests import form_data, people

TODAY = local_today("America/New_York")  # where the requests are (20002)


@pytest.fixture
def client(app, make_user, login):
    ensure_vocabulary(db.session)
    db.session.commit()
    return login(make_user(Role.ADVOCATE))


def filed() -> HousingRequest:
    return db.session.scalars(select(HousingRequest)).one()


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(HousingRequest))


def codes(request: HousingRequest) -> set[str]:
    return {n.code for n in request.needs}


def test_a_mother_and_her_son_of_15_without_id_who_speak_spanish(client):
    data = form_data(**people("adult-25 female", "teen male"), needs=["no-id", "lang:es"])
    assert client.post("/requests/new", data=data).status_code == 302
    request = filed()
    assert [(p.age_band, p.gender) for p in request.people] == [
        (AgeBand.ADULT_25, PersonGender.FEMALE), (AgeBand.TEEN, PersonGender.MALE)]
    assert (request.adults, request.children, request.gender) == (1, 1, Gender.FEMALE)
    # The son's need follows from the party; the two others were ticked.
    assert codes(request) == {"no-id", "lang:es", "teen-boys"}


def test_a_need_that_follows_goes_only_when_the_advocate_says_it_is_not_needed(client):
    party = people("adult-18 female", "adult-25 male", "teen male")
    assert client.post("/requests/new", data=form_data(
        **party, not_needed=["mixed-adults"])).status_code == 302
    assert codes(filed()) == {"teen-boys", "hotel-age:18"}


def test_saying_not_needed_of_a_need_that_does_not_follow_changes_nothing(client):
    assert client.post("/requests/new", data=form_data(
        **people("adult-25 female"), not_needed=["teen-boys"], needs=["pregnant"])
    ).status_code == 302
    assert codes(filed()) == {"pregnant"}


def test_a_need_that_follows_from_the_party_cannot_be_ticked_by_hand(client):
    response = client.post("/requests/new", data=form_data(needs=["teen-boys"]))
    assert response.status_code == 400 and count() == 0
    assert "is not a need that can be chosen here" in response.text


def test_rows_left_without_an_age_are_no_one_and_the_order_is_kept(client):
    rows = people("", "child female", "", "", "adult-21 male")
    rows["people-0-gender"] = "female"  # a gender alone is no one either
    assert client.post("/requests/new", data=form_data(**rows)).status_code == 302
    request = filed()
    assert [p.age_band for p in request.people] == [AgeBand.CHILD, AgeBand.ADULT_21]
    assert [p.position for p in request.people] == [0, 1]
    assert (request.adults, request.children, request.gender) == (1, 1, Gender.MALE)
    assert codes(request) == {"hotel-age:21"}


@pytest.mark.parametrize("rows, field, message", [
    (people(), "people-0-age_band", "A party has at least one person."),
    (people("adult-25 "), "people-0-gender", "Choose a gender"),
    (people("adult-25 female", "teen unknown"), "people-1-gender",
     "Give the gender of an adult or a teenager"),
    (people("child unknown"), "people-0-gender", "Give the gender of at least one person"),
])
def test_a_party_that_cannot_be_housed_as_given_is_a_400_on_its_row(client, rows, field,
                                                                    message):
    response = client.post("/requests/new", data=form_data(**rows))
    assert response.status_code == 400 and count() == 0
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(message)}', response.text)


def test_a_child_under_13_may_have_no_known_gender(client):
    assert client.post("/requests/new", data=form_data(
        **people("adult-25 female", "child unknown"))).status_code == 302
    assert filed().people[1].gender is PersonGender.UNKNOWN


def test_the_form_lists_the_needs_in_groups_and_those_that_follow_with_their_rules(client):
    page = client.get("/requests/new").text
    assert page.count('name="people-') == 12  # six people, age and gender each
    assert "Languages staff speak" in page and "Staff speak Spanish" in page
    assert 'name="needs" type="checkbox" value="no-id"' in page
    assert 'value="teen-boys"' in page and 'name="needs" type="checkbox" value="teen-boys"' \
        not in page
    assert "Added when a boy of 13 to 17 comes with an adult." in page
    # The first person is a woman 25+ until changed: nothing follows from her.
    assert page.count('data-follows="no"') == 4 and 'data-follows="yes"' not in page


def test_a_form_sent_back_shows_which_needs_follow_from_its_party(client):
    response = client.post("/requests/new", data=form_data(
        **people("adult-25 female", "teen male"), where="", not_needed=["teen-boys"]))
    assert response.status_code == 400
    item = re.search(r'data-derived="teen-boys" data-follows="(\w+)".*?</li>', response.text,
                     re.S)
    assert item[1] == "yes" and "checked" in item[0]  # the advocate's "not needed" kept


def test_without_javascript_add_a_person_sends_the_form_back_with_one_more_row(client):
    response = client.post("/requests/new", data=form_data(add_person="1", note="keep me"))
    assert response.status_code == 200 and count() == 0
    assert 'name="people-6-age_band"' in response.text and "keep me" in response.text
    assert "There is a problem" not in response.text


def test_a_party_with_no_adult_keeps_the_minors_reminder(client):
    response = client.post("/requests/new", data=form_data(**people("teen male"), pets="0"),
                           follow_redirects=True)
    assert "mandatory-reporting" in response.text
    assert codes(filed()) == set()  # a boy alone: a youth shelter's, not a family's need


def test_the_duplicate_check_compares_the_counts_and_gender_from_the_people(client):
    assert client.post("/requests/new", data=form_data()).status_code == 302
    # The same make-up listed otherwise is the same party; another gender is another.
    same = people("child male", "adult-21 female", "child female")
    assert client.post("/requests/new", data=form_data(**same)).status_code == 409
    other = people("adult-25 male", "child female", "child male")
    assert client.post("/requests/new", data=form_data(**other)).status_code == 302


# The edit page: the needs change without filing again.

@pytest.fixture
def mother_and_son(client, create_request):
    """A pending request of this advocate's: a woman and her son of 15, who need Spanish."""
    needs = ensure_vocabulary(db.session)
    advocate = db.session.scalars(select(User).where(User.role == Role.ADVOCATE)).one()
    request = create_request(created_by_id=advocate.id, earliest=TODAY,
                             needs={needs["lang:es"], needs["teen-boys"]})
    set_people(request, [Person(AgeBand.ADULT_25, PersonGender.FEMALE),
                         Person(AgeBand.TEEN, PersonGender.MALE)])
    db.session.commit()
    return request


def edit_data(request, **changes) -> dict:
    return {"earliest": request.earliest.isoformat(), "latest": request.latest.isoformat(),
            "nights": str(request.nights)} | changes


def test_the_edit_page_shows_the_needs_as_they_are(client, mother_and_son):
    page = client.get(f"/requests/{mother_and_son.id}/edit").text
    assert re.search(r'checked[^>]*name="needs" type="checkbox" value="lang:es"', page)
    assert 'name="needs" type="checkbox" value="no-id"' in page
    assert "woman 25+, boy 13-17" in page
    # Only the need that follows from this party is listed, as added.
    assert re.findall(r'data-derived="([^"]+)" data-follows="yes"', page) == ["teen-boys"]
    assert 'data-follows="no"' not in page


def test_the_advocate_changes_the_needs_and_the_audit_names_them_not_their_values(
        client, mother_and_son):
    response = client.post(f"/requests/{mother_and_son.id}/edit", data=edit_data(
        mother_and_son, needs=["no-id", "lang:es"]))
    assert response.status_code == 303
    assert "changed the needs." in client.get(response.headers["Location"]).text
    db.session.expire_all()
    assert codes(db.session.get(HousingRequest, mother_and_son.id)) == {
        "no-id", "lang:es", "teen-boys"}
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "edit"))
    assert event.detail == "changed needs"


def test_a_need_that_follows_goes_on_the_edit_page_only_when_said_not_needed(
        client, mother_and_son):
    url = f"/requests/{mother_and_son.id}/edit"
    client.post(url, data=edit_data(mother_and_son, needs=["lang:es"]))
    db.session.expire_all()
    assert codes(db.session.get(HousingRequest, mother_and_son.id)) == {"lang:es",
                                                                        "teen-boys"}
    client.post(url, data=edit_data(mother_and_son, needs=["lang:es"],
                                    not_needed=["teen-boys"]))
    db.session.expire_all()
    assert codes(db.session.get(HousingRequest, mother_and_son.id)) == {"lang:es"}
    page = client.get(url).text  # said not needed, and shown so
    assert re.search(r'id="not-needed-\d+"[^>]*checked', page)


def test_a_need_of_the_partys_kind_from_before_people_were_asked_stays_until_said_not_needed(
        client, create_request):
    needs = ensure_vocabulary(db.session)
    advocate = db.session.scalars(select(User).where(User.role == Role.ADVOCATE)).one()
    request = create_request(created_by_id=advocate.id, earliest=TODAY, adults=2, children=3,
                             needs={needs["teen-boys"]})
    db.session.commit()
    url = f"/requests/{request.id}/edit"
    assert 'data-derived="teen-boys" data-follows="yes"' in client.get(url).text
    client.post(url, data=edit_data(request))
    db.session.expire_all()
    assert codes(db.session.get(HousingRequest, request.id)) == {"teen-boys"}
    client.post(url, data=edit_data(request, not_needed=["teen-boys"]))
    db.session.expire_all()
    assert codes(db.session.get(HousingRequest, request.id)) == set()


# Where a request is read: its page, the placement card, the shelter staff's page.

def test_the_request_page_shows_the_party_as_people_and_the_needs_by_label(client,
                                                                           mother_and_son):
    page = client.get(f"/requests/{mother_and_son.id}").text
    assert "woman 25+, boy 13-17" in page
    assert "Staff speak Spanish" in page and "Accepts teenage boys with their family" in page
    assert "lang:es" not in page


def test_the_placement_card_says_who_the_stay_is_for(client, mother_and_son, create_shelter,
                                                     create_booking):
    from placement.bookings import service

    stay = create_booking(create_shelter(capacity=4), request=mother_and_son, check_in=TODAY)
    service.approve(db.session, stay, None, TODAY)
    db.session.commit()
    card = client.get(f"/requests/{mother_and_son.id}/card").json["html"]
    assert re.search(r"For</dt><dd[^>]*>woman 25\+, boy 13-17<", card)


def test_a_request_without_people_reads_as_its_counts(client, create_request):
    advocate = db.session.scalars(select(User).where(User.role == Role.ADVOCATE)).one()
    request = create_request(created_by_id=advocate.id, adults=1, children=2)
    db.session.commit()
    page = client.get(f"/requests/{request.id}").text
    assert "1 adult, 2 children · female" in page and "None beyond the above" in page


def test_shelter_staff_see_the_make_up_of_the_party_and_no_more(app, mother_and_son,
                                                                create_shelter,
                                                                create_booking):
    from partners.availability import issue_staff_link
    from partners.base import utcnow
    from placement.bookings import service
    from placement.places.tokens import staff_token

    shelter = create_shelter(capacity=4)
    issue_staff_link(db.session, shelter, utcnow())
    stay = create_booking(shelter, request=mother_and_son, check_in=TODAY)
    service.approve(db.session, stay, None, TODAY)
    db.session.commit()
    page = app.test_client().get(f"/report/{staff_token(shelter)}/stays").text
    assert "woman 25+, boy 13-17" in page and "Staff speak Spanish" in page
