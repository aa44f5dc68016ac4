"""Imports every mapped class so that the metadata is complete wherever it is needed."""

from partners.models import Donor, Hotel, LoyaltyProgram, PointsLot, Shelter

from .auth.models import User
from .requests.models import DangerZone, Exclusion, HousingRequest

__all__ = [
    "DangerZone", "Donor", "Exclusion", "Hotel", "HousingRequest", "LoyaltyProgram", "PointsLot",
    "Shelter", "User",
]
