"""Every partner model, for code that wants them all (migrations, the app's model index)."""

from .places import Hotel, Located, Policy, Shelter
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
    "Account", "Donor", "DonorKind", "Hotel", "LedgerEntry", "LedgerTransaction", "Located",
    "LoyaltyProgram", "PointsLot", "Policy", "Shelter", "TxnKind",
]
