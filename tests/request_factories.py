"""`create_request` and `create_booking`: requests and bookings with sensible defaults."""

from datetime import date, timedelta

import pytest

from partners.geo import locate
from placement.auth.models import Role
from placement.bookings.models import Booking
from placement.extensions import db
from placement.requests.models import DangerZone, Gender, HousingRequest, Priority

TODAY = date(2026, 12, 1)


@pytest.fixture
def create_request(make_user):
    advocate = []

    def create(where: str = "20002", adults: int = 1, children: int = 0,
               gender: Gender = Gender.FEMALE, priority: Priority = Priority.CRITICAL,
               earliest: date = TODAY, latest: date | None = None, nights: int = 3,
               avoid: list[tuple[str, int]] = (), **fields) -> HousingRequest:
        if not advocate and "created_by_id" not in fields:
            advocate.append(make_user(Role.ADVOCATE))
        fields.setdefault("created_by_id", advocate[0].id if advocate else None)
        place = locate(where)
        request = HousingRequest(
            adults=adults, children=children, gender=gender,
            priority=priority, earliest=earliest, latest=latest or earliest, nights=nights,
            location_label=place.label, lat=place.lat, lon=place.lon,
            timezone=place.timezone, **fields,
        )
        for label, miles in avoid:
            zone = locate(label)
            request.danger_zones.append(DangerZone(label=label, lat=zone.lat, lon=zone.lon,
                                                   miles=miles))
        db.session.add(request)
        db.session.flush()
        return request

    return create


@pytest.fixture
def create_booking(create_request):
    def create(place, request: HousingRequest | None = None, check_in: date = TODAY,
               nights: int = 3, **fields) -> Booking:
        request = request or create_request(earliest=check_in, nights=nights)
        is_hotel = hasattr(place, "program_id")
        booking = Booking(
            request=request, check_in=check_in, nights=nights, persons=request.persons,
            shelter_id=None if is_hotel else place.id, hotel_id=place.id if is_hotel else None,
            rooms=fields.pop("rooms", 1 if is_hotel else 0),
            points_planned=fields.pop("points_planned",
                                      nights * place.standard_points if is_hotel else 0),
            **fields,
        )
        db.session.add(booking)
        db.session.flush()
        return booking

    return create


def later(days: int) -> date:
    return TODAY + timedelta(days=days)
