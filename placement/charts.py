"""A line chart as SVG geometry, drawn on the server: no script, no internet, no inline
style. The template draws it (templates/points/_forecast.html) beside a table with the
same figures for screen readers."""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y ..." for <polyline>
    css: str


@dataclass(frozen=True)
class Tick:
    at: float
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    baseline: float
    lines: list[Line]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    marks: list[Tick]  # vertical lines: a run-out date


def nice_top(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at least `value`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def compact(value: int) -> str:
    """An axis label that stays legible on a phone: 2M, 1.5M, 250k, 900."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


def line_chart(days: list[date], series: dict[str, tuple[list[int], str]],
               marks: list[tuple[date, str]] = (), width: int = 480,
               height: int = 220) -> LineChart:
    """`series`: label → (a value per day, css class); `marks`: dates to draw a vertical
    line at, with their words. Values are steps: each day's value holds until the next."""
    top, bottom, left, right = 16, 28, 44, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_top(max([1] + [v for values, _css in series.values() for v in values]))
    span = max(len(days), 1)

    def x(index: float) -> float:
        return round(left + plot_w * index / span, 1)

    def y(value: int) -> float:
        return round(top + plot_h * (1 - value / peak), 1)

    lines = []
    for label, (values, css) in series.items():
        steps = []
        for i, value in enumerate(values):
            steps += [f"{x(i)},{y(value)}", f"{x(i + 1)},{y(value)}"]
        lines.append(Line(label, " ".join(steps), css))
    y_ticks = [Tick(y(peak * k // 4), compact(peak * k // 4)) for k in range(5)]
    x_ticks = [Tick(x(i), day.strftime("%b %-d")) for i, day in enumerate(days)
               if i % 30 == 0]
    index = {day: i for i, day in enumerate(days)}
    shown = [Tick(x(index[day]), text) for day, text in marks if day in index]
    return LineChart(width, height, left, top + plot_h, lines, y_ticks, x_ticks, shown)
