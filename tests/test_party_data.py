"""The party as people in the database (issue 16): the migration gives every request people
that keep its counts and gender and add no need, and retention deletes them."""

from datetime import datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from placement.extensions import db
from placement.requests.models import (
    AgeBand,
    Gender,
    HousingRequest,
    PartyMember,
    PersonGender,
)
from placement.requests.party import Person, derived_needs, set_people, tally
from tests.request_factories import TODAY
from tests.test_jobs import at, run

BEFORE_PEOPLE = "7a02b748e5c5"


def test_the_migration_gives_each_request_people_that_keep_its_counts_and_no_need(
        app, create_request):
    parties = [(1, 2, Gender.FEMALE), (2, 0, Gender.MALE), (0, 1, Gender.NONBINARY),
               (3, 3, Gender.NONBINARY)]
    for adults, children, gender in parties:
        create_request(adults=adults, children=children, gender=gender)
    create_request(adults=1, children=1, purged_at=datetime(2026, 1, 1))
    db.session.commit()
    db.session.remove()
    downgrade(revision=BEFORE_PEOPLE)
    upgrade()

    requests = db.session.scalars(select(HousingRequest).order_by(HousingRequest.id)).all()
    for request, party in zip(requests, parties, strict=False):
        assert tally(request.people) == party
        assert derived_needs(request.people) == set()
    mother = requests[0].people
    assert [(p.age_band, p.gender) for p in mother] == [
        (AgeBand.ADULT, PersonGender.FEMALE), (AgeBand.MINOR, PersonGender.UNKNOWN),
        (AgeBand.MINOR, PersonGender.UNKNOWN)]
    assert requests[-1].people == []  # purged: its people were case data


def test_retention_deletes_the_people_and_keeps_the_counts(app, create_request):
    """Age bands and genders person by person are quasi-identifiers: they go with the rest
    of the case; the counts and the party's gender stay for the aggregates."""
    old, recent = create_request(), create_request(earliest=TODAY + timedelta(days=30))
    for request in (old, recent):
        set_people(request, [Person(AgeBand.ADULT_18, PersonGender.FEMALE),
                             Person(AgeBand.TEEN, PersonGender.MALE),
                             Person(AgeBand.CHILD, PersonGender.UNKNOWN)])
    app.config["RETENTION_DAYS"] = 90
    assert run(app, "retention", at(TODAY + timedelta(91), 3)).counts["requests_purged"] == 1

    old, recent = db.session.get(HousingRequest, old.id), db.session.get(HousingRequest,
                                                                           recent.id)
    assert old.people == [] and len(recent.people) == 3
    assert (old.adults, old.children, old.gender) == (1, 2, Gender.FEMALE)
    assert db.session.scalar(select(func.count()).select_from(PartyMember)) == 3
