"""Factories for programs, donors and lots: callables with defaults, used as fixtures."""

from datetime import date

import pytest

from partners.ledger import donate
from partners.points import Donor, DonorKind, LoyaltyProgram
from placement.extensions import db

TODAY = date(2026, 12, 1)


@pytest.fixture
def make_program(create_program):
    def make(code: str = "marriott") -> LoyaltyProgram:
        program = create_program(code)
        db.session.commit()
        return program

    return make


@pytest.fixture
def make_donor(app):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, user=None) -> Donor:
        donor = Donor(name=name or f"Donor {next(counter)}", kind=DonorKind.COMPANY,
                      user_id=user.id if user else None)
        db.session.add(donor)
        db.session.commit()
        return donor

    return make


@pytest.fixture
def make_lot(make_program, make_donor):
    def make(points: int = 100_000, program: str = "marriott", donor: Donor | None = None,
             received_on: date = date(2026, 6, 1), expires_on: date | None = None):
        lot = donate(db.session, (donor or make_donor()).id, make_program(program), points,
                     received_on, expires_on)
        db.session.commit()
        return lot

    return make
