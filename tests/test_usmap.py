"""The reports' map of the United States: every state, DC and Puerto Rico drawn from the
vendored Census outlines, each coloured by its value's class, suppressed figures hatched."""

import re

import pytest

from partners.us_states import US_STATES
from placement.reports.usmap import HEIGHT, PALETTE, WIDTH, ZERO_FILL, bins, choropleth, outlines


def _state_groups(svg: str) -> dict[str, str]:
    return {code: css for css, code in
            re.findall(r'<g class="map-state ([^"]+)" data-state="([A-Z]{2})"', svg)}


def test_every_state_dc_and_puerto_rico_has_a_shape_inside_the_map():
    drawn = outlines()
    assert set(drawn) == set(US_STATES) and len(drawn) == 52
    for code, outline in drawn.items():
        numbers = [float(n) for n in re.findall(r"-?\d*\.?\d+", outline.path.split("l")[0])]
        x, y = numbers[:2]
        assert 0 <= x <= WIDTH and 0 <= y <= HEIGHT, code
        assert outline.path.count("z") >= 1 and len(outline.path) > 40, code
        assert 0 <= outline.centre[0] <= WIDTH and 0 <= outline.centre[1] <= HEIGHT, code
    # Puerto Rico's inset sits beside Florida, east and below of its tip, not on it.
    assert drawn["PR"].centre[0] > drawn["FL"].centre[0]
    # DC is tiny but there: a path of its own inside Maryland's neighbourhood.
    assert abs(drawn["DC"].centre[0] - drawn["MD"].centre[0]) < 40


def test_the_outlines_are_made_once_per_process():
    assert outlines() is outlines()


def test_values_fall_into_quintile_classes_with_their_colours():
    # Ten positive values, two states at zero, one suppressed, the rest left out (no data).
    values = {"CA": 100, "TX": 90, "NY": 80, "FL": 70, "IL": 60, "PA": 50, "OH": 40,
              "GA": 30, "NC": 20, "MI": 11, "WY": 0, "VT": 0, "RI": None}
    svg = str(choropleth(values, "Requests by state"))
    classes = _state_groups(svg)
    # Quintiles of 11..100 (ten values, two a class): <=20, <=40, <=60, <=80, <=100.
    assert classes["MI"] == classes["NC"] == "map-class-1"
    assert classes["GA"] == classes["OH"] == "map-class-2"
    assert classes["PA"] == classes["IL"] == "map-class-3"
    assert classes["FL"] == classes["NY"] == "map-class-4"
    assert classes["TX"] == classes["CA"] == "map-class-5"
    assert classes["WY"] == classes["VT"] == "map-zero"
    assert classes["RI"] == classes["AK"] == classes["DC"] == classes["PR"] == "map-hidden"
    fill = dict(re.findall(r'data-state="([A-Z]{2})"><title>[^<]*</title><path d="[^"]+" '
                           r'fill="([^"]+)"', svg))
    assert fill["CA"] == PALETTE[4] and fill["MI"] == PALETTE[0]
    assert fill["WY"] == ZERO_FILL and fill["RI"] == "url(#us-map-hidden)"
    assert '<title>California: 100</title>' in svg
    assert '<title>Rhode Island: not shown (fewer than 11) or no data</title>' in svg
    legend = re.findall(r'</svg>([^<]+)</li>', svg)
    assert legend == ["none", "11 to 20", "21 to 40", "41 to 60", "61 to 80", "81 to 100",
                      "not shown (fewer than 11) or no data"]


def test_a_boxed_small_state_takes_its_states_colour():
    svg = str(choropleth({"DC": 500, "CA": 20}, "Requests"))
    box = re.search(r'<g class="map-box ([^"]+)" data-state="DC">.*?</g>', svg).group(0)
    assert "map-class-2" in box and f'fill="{PALETTE[4]}"' in box and ">DC</text>" in box


def test_bins_of_fractions_and_of_one_value():
    assert [b.label for _c, b in bins([1.5, 2.5], lambda v: f"{v:.1f}")] == [
        "1.5", "over 1.5 to 2.5"]
    assert [(c, b.label) for c, b in bins([7, 7, 7], str)] == [(7, "7")]
    assert bins([0, 0], str) == []


def test_the_map_is_an_accessible_image_drawn_offline():
    svg = str(choropleth({"CA": 12}, 'Unmet demand <by> "state"'))
    assert 'role="img"' in svg
    assert 'aria-label="Unmet demand &lt;by&gt; &#34;state&#34;.' in svg
    assert "<script" not in svg and "style=" not in svg
    assert re.findall(r"https?://[^\"]+", svg) == ["http://www.w3.org/2000/svg"]


def test_a_code_outside_the_map_is_refused():
    with pytest.raises(ValueError, match="GU"):
        choropleth({"GU": 3}, "Requests")
    with pytest.raises(ValueError, match="not an id"):
        choropleth({}, "Requests", ident='x" onload="')
