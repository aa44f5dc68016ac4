"""The United States as an SVG choropleth, drawn on the server from the Census Bureau's
state outlines (placement/reports/data, from the npm package `us-atlas`): no script, no
tiles, nothing from the internet, and no inline style (colours are SVG attributes).

The outlines are turned into SVG paths once per process, at first use (`outlines()`,
cached): the TopoJSON files stay exactly as the package ships them, so there is no
generated file to keep in step with them. Each shared border (a TopoJSON arc) is thinned
once with Douglas-Peucker at a fifth of a map unit and reused by both its states, so
neighbours still meet; the 50 states, DC and Puerto Rico come to about 60 KB of path.

The map is 975 x 610 units (the package's Albers projection, Alaska and Hawaii as its
insets). Puerto Rico, absent from the projected file, is drawn from the longitude and
latitude file as an inset beside Florida at the map's own scale. DC, and the small states
of the north-east that a phone would show as a few pixels, also get a labelled box in
the Atlantic, filled like the state and naming it, so each can be read on a 390 px screen.

Every state is a `<path>` in a `<g>` with a `<title>` (its name and value, shown on
hover); the `<svg>` is `role="img"` with an aria-label, and the legend is HTML beneath it.
Keyboard and screen-reader users read the same figures in the table the page puts beside
the map: a map is for seeing, the table for reading.
"""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from math import cos, radians

from markupsafe import Markup, escape

from partners.us_states import US_STATES

WIDTH, HEIGHT = 975, 610
TOLERANCE = 0.2  # map units: a 975-unit map is never drawn wider than ~1,300 px

# ColorBrewer's 5-class "Blues" (sequential, safe for colour-blind readers and in grey).
# The lightest is darker than Blues' own, so that it is not mistaken for zero (white).
PALETTE = ("#c6dbef", "#93c4df", "#4f9bcb", "#2171b5", "#08306b")
DARK = {"#2171b5", "#08306b"}  # classes whose boxes take white text
ZERO_FILL = "#ffffff"
HATCH = "#8c8c8c"
STROKE = "#6c757d"

# Albers at scale 1300: one degree of latitude is 1300 * pi / 180 map units.
DEGREE = 1300 * 3.141592653589793 / 180
PUERTO_RICO = {"fips": "72", "centre": (-66.45, 18.22), "at": (870.0, 560.0)}
# Boxes in the Atlantic, top to bottom: DC and the states too small to read on a phone.
BOXED = ("VT", "NH", "MA", "RI", "CT", "NJ", "DE", "MD", "DC")
BOX = {"x": 922.0, "y": 205.0, "w": 50.0, "h": 28.0, "gap": 4.0}

FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "72": "PR",
}

Point = tuple[float, float]


@dataclass(frozen=True)
class Outline:
    path: str  # the SVG path's `d`
    centre: Point  # the middle of its bounding box: where a callout points


def _read(name: str) -> dict:
    return json.loads(files("placement.reports.data").joinpath(name).read_text())


def _decoded_arcs(topology: dict, project: Callable[[Point], Point]) -> list[list[Point]]:
    """TopoJSON arcs are quantized and delta-encoded: undo both, project, then thin."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append(project((x * sx + tx, y * sy + ty)))
        arcs.append(_thinned(points, TOLERANCE))
    return arcs


def _thinned(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; the ends are always kept (they are where arcs meet)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = (dx * dx + dy * dy) ** 0.5
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if distance > farthest:
                farthest, index = distance, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _ring(arcs: list[list[Point]], indexes: list[int]) -> list[Point]:
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points += arc[1:] if points else arc
    return points


def _path(polygons: list[list[list[int]]], arcs: list[list[Point]]) -> tuple[str, list[Point]]:
    """Absolute first point, then relative steps at 0.1 units: about half the characters
    of absolute coordinates."""
    parts, every = [], []
    for polygon in polygons:
        for indexes in polygon:
            ring = [(round(x * 10), round(y * 10)) for x, y in _ring(arcs, indexes)]
            every += [(x / 10, y / 10) for x, y in ring]
            (x0, y0), steps = ring[0], []
            last = ring[0]
            for point in ring[1:]:
                dx, dy = point[0] - last[0], point[1] - last[1]
                if dx or dy:
                    steps.append(f"{_tenths(dx)}{'' if dy < 0 else ' '}{_tenths(dy)}")
                    last = point
            if len(steps) >= 2:
                parts.append(f"M{_tenths(x0)} {_tenths(y0)}l" + " ".join(steps) + "z")
    return "".join(parts), every


def _tenths(value: int) -> str:
    text = f"{value / 10:.1f}".removesuffix(".0")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _polygons(geometry: dict) -> list[list[list[int]]]:
    return geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]


def _outline(geometry: dict, arcs: list[list[Point]]) -> Outline:
    path, points = _path(_polygons(geometry), arcs)
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return Outline(path, ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2))


@cache
def outlines() -> dict[str, Outline]:
    """Each of US_STATES' codes to its outline on the 975 x 610 map."""
    albers = _read("states-albers-10m.json")
    arcs = _decoded_arcs(albers, lambda point: point)
    found = {FIPS[g["id"]]: _outline(g, arcs) for g in albers["objects"]["states"]["geometries"]}

    world = _read("states-10m.json")
    (lon0, lat0), (x0, y0) = PUERTO_RICO["centre"], PUERTO_RICO["at"]
    squeeze = cos(radians(lat0))

    def inset(point: Point) -> Point:
        lon, lat = point
        return x0 + (lon - lon0) * DEGREE * squeeze, y0 - (lat - lat0) * DEGREE

    # Only Puerto Rico's own arcs are projected: the rest of the world file is not drawn.
    geometry = next(g for g in world["objects"]["states"]["geometries"]
                    if g["id"] == PUERTO_RICO["fips"])
    wanted = {i if i >= 0 else ~i for polygon in _polygons(geometry)
              for ring in polygon for i in ring}
    subset = dict(world, arcs=[arc if i in wanted else [] for i, arc in enumerate(world["arcs"])])
    found["PR"] = _outline(geometry, _decoded_arcs(subset, inset))
    return {code: found[code] for code in US_STATES}


@dataclass(frozen=True)
class Bin:
    fill: str
    css: str
    label: str


def bins(values: Sequence[float], fmt: Callable[[float], str]) -> list[tuple[float, Bin]]:
    """Up to five classes over the positive values, split at their quintiles (so each class
    holds about as many states), as (upper bound, bin), lowest first. Whole numbers read
    "12 to 40", "41 to 95"; fractions "over 1.5 to 2.5"."""
    positive = sorted(v for v in values if v > 0)
    cuts: list[float] = []
    for k in range(1, 6):
        cut = positive[-(-k * len(positive) // 5) - 1] if positive else None
        if cut is not None and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    # Few classes take the darker end, so that a lone class is not mistaken for "none".
    palette = PALETTE[len(PALETTE) - len(cuts):] if len(cuts) < 3 else PALETTE
    whole = all(float(v).is_integer() for v in positive)
    result = []
    for k, cut in enumerate(cuts):
        if k == 0:
            low = fmt(positive[0])
        else:
            low = fmt(int(cuts[k - 1]) + 1) if whole else f"over {fmt(cuts[k - 1])}"
        text = fmt(cut) if low == fmt(cut) else f"{low} to {fmt(cut)}"
        result.append((cut, Bin(palette[k], f"map-class-{k + 1}", text)))
    return result


def _bin_of(value: float | None, classes: list[tuple[float, Bin]], missing: Bin) -> Bin:
    if value is None:
        return missing
    if value <= 0:
        return Bin(ZERO_FILL, "map-zero", "none")
    return next(b for cut, b in classes if value <= cut)


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def choropleth(values: Mapping[str, float | None], title: str, *,
               fmt: Callable[[float], str] = _number,
               missing_label: str = "not shown (fewer than 11) or no data",
               ident: str = "us-map") -> Markup:
    """A map of `values` (a USPS code of US_STATES to a number, or None where the figure is
    suppressed or there is none; a state left out counts as None) with its legend.
    `ident` keeps ids apart when a page shows more than one map."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", ident):
        raise ValueError(f"not an id: {ident!r}")
    unknown = set(values) - set(US_STATES)
    if unknown:
        raise ValueError(f"not a state of the map: {sorted(unknown)}")
    shown = {code: values.get(code) for code in US_STATES}
    classes = bins([v for v in shown.values() if v is not None], fmt)
    hatch = f"{ident}-hidden"
    missing = Bin(f"url(#{hatch})", "map-hidden", missing_label)
    drawn = outlines()

    def words(code: str) -> str:
        value = shown[code]
        return f"{US_STATES[code]}: {missing_label if value is None else fmt(value)}"

    parts = [
        f'<svg class="us-map w-100 h-auto" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}. '
        'The figures for every state are in the table with this map.">',
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f2f2f2"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH}" stroke-width="2.5"/>'
        '</pattern></defs>',
    ]
    for code, outline in drawn.items():
        b = _bin_of(shown[code], classes, missing)
        parts.append(f'<g class="map-state {b.css}" data-state="{code}">'
                     f'<title>{escape(words(code))}</title>'
                     f'<path d="{outline.path}" fill="{b.fill}" stroke="{STROKE}" '
                     'stroke-width="0.6" stroke-linejoin="round"/></g>')
    for k, code in enumerate(BOXED):
        b = _bin_of(shown[code], classes, missing)
        x, y = BOX["x"], BOX["y"] + k * (BOX["h"] + BOX["gap"])
        cx, cy = drawn[code].centre
        ink = "#ffffff" if b.fill in DARK else "#212529"
        parts.append(
            f'<g class="map-box {b.css}" data-state="{code}">'
            f'<title>{escape(words(code))}</title>'
            f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x}" y2="{y + BOX["h"] / 2}" '
            f'stroke="{STROKE}" stroke-width="0.6"/>'
            f'<rect x="{x}" y="{y}" width="{BOX["w"]}" height="{BOX["h"]}" rx="3" '
            f'fill="{b.fill}" stroke="{STROKE}"/>'
            f'<text x="{x + BOX["w"] / 2}" y="{y + BOX["h"] / 2 + 7}" text-anchor="middle" '
            f'font-size="20" font-family="system-ui, sans-serif" fill="{ink}">{code}</text>'
            '</g>')
    px, py = PUERTO_RICO["at"]
    parts.append(f'<text x="{px}" y="{py + 32}" text-anchor="middle" font-size="18" '
                 'font-family="system-ui, sans-serif" fill="#212529">Puerto Rico</text></svg>')

    legend = [(b.fill, b.label) for _cut, b in classes]
    if any(v is not None and v <= 0 for v in shown.values()):
        legend.insert(0, (ZERO_FILL, "none"))
    if any(v is None for v in shown.values()):
        legend.append((missing.fill, missing_label))
    items = "".join(
        '<li class="list-inline-item me-3 text-nowrap">'
        '<svg width="18" height="14" class="align-middle me-1" aria-hidden="true">'
        f'<rect x=".5" y=".5" width="17" height="13" fill="{fill}" stroke="{STROKE}"/></svg>'
        f'{escape(text)}</li>' for fill, text in legend)
    # Every word from outside (title, labels, names) is escaped above; numbers are ours.
    return Markup(  # noqa: S704
        f'<figure class="us-map-figure mb-3" id="{ident}">{"".join(parts)}'
        f'<figcaption><span class="visually-hidden">Legend: </span>'
        f'<ul class="list-inline small mb-0 mt-2">{items}</ul></figcaption></figure>')
