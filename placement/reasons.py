"""The short lists of reasons people choose from, kept as codes for the reports, each with
the words people read: why a place said no to a stay (`Booking.reason_code`), why a request
was withdrawn or closed (`HousingRequest.status_reason_code`)."""

from typing import NamedTuple


class Reason(NamedTuple):
    code: str
    label: str


NO_BED = "no_bed"
OTHER = "other"

DECLINE_REASONS: tuple[Reason, ...] = (
    Reason(NO_BED, "No bed after all"),
    Reason("criteria", "Does not meet our criteria"),
    Reason("safety", "Safety concern"),
    Reason(OTHER, "Other"),
)
DECLINE_LABELS = dict(DECLINE_REASONS)

END_REASONS: tuple[Reason, ...] = (
    Reason("found_housing", "Found other housing"),
    Reason("unreachable", "No longer reachable"),
    Reason("safety_plan", "Safety plan changed"),
    Reason("duplicate", "Duplicate request"),
    Reason(OTHER, "Other"),
)
END_LABELS = dict(END_REASONS)


def reason_text(labels: dict[str, str], code: str, note: str | None) -> str:
    """The reason as people read it: the code's words, and the note when one is given."""
    note = (note or "").strip()
    return f"{labels[code]}: {note}" if note else labels[code]
