"""Factories for programs, donors and lots: callables with defaults, used as fixtures."""

from datetime import date

import pytest

from partners.ledger import donate
from partners.points import Donor, DonorKind, LoyaltyProgram
from placement.extensions import db

PROGRAM_RULES = {
    "marriott": ("Marriott Bonvoy", 24, None),
    "ihg": ("IHG One Rewards", 12, None),
    "choice": ("Choice Privileges", 18, None),
    "wyndham": ("Wyndham Rewards", 18, 48),
}
TODAY = date(2026, 12, 1)


@pytest.fixture
def make_program(app):
    def make(code: str = "marriott") -> LoyaltyProgram:
        existing = db.session.query(LoyaltyProgram).filter_by(code=code).one_or_none()
        if existing:
            return existing
        name, months, max_age = PROGRAM_RULES[code]
        program = LoyaltyProgram(code=code, name=name, inactivity_months=months,
                                 max_age_months=max_age)
        db.session.add(program)
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
