"""Every partner model, for code that wants them all (migrations, the app's model index)."""

from .places import (
    BedHold,
    Hotel,
    HotelNight,
    Located,
    Policy,
    RoomHold,
    Shelter,
    ShelterNight,
    ShelterReport,
)
from .points import Donor, DonorKind, LoyaltyProgram, PointsLot

__all__ = [
    "BedHold", "Donor", "DonorKind", "Hotel", "HotelNight", "Located", "LoyaltyProgram",
    "PointsLot", "Policy", "RoomHold", "Shelter", "ShelterNight", "ShelterReport",
]
