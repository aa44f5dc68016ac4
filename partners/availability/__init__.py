"""Nightly availability of shelter beds and hotel rooms, and the holds stays place on them.

Plain functions: each takes a SQLAlchemy Session and flushes; the caller commits. Holds name
the booking by an opaque reference so that partners/ never imports the app.
"""

from .common import (
    AGING_AFTER,
    MAX_RANGE_NIGHTS,
    STALE_AFTER,
    AvailabilityError,
    Freshness,
    ImpossibleReport,
    InvalidNights,
    NightRange,
    NotEnoughBeds,
    NotEnoughRooms,
    PlaceNotFound,
    freshness,
    freshness_counts,
    local_today,
    night_label,
)
from .hotels import (
    HotelNightAvailability,
    hold_rooms,
    hotel_exceptions,
    hotel_nights,
    nights_for_hotels,
    points_for_stay,
    release_rooms,
    room_holds,
    set_hotel_nights,
)
from .shelters import (
    NightAvailability,
    bed_holds,
    capacity_changes,
    hold_beds,
    nights_for_shelters,
    recent_reports,
    record_staff_report,
    release_beds,
    set_capacity,
    set_out_of_service,
    shelter_nights,
)
from .staff_link import issue_staff_link, revoke_staff_link, staff_link_is_live

__all__ = [
    "AGING_AFTER", "AvailabilityError", "Freshness", "HotelNightAvailability",
    "ImpossibleReport", "InvalidNights", "MAX_RANGE_NIGHTS", "NightAvailability", "NightRange",
    "NotEnoughBeds", "NotEnoughRooms", "PlaceNotFound", "STALE_AFTER", "bed_holds",
    "capacity_changes", "freshness", "freshness_counts", "hold_beds", "hold_rooms",
    "hotel_exceptions",
    "hotel_nights", "issue_staff_link", "local_today", "night_label", "nights_for_hotels",
    "nights_for_shelters", "points_for_stay", "recent_reports", "record_staff_report",
    "release_beds", "release_rooms", "revoke_staff_link", "room_holds", "set_capacity",
    "set_hotel_nights", "set_out_of_service", "shelter_nights", "staff_link_is_live",
]
