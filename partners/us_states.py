"""The states a hotline publishes its figures by: the 50 states, DC and Puerto Rico, by
their USPS codes. Other places the `zipcodes` package knows (Guam, the Virgin Islands,
military mail...) are outside the published map, so they have no state here."""

from functools import lru_cache

from zipcodes import matching

from .geo import CITY_RE, ZIP_RE

US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "PR": "Puerto Rico", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}


def us_state(code: str | None) -> str | None:
    """`code` when it is one of US_STATES (in any case), else None."""
    code = (code or "").strip().upper()
    return code if code in US_STATES else None


def state_of_label(label: str | None) -> str | None:
    """The state of a location as the request form stores it (partners/geo.py `locate`'s
    label: a ZIP code, or "City, ST"), or None when it has none of US_STATES."""
    label = label or ""
    if match := ZIP_RE.match(label):
        return _zip_state(match.group(1))
    if match := CITY_RE.match(label):
        return us_state(match.group("state"))
    return None


@lru_cache(maxsize=4096)
def _zip_state(code: str) -> str | None:
    rows = matching(code)
    return us_state(rows[0]["state"]) if rows else None
