"""Deny by default, checked over every route the app has.

The walk visits every rule and every method with real record ids (other users' records
included) as each role and as an anonymous visitor. A new route with an argument this file
does not know fails the walk until someone says which record it should point at.
"""

from datetime import date

import pytest
from flask import Blueprint

from partners.availability import issue_staff_link
from partners.base import utcnow
from partners.needs import ensure_vocabulary
from placement.auth.access import EXEMPT_ENDPOINTS, KEY, PUBLIC
from placement.auth.models import Role
from placement.extensions import db
from placement.jobs.models import JobOutcome, JobRun
from placement.places.tokens import staff_token
from placement.planning.models import PlanRun, RunStatus
from placement.requests.models import Gender, HousingRequest, Priority

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def records(make_user, make_lot, create_shelter, create_hotel, create_booking):
    """One real record per kind of id a URL can carry, owned by someone else."""
    someone_else = make_user(Role.ADVOCATE, email="someone.else@example.org")
    lot = make_lot(10_000)
    shelter, hotel = create_shelter(), create_hotel()
    issue_staff_link(db.session, shelter, utcnow())
    request = HousingRequest(
        created_by_id=someone_else.id, adults=1, children=0, gender=Gender.FEMALE,
        priority=Priority.HIGH, lat=38.9, lon=-77.0,
        earliest=date(2026, 12, 1), latest=date(2026, 12, 1), nights=2,
    )
    db.session.add(request)
    booking = create_booking(shelter, request)
    run = PlanRun(time_limit=1, status=RunStatus.DONE)
    db.session.add(run)
    need = ensure_vocabulary(db.session)["no-id"]
    # The scheduler re-planned just now, so /readyz answers 200 like every other page.
    db.session.add(JobRun(job="replan", fire_time=utcnow(), outcome=JobOutcome.DONE))
    db.session.commit()
    key, webhook = api_records(request)
    return {"case_code": request.case_code, "key_id": key.id, "webhook_id": webhook.id,
            "booking_id": booking.id, "action": "approve", "run_id": run.id,
            "user_id": someone_else.id, "donor_id": lot.donor_id, "request_id": request.id,
            "shelter_id": shelter.id, "hotel_id": hotel.id, "program_id": hotel.program_id,
            "token": staff_token(shelter), "need_id": need.id, "ref": booking.ref}


def api_records(request):
    """A key and a webhook of an organization, and the request filed by that key."""
    from datetime import timedelta

    from partners.organizations import OrganizationKind, add_organization
    from placement.api.filings import ApiFiling
    from placement.api.keys import Scope, issue_key
    from placement.api.webhooks import subscribe

    agency = add_organization(db.session, "An agency", OrganizationKind.AGENCY)
    key, _token = issue_key(db.session, agency, "its CRM", set(Scope),
                            utcnow() + timedelta(days=30), 60, None)
    db.session.add(ApiFiling(request_id=request.id, key_id=key.id,
                             organization_id=agency.id))
    webhook, _secret = subscribe(db.session, agency, "https://crm.example.org/hook", None)
    db.session.commit()
    return key, webhook


def walk(app, records):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        unknown = set(rule.arguments) - set(records)
        assert not unknown, f"{rule.rule}: tell test_access which record {unknown} names"
        url = rule.build({name: records[name] for name in rule.arguments})[1]
        allowed = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule.endpoint, method, url, allowed


def test_every_view_declares_who_may_use_it(app, records):
    undeclared = [e for e, _m, _u, allowed in walk(app, records) if allowed is None]
    assert undeclared == []


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_but_public_pages(app, records):
    client = app.test_client()
    checked = 0
    for endpoint, method, url, allowed in walk(app, records):
        if allowed is PUBLIC:
            continue
        response = client.open(url, method=method)
        if allowed is KEY:  # the integration API: a key, never a sign-in page
            assert response.status_code == 401, (endpoint, method)
            continue
        assert response.status_code == 302, (endpoint, method)
        assert response.headers["Location"].startswith("/login"), (endpoint, method)
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_wherever_it_does_not_belong(app, records, make_user, login, role):
    client = login(make_user(role))
    refused = allowed_here = 0
    for endpoint, method, url, allowed in walk(app, records):
        if endpoint == "auth.logout":
            continue  # would end the session the walk runs in; its rule is checked above
        response = client.open(url, method=method)
        if allowed is KEY:  # a signed-in person's cookie opens no API view
            assert response.status_code == 401, (endpoint, method)
        elif allowed is PUBLIC or role in allowed:
            assert response.status_code != 403, (endpoint, method)
            assert response.status_code < 500, (endpoint, method)
            allowed_here += 1
        else:
            assert response.status_code == 403, (endpoint, method, response.status_code)
            refused += 1
    assert allowed_here >= 2 and refused >= 1


def test_a_view_that_declares_nothing_is_denied_to_everyone(app, make_user, login):
    bp = Blueprint("forgotten", __name__)

    @bp.route("/forgotten")
    def forgotten():
        return "should never be seen"

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/forgotten").status_code == 403
    login_client = login(make_user(Role.ADMIN))
    assert login_client.get("/forgotten").status_code == 403
