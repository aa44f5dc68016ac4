"""Needs and offers (issue 16, the data layer and the bridge): a request is planned only at a
place that offers every one of its needs; a need that does not apply to a kind of place is
met by every place of that kind; the rule check names a missing need; the migration and the
demo leave every request placeable; retention deletes needs with the rest of the case."""

from datetime import date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import event, func, select

from optimizer.options import build_options
from partners.needs import Need, ensure_vocabulary
from partners.places import Hotel, Policy, Shelter
from placement.auth.models import Role
from placement.bookings.models import Booking
from placement.extensions import db
from placement.planning.bridge import build_problem, request_key, rules_broken
from placement.planning.models import PlanRun, RunStatus
from placement.planning.runner import start_run
from placement.requests.models import HousingRequest, request_need
from tests.request_factories import TODAY

BEFORE_NEEDS = "e4edb04d013b"


@pytest.fixture
def needs(app) -> dict[str, Need]:
    return ensure_vocabulary(db.session)


def test_a_request_needing_spanish_is_proposed_only_where_staff_speak_it(
        app, needs, create_shelter, create_request):
    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    near = create_shelter(name="Near", capacity=4, location="20002")
    spanish = create_shelter(name="Spanish", capacity=4, location="20019",
                             offers={needs["lang:es"]})
    today = date.today()
    needs_spanish = create_request(where="20002", earliest=today, max_miles=30,
                                   needs={needs["lang:es"]})
    anyone = create_request(where="20002", earliest=today, max_miles=30)
    db.session.commit()

    run, _ = start_run(None, time_limit=5)
    db.session.expire_all()
    assert db.session.get(PlanRun, run.id).status is RunStatus.DONE
    where = {b.request_id: b.shelter_id for b in db.session.scalars(select(Booking))}
    assert where == {needs_spanish.id: spanish.id, anyone.id: near.id}
    [entry] = [r for r in db.session.get(PlanRun, run.id).problem["requests"]
               if r["id"] == request_key(needs_spanish.id)]
    assert entry["needs"] == ["lang:es"]


def test_a_need_that_does_not_apply_to_a_kind_is_offered_by_every_place_of_it(
        needs, create_shelter, create_hotel, create_request):
    shelter = create_shelter(offers={needs["no-id"]})
    create_hotel(offers={needs["mixed-adults"]})
    create_request(needs={needs["hotel-age:18"], needs["pregnant"]})
    problem = build_problem(db.session, TODAY).problem
    [opt_shelter], [opt_hotel], [request] = problem.shelters, problem.hotels, problem.requests
    assert request.needs == {"hotel-age:18", "pregnant"}
    # Hotel age rules are met at every shelter; shelter rules about pregnancy, teenage boys
    # and late intake at every hotel. Neither is stored.
    assert {"no-id", "hotel-age:18", "hotel-age:21"} <= opt_shelter.offers
    assert "pregnant" not in opt_shelter.offers and "mixed-adults" not in opt_shelter.offers
    assert {"mixed-adults", "pregnant", "teen-boys", "intake-late"} <= opt_hotel.offers
    assert "hotel-age:18" not in opt_hotel.offers and "no-id" not in opt_hotel.offers
    assert [n.code for n in shelter.offers] == ["no-id"]


def test_the_rule_check_names_the_missing_need(needs, create_shelter, create_hotel,
                                               create_request):
    shelter = create_shelter(policy=Policy.WOMEN, offers={needs["no-id"]})
    hotel = create_hotel()
    request = create_request(needs={needs["lang:es"], needs["no-id"], needs["hotel-age:18"]})
    broken = rules_broken(db.session, request, shelter, TODAY, 3)
    assert any("lang:es" in reason for reason in broken), broken
    assert not any("no-id" in r or "hotel-age" in r for r in broken), broken
    at_hotel = rules_broken(db.session, request, hotel, TODAY, 3)
    assert any("hotel-age:18" in r for r in at_hotel) and any("no-id" in r for r in at_hotel)
    shelter.offers.add(needs["lang:es"])
    assert rules_broken(None, request, shelter, TODAY, 3) == []


def test_the_problem_is_built_in_a_fixed_number_of_queries(needs, create_shelter,
                                                           create_hotel, create_request):
    """8,000 places and 500 requests nationally: offers and needs are loaded per kind, not
    per row."""
    def queries() -> int:
        count = 0

        def seen(*args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            build_problem(db.session, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return count

    def more(i: int) -> None:
        create_shelter(name=f"S{i}", offers={needs["lang:es"], needs["no-id"]})
        create_hotel(name=f"H{i}", offers={needs["lang:vi"]})
        create_request(needs={needs["lang:es"], needs["pregnant"]})

    more(0)
    db.session.expire_all()
    few = queries()
    for i in range(1, 6):
        more(i)
    db.session.expire_all()
    assert queries() == few


def demo_requests_without_options(problem) -> set[str]:
    options = build_options(problem, prune=False)
    return {r.id for r, opts in zip(problem.requests, options.by_request, strict=True)
            if not opts}


def test_the_demo_and_the_migration_leave_every_demo_request_placeable(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    today = date.today()
    snapshot = build_problem(db.session, today)
    assert any(r.needs for r in snapshot.problem.requests)
    far = db.session.scalar(select(HousingRequest.id).where(
        HousingRequest.location_label.like("%59001%")))
    # Only the request far from every partner has no option, needs or not.
    assert demo_requests_without_options(snapshot.problem) == {request_key(far)}

    # The migration on a database with places and requests: no request gets a need, each
    # place the defaults of its kind and policy.
    db.session.commit()
    db.session.remove()
    downgrade(revision=BEFORE_NEEDS)
    upgrade()
    assert db.session.scalar(select(func.count()).select_from(request_need)) == 0
    family = db.session.scalar(select(Shelter).where(Shelter.name == "Anacostia Family Center"))
    women = db.session.scalar(select(Shelter).where(Shelter.name == "Harbor House"))
    pets = db.session.scalar(select(Hotel).where(Hotel.name == "Rockville Comfort Lodge"))
    assert {n.code for n in family.offers} == {"mixed-adults"}
    assert women.offers == set()
    assert {n.code for n in pets.offers} == {"mixed-adults", "hotel-age:21", "dog:under-25"}
    snapshot = build_problem(db.session, today)
    assert demo_requests_without_options(snapshot.problem) == {request_key(far)}


def test_retention_deletes_a_requests_needs_here_and_in_stored_planner_inputs(
        app, needs, create_request):
    from tests.test_jobs import at, run

    forgotten = create_request(needs={needs["pregnant"], needs["lang:es"]})
    kept = create_request(earliest=TODAY + timedelta(days=60), needs={needs["lang:es"]})
    db.session.add(PlanRun(time_limit=5, problem={"requests": [
        {"id": request_key(forgotten.id), "lat": 1.0, "lon": 2.0, "avoid": [],
         "needs": ["lang:es", "pregnant"]},
        {"id": request_key(kept.id), "lat": None, "lon": None, "avoid": [],
         "needs": ["lang:es"]},
    ]}, plan={"assignments": [], "unplaced": [request_key(forgotten.id), request_key(kept.id)],
              "reasons": {request_key(forgotten.id): "no place offers lang:es, pregnant",
                          request_key(kept.id): "no place offers lang:es"}}))
    db.session.commit()
    assert run(app, "retention", at(TODAY + timedelta(91), 3)).counts == {
        "requests_purged": 1, "plan_runs_scrubbed": 1}
    assert db.session.get(HousingRequest, forgotten.id).needs == set()
    assert {n.code for n in db.session.get(HousingRequest, kept.id).needs} == {"lang:es"}
    scrubbed, untouched = db.session.scalar(select(PlanRun)).problem["requests"]
    assert scrubbed["needs"] == [] and untouched["needs"] == ["lang:es"]
    # The planner's reasons name missing needs: the purged request's go too.
    assert db.session.scalar(select(PlanRun)).plan["reasons"] == {
        request_key(kept.id): "no place offers lang:es"}
    # Only a need in use is kept from deletion; the vocabulary itself stays.
    assert db.session.scalar(select(func.count(Need.id))) == len(needs)


# -- labels, not codes, where people read the planner's words --------------------------------

def test_need_codes_in_the_planners_words_read_as_their_labels(needs):
    from placement.places.offers import need_labels

    assert need_labels("no place within 30 miles offers all of 'lang:es', 'pregnant'") == (
        "no place within 30 miles offers all of “Staff speak Spanish”, "
        "“Accepts pregnant guests”")
    assert need_labels("the place does not offer 'lang:xx' or 'no-id'") == (
        "the place does not offer 'lang:xx' or “Accepts guests without ID”")
    assert need_labels("every place that fits lies inside a danger zone") == (
        "every place that fits lies inside a danger zone")
    assert need_labels(None) == ""


def test_the_plan_and_the_advocates_home_show_an_unplaced_reason_by_label(
        app, needs, make_user, login, create_request):
    advocate = make_user(Role.ADVOCATE)
    create_request(needs={needs["lang:es"]}, created_by_id=advocate.id,
                   unplaced_reason="no place within 30 miles offers 'lang:es'")
    client = login(make_user(Role.COORDINATOR))
    plan = client.get("/plan").text
    assert "offers “Staff speak Spanish”" in plan and "lang:es" not in plan
    client.post("/logout")
    home = login(advocate).get("/advocate").text
    assert "offers “Staff speak Spanish”" in home and "lang:es" not in home


def test_a_stay_refused_for_a_missing_need_says_the_needs_label(
        app, needs, make_user, login, create_shelter, create_request, create_booking):
    shelter = create_shelter(policy=Policy.ANY)
    tomorrow = date.today() + timedelta(days=1)
    request = create_request(needs={needs["lang:es"]}, earliest=tomorrow)
    booking = create_booking(shelter, request, check_in=tomorrow)
    client = login(make_user(Role.COORDINATOR))
    answer = client.post(f"/bookings/{booking.id}/approve", follow_redirects=True)
    assert "the place does not offer “Staff speak Spanish”" in answer.text
    assert db.session.get(Booking, booking.id).state.value == "proposed"


def test_a_request_waiting_for_needs_counts_only_the_needs_no_place_in_reach_offered(
        app, needs, create_shelter, create_request):
    """The reports' "needs no place nearby offered" (issue 18): a party needing Spanish and
    a place without ID checks, with a Spanish-speaking shelter in reach, lacked only the
    latter: the planner names it, the request keeps it, and the outcome counts only it."""
    from placement.bookings.outcomes import record_outcome
    from placement.requests.outcomes import UnmetNeed

    app.config.update(PLANNER_SYNC=True, PLANNER_TIME_LIMIT=5, PLANNER_WORKERS=1)
    create_shelter(name="Spanish", capacity=4, location="20019", offers={needs["lang:es"]})
    today = date.today()
    waiting = create_request(where="20002", earliest=today, max_miles=30,
                             needs={needs["lang:es"], needs["no-id"]})
    db.session.commit()
    start_run(None, time_limit=5)
    db.session.expire_all()
    waiting = db.session.get(HousingRequest, waiting.id)
    assert (waiting.wait_reason_code, waiting.wait_needs) == ("planner.needs", ["no-id"])
    outcome = record_outcome(db.session, waiting, datetime.combine(
        today + timedelta(days=30), datetime.min.time()))
    assert outcome.reason == "planner.needs"
    assert db.session.scalars(select(Need.code).join(
        UnmetNeed, UnmetNeed.need_id == Need.id)).all() == ["no-id"]
