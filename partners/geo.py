"""Turn a US ZIP code or "City, ST" into coordinates, offline, from the `zipcodes` package."""

import re
from dataclasses import dataclass
from functools import lru_cache
from math import asin, cos, radians, sin, sqrt

import zipcodes

ZIP_RE = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
CITY_RE = re.compile(r"^\s*(?P<city>[A-Za-z .'\-]+?)\s*,\s*(?P<state>[A-Za-z]{2})\s*$")


class LocationNotFound(ValueError):
    """The text is not a ZIP code or city we know; the message says what to enter."""


@dataclass(frozen=True)
class Location:
    label: str
    zip_code: str | None
    city: str
    state: str
    lat: float
    lon: float
    timezone: str | None


def locate(text: str) -> Location:
    text = (text or "").strip()
    if match := ZIP_RE.match(text):
        return _by_zip(match.group(1))
    if match := CITY_RE.match(text):
        return _by_city(match.group("city"), match.group("state"))
    raise LocationNotFound("Enter a 5-digit ZIP code (20001) or a city and state (Houston, TX).")


@lru_cache(maxsize=4096)
def _by_zip(code: str) -> Location:
    rows = [r for r in zipcodes.matching(code) if r.get("lat") and r.get("long")]
    if not rows:
        raise LocationNotFound(f"ZIP code {code} was not found.")
    row = rows[0]
    return Location(
        label=code, zip_code=code, city=row["city"].title(), state=row["state"],
        lat=float(row["lat"]), lon=float(row["long"]), timezone=row.get("timezone") or None,
    )


@lru_cache(maxsize=1)
def _city_index() -> dict[tuple[str, str], list[dict]]:
    index: dict[tuple[str, str], list[dict]] = {}
    for row in zipcodes.list_all():
        if row.get("lat") and row.get("long"):
            index.setdefault((row["city"].lower(), row["state"].lower()), []).append(row)
    return index


@lru_cache(maxsize=4096)
def _by_city(city: str, state: str) -> Location:
    rows = _city_index().get((city.lower(), state.lower()), [])
    standard = [r for r in rows if r.get("zip_code_type") == "STANDARD"] or rows
    if not standard:
        raise LocationNotFound(f"{city.title()}, {state.upper()} was not found; try a ZIP code.")
    # The centre of the city's ZIP codes: a fair "where the person is" for a whole city.
    lat = sum(float(r["lat"]) for r in standard) / len(standard)
    lon = sum(float(r["long"]) for r in standard) / len(standard)
    return Location(
        label=f"{standard[0]['city']}, {state.upper()}", zip_code=None, city=standard[0]["city"],
        state=state.upper(), lat=round(lat, 4), lon=round(lon, 4),
        timezone=standard[0].get("timezone") or None,
    )


EARTH_RADIUS_MILES = 3958.8  # the placement spec's figure; the optimizer uses the same


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles (haversine)."""

    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    h = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * asin(sqrt(h))
