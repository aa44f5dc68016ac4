"""A bar chart as SVG markup, drawn on the server: no script, no internet, no inline style."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the month, short
    value_text: str
    hidden: bool


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    max_value: int
    baseline: float


def bar_chart(months: list[date], values: list[int | None], texts: list[str],
              width: int = 640, height: int = 220) -> BarChart:
    """Bars of `values` by month, each read aloud as its text in `texts` (the table's own
    words); None is a hidden (suppressed) value, drawn as a short hatched stub that tells
    nothing of its size."""
    top, bottom, left = 20, 40, 10
    plot_height = height - top - bottom
    shown = [v for v in values if v is not None]
    max_value = max(shown + [1])
    slot = (width - 2 * left) / max(len(months), 1)
    bars = []
    for i, (month, value, text) in enumerate(zip(months, values, texts, strict=True)):
        hidden = value is None
        bar_height = 6 if hidden else plot_height * value / max_value
        bars.append(Bar(
            x=round(left + i * slot + slot * 0.15, 1),
            y=round(top + plot_height - bar_height, 1),
            width=round(slot * 0.7, 1),
            height=round(bar_height, 1),
            label=month.strftime("%b %y"),
            value_text=text,
            hidden=hidden,
        ))
    return BarChart(width, height, bars, max_value, top + plot_height)
