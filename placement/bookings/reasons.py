"""Why a place said no to a stay: a short list of codes kept on the booking for the reports
(`Booking.reason_code`), each with the words people read."""

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


def reason_text(labels: dict[str, str], code: str, note: str | None) -> str:
    """The reason as people read it: the code's words, and the note when one is given."""
    note = (note or "").strip()
    return f"{labels[code]}: {note}" if note else labels[code]
