import pyotp
from sqlalchemy import func, select

from placement.auth.models import Role, User
from placement.extensions import db
from placement.models import Hotel, HousingRequest, LoyaltyProgram, PointsLot, Shelter
from placement.requests.models import RequestStatus


def test_demo_fills_an_empty_database_and_prints_a_login_per_role(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Shelter) >= 10 and count(Hotel) >= 10
    assert {p.code for p in db.session.scalars(select(LoyaltyProgram))} == {
        "choice", "ihg", "marriott", "wyndham"}
    assert count(PointsLot) >= 4 and count(HousingRequest) >= 4
    for role in Role:
        email = f"{role.value}@demo.shelter-bridge.org"
        password = result.output.split(f"{email}  password: ")[1].split()[0]
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role is role and user.check_password(password)


def test_demo_logins_work_in_the_browser_flow(app):
    output = app.test_cli_runner().invoke(args=["demo"]).output
    for role, heading in [(Role.COORDINATOR, "Pending requests"), (Role.DONOR, "Northwind")]:
        email = f"{role.value}@demo.shelter-bridge.org"
        line = output.split(f"{email}  password: ")[1].splitlines()[0].split()
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": line[0]})
        if role is Role.COORDINATOR:  # the demo prints each TOTP secret: compute the code
            assert line[1:3] == ["TOTP", "secret:"]
            assert response.headers["Location"].endswith("/login/verify")
            client.post("/login/verify", data={"code": pyotp.TOTP(line[3]).now()})
        assert heading in client.get("/", follow_redirects=True).text


def test_demo_refuses_a_database_with_data_and_if_empty_only_shows_logins(app, make_user):
    make_user(Role.ADMIN)
    refused = app.test_cli_runner().invoke(args=["demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    quiet = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert quiet.exit_code == 0
    assert db.session.scalar(select(func.count(Shelter.id))) == 0


def test_demo_has_a_request_no_place_can_take_and_one_only_a_pet_hotel_can(app):
    from partners.geo import miles_between

    app.test_cli_runner().invoke(args=["demo"])
    shelters = db.session.scalars(select(Shelter)).all()
    hotels = db.session.scalars(select(Hotel)).all()
    requests = db.session.scalars(select(HousingRequest).where(
        HousingRequest.status == RequestStatus.PENDING)).all()  # the past ones are history

    def within(request, place):
        return miles_between(request.lat, request.lon, place.lat, place.lon) <= request.max_miles

    stranded = [r for r in requests if not any(within(r, p) for p in [*shelters, *hotels])]
    assert len(stranded) == 1
    with_pet = [r for r in requests if r.pets and not r.service_animal]
    assert with_pet
    for request in with_pet:
        assert not any(s.pets for s in shelters if within(request, s))
        assert any(h.pets for h in hotels if within(request, h))


def test_demo_code_prints_a_working_code_for_demo_accounts_only(app, make_user):
    app.test_cli_runner().invoke(args=["demo"])
    result = app.test_cli_runner().invoke(args=["demo-code",
                                                "coordinator@demo.shelter-bridge.org"])
    assert result.exit_code == 0 and result.output.strip().isdigit()
    real = make_user(Role.COORDINATOR, email="real@hotline.example.org")
    refused = app.test_cli_runner().invoke(args=["demo-code", real.email])
    assert refused.exit_code != 0 and "only demo accounts" in refused.output


def test_demo_history_has_codes_states_steps_and_one_outcome_per_past_request(app):
    from placement.requests.outcomes import REASONS, OutcomeKind, RequestOutcome

    app.test_cli_runner().invoke(args=["demo"])
    past = db.session.scalars(select(HousingRequest).where(
        HousingRequest.status != RequestStatus.PENDING)).all()
    outcomes = {o.request_id: o for o in db.session.scalars(select(RequestOutcome))}
    assert len(past) >= 100 and set(outcomes) == {r.id for r in past}
    assert {o.kind for o in outcomes.values()} == set(OutcomeKind)
    assert all(o.reason in REASONS for o in outcomes.values() if o.reason)
    assert {r.us_state for r in past} >= {"DC", "TX", "GA"}  # purged ones keep theirs
    assert any(r.purged_at for r in past) and all(r.us_state for r in past)
    assert {r.trafficking_type for r in past} > {None}
    for r in past:
        steps = [r.created_at, r.first_proposed_at, r.approved_at, r.confirmed_at,
                 r.checked_in_at, r.checked_out_at]
        assert [s for s in steps if s] == sorted(s for s in steps if s)
