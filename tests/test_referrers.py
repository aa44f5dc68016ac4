"""Partner agencies' referrers (issue 19): they file and follow their own organization's
requests, and nothing of anyone else's; coordinators see which organization filed each."""

import pytest
from sqlalchemy import select

from partners.organizations import OrganizationKind
from placement.auth.access import allowed_roles
from placement.auth.models import Role, User
from placement.extensions import db
from placement.requests.models import HousingRequest, RequestStatus
from tests.conftest import sign_in
from tests.test_requests import form_data

# Every page or action that names a request and a referrer may use, as (method, path).
REQUEST_ROUTES = [
    ("GET", "/requests/{id}"),
    ("GET", "/requests/{id}/card"),
    ("POST", "/requests/{id}/withdraw"),
    ("GET", "/requests/{id}/edit"),
    ("POST", "/requests/{id}/edit"),
]
WITHDRAW = {"reason_code": "found_housing", "note": ""}


@pytest.fixture
def world(make_org, make_user, create_request):
    """Agency A (two referrers), agency B (one) and a hotline advocate, each with a request."""
    agency_a, agency_b = make_org("Agency A"), make_org("Agency B")

    def referrer(agency):
        user = make_user(Role.REFERRER)
        user.organization_id = agency.id
        return user

    referrer_a, colleague_a, referrer_b = referrer(agency_a), referrer(agency_a), referrer(agency_b)
    advocate = make_user(Role.ADVOCATE)
    requests = {name: create_request(created_by_id=user.id) for name, user in
                [("a", colleague_a), ("b", referrer_b), ("hotline", advocate)]}
    db.session.commit()
    return {"referrer_a": referrer_a, "requests": requests, "agency_a": agency_a}


@pytest.mark.parametrize(("method", "path"), REQUEST_ROUTES)
def test_a_referrer_gets_404_for_another_agency_s_or_the_hotline_s_request(
        app, world, method, path):
    client = sign_in(app.test_client(), world["referrer_a"])
    for other in ("b", "hotline"):
        request = world["requests"][other]
        response = client.open(path.format(id=request.id), method=method, data=WITHDRAW)
        assert response.status_code == 404, (other, response.status_code)
        assert request.case_code not in response.text
        db.session.refresh(request)
        assert request.status is RequestStatus.PENDING


def test_the_routes_above_are_every_request_route_a_referrer_may_use(app, world):
    tested = {(m, p.replace("{id}", "<int:request_id>")) for m, p in REQUEST_ROUTES}
    for rule in app.url_map.iter_rules():
        allowed = allowed_roles(rule.endpoint) or ()
        if "request_id" in rule.arguments and Role.REFERRER in allowed:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.rule) in tested, f"test {method} {rule.rule} above"


def test_a_referrer_follows_a_colleague_s_request_and_lists_only_their_agency_s(app, world):
    client = sign_in(app.test_client(), world["referrer_a"])
    ours, theirs, hotline = (world["requests"][k] for k in ("a", "b", "hotline"))
    listed = client.get("/advocate")
    assert listed.status_code == 200 and "Our requests" in listed.text
    assert ours.case_code in listed.text
    assert theirs.case_code not in listed.text and hotline.case_code not in listed.text
    assert client.get(f"/requests/{ours.id}").status_code == 200
    assert client.get(f"/requests/{ours.id}/card").status_code == 200
    withdrawn = client.post(f"/requests/{ours.id}/withdraw", data=WITHDRAW)
    assert withdrawn.status_code == 303
    db.session.refresh(ours)
    assert ours.status is RequestStatus.WITHDRAWN


def test_a_referrer_files_with_the_advocates_form_and_coordinators_see_the_agency(
        app, world, make_user):
    client = sign_in(app.test_client(), world["referrer_a"])
    filed = client.post("/requests/new", data=form_data())
    assert filed.status_code == 302
    mine = db.session.scalar(select(HousingRequest).where(
        HousingRequest.created_by_id == world["referrer_a"].id))
    assert mine.case_code in client.get("/advocate").text
    coordinator = sign_in(app.test_client(), make_user(Role.COORDINATOR))
    queue = coordinator.get("/coordinator").text
    assert queue.count("by Agency A") == 2 and queue.count("by Hotline") == 1
    page = coordinator.get(f"/requests/{mine.id}").text
    assert '<dd class="col-sm-9" id="filed-by">Agency A</dd>' in page
    hotline = coordinator.get(f"/requests/{world['requests']['hotline'].id}").text
    assert '<dd class="col-sm-9" id="filed-by">Hotline</dd>' in hotline


def test_an_admin_makes_referrers_of_agencies_only(app, world, make_org, make_user):
    admin = sign_in(app.test_client(), make_user(Role.ADMIN))
    hotline = make_org("The Hotline", OrganizationKind.HOTLINE)

    def create(role, organization_id):
        return admin.post("/admin/users", data={
            "email": f"{role}.{organization_id}@agency.example.org", "role": role,
            "organization": str(organization_id), "password": "a long enough passphrase 42"})

    assert create("referrer", world["agency_a"].id).status_code == 302
    refused = [create("referrer", 0), create("referrer", hotline.id),
               create("coordinator", world["agency_a"].id), create("advocate", 999_999)]
    assert [r.status_code for r in refused] == [400, 400, 400, 400]
    assert "A referrer belongs to a partner agency" in refused[0].text
    assert "Staff of Agency A can only be referrers" in refused[2].text
    made = db.session.scalar(select(User).where(User.role == Role.REFERRER,
                                                User.email.like("referrer.%")))
    assert made.organization_id == world["agency_a"].id
    # Nor can an agency's referrer be made a coordinator later (they would see every case).
    promoted = admin.post(f"/admin/users/{made.id}", data={"role": "coordinator"})
    assert promoted.status_code == 400 and "can only be referrers" in promoted.text
    db.session.refresh(made)
    assert made.role is Role.REFERRER


def test_the_command_line_makes_no_referrer_of_no_agency(app):
    refused = app.test_cli_runner().invoke(args=[
        "users", "create", "someone@agency.example.org", "--role", "referrer",
        "--generate-password"])
    assert refused.exit_code != 0 and "Create referrers on the Accounts page" in refused.output
    assert db.session.scalar(select(User).where(User.role == Role.REFERRER)) is None


def test_an_agency_s_case_system_and_its_referrers_follow_the_same_requests(
        app, world, make_key, make_org):
    """A request carries the organization that filed it, from its first row: a referrer's
    agency (from the account), or the organization whose key filed it. The agency's
    referrers follow what its CRM filed through a key; another agency's key's are not."""
    from tests.api_support import bearer
    from tests.test_api_requests import file

    client = app.test_client()
    _key, ours = make_key(world["agency_a"])
    _key, theirs = make_key(make_org("Agency C"))
    by_our_crm = file(client, ours, idempotency="ours").json["case_code"]
    by_their_crm = file(client, theirs, idempotency="theirs").json["case_code"]
    assert client.get(f"/api/v1/requests/{by_our_crm}/status",
                      headers=bearer(ours)).status_code == 200
    filed = {r.case_code: r for r in db.session.scalars(select(HousingRequest))}
    assert filed[by_our_crm].organization_id == world["agency_a"].id
    assert filed[world["requests"]["a"].case_code].organization_id == world["agency_a"].id
    assert filed[world["requests"]["hotline"].case_code].organization_id is None

    referrer = sign_in(app.test_client(), world["referrer_a"])
    listed = referrer.get("/advocate").text
    assert by_our_crm in listed and by_their_crm not in listed
    assert referrer.get(f"/requests/{filed[by_our_crm].id}").status_code == 200
    assert referrer.get(f"/requests/{filed[by_their_crm].id}").status_code == 404
