"""The demo shows what coordinators will meet: mostly fresh numbers, one aging, one stale,
beds out of service and peak-priced nights."""

from datetime import timedelta

from sqlalchemy import select

from partners.availability import Freshness, freshness, hotel_nights, local_today
from partners.base import utcnow
from partners.places import Hotel, Shelter, ShelterNight
from placement.extensions import db


def test_demo_shelters_are_mostly_fresh_with_one_aging_and_one_stale(app):
    app.test_cli_runner().invoke(args=["demo"])
    now = utcnow()
    shelters = db.session.scalars(select(Shelter)).all()
    states = sorted(freshness(s.confirmed_at, now) for s in shelters)
    assert states.count(Freshness.AGING) == 1 and states.count(Freshness.STALE) == 1
    assert states.count(Freshness.FRESH) == len(shelters) - 2
    assert all(s.staff_link_issued_at for s in shelters)
    assert {s.timezone for s in shelters} == {"America/New_York", "America/Chicago"}
    assert db.session.scalar(select(ShelterNight).where(ShelterNight.out_of_service > 0))


def test_demo_hotels_have_peak_nights(app):
    app.test_cli_runner().invoke(args=["demo"])
    peaks = 0
    for hotel in db.session.scalars(select(Hotel)):
        today = local_today(hotel.timezone, utcnow())
        peaks += sum(n.peak for n in hotel_nights(db.session, hotel, today,
                                                  today + timedelta(days=7)))
    assert peaks >= 4
