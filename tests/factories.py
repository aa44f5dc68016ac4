"""`create_*` fixtures for places: each returns a callable that builds a flushed record with
sensible defaults (override any field by keyword)."""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from partners.geo import locate
from partners.places import Hotel, Policy, Shelter
from partners.points import KNOWN_PROGRAMS, LoyaltyProgram
from placement.extensions import db


@pytest.fixture
def create_program(app) -> Callable[..., LoyaltyProgram]:
    def create(code: str = "ihg") -> LoyaltyProgram:
        program = db.session.scalar(select(LoyaltyProgram).where(LoyaltyProgram.code == code))
        if program is None:
            program = KNOWN_PROGRAMS[code].record()
            db.session.add(program)
            db.session.flush()
        return program

    return create


@pytest.fixture
def create_shelter(app) -> Callable[..., Shelter]:
    def create(name: str = "Harbor House", capacity: int = 10, location: str = "20001",
               policy: Policy = Policy.WOMEN, **fields) -> Shelter:
        fields.setdefault("address", "12 Confidential Lane")
        shelter = Shelter(name=name, capacity=capacity, policy=policy, **fields)
        shelter.move_to(locate(location))
        db.session.add(shelter)
        db.session.flush()
        return shelter

    return create


@pytest.fixture
def create_hotel(app, create_program) -> Callable[..., Hotel]:
    def create(name: str = "Crystal City Inn", program: str = "ihg", rooms_per_night: int = 2,
               standard_points: int = 20000, location: str = "22202", **fields) -> Hotel:
        hotel = Hotel(name=name, program=create_program(program), rooms_per_night=rooms_per_night,
                      standard_points=standard_points, **fields)
        hotel.move_to(locate(location))
        db.session.add(hotel)
        db.session.flush()
        return hotel

    return create
