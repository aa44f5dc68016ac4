"""Every partner model, for code that wants them all (migrations, the app's model index)."""

from .places import Hotel, Located, Policy, Shelter
from .points import Donor, DonorKind, LoyaltyProgram, PointsLot

__all__ = [
    "Donor", "DonorKind", "Hotel", "Located", "LoyaltyProgram", "PointsLot", "Policy", "Shelter",
]
