"""Every partner model, for code that wants them all (migrations, the app's model index)."""

from .needs import Need
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
from .points import (
    Account,
    Donor,
    DonorKind,
    LedgerEntry,
    LedgerTransaction,
    LoyaltyProgram,
    PointsLot,
    TxnKind,
)

__all__ = [
    "Account", "BedHold", "Donor", "DonorKind", "Hotel", "HotelNight", "LedgerEntry",
    "LedgerTransaction", "Located", "LoyaltyProgram", "Need", "PointsLot", "Policy", "RoomHold",
    "Shelter", "ShelterNight", "ShelterReport", "TxnKind",
]
