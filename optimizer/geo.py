"""Great-circle distance, computed exactly as the checker's `miles()` so limits agree."""

import math

EARTH_MILES = 3958.8
SLACK = 1e-6  # miles of rounding allowed at distance limits (as in the checker)


def miles(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_MILES * math.asin(min(1.0, math.sqrt(h)))
