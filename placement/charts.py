"""Charts as SVG geometry, drawn on the server: no script, no internet, no inline style.
A line chart (the points forecast, templates/points/_forecast.html; the reports' trend
lines) and stacked bars (the reports, templates/reports/_charts.html); each template draws
its chart beside a table with the same figures for screen readers."""

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


def compact(value: float) -> str:
    """An axis label that stays legible on a phone: 2M, 1.5M, 250k, 900, 2.5."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:g}"


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


def trend_chart(labels: list[str], series: dict[str, tuple[list[float | None], str]],
                width: int = 480, height: int = 220) -> LineChart:
    """Trend lines through one value per period (a month), each period labelled. None is
    a period with no figure: the line breaks there (one Line per unbroken run, so a key
    should list `series`, not the chart's lines)."""
    top, bottom, left, right = 16, 28, 44, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = nice_top(max([1] + [v for values, _css in series.values() for v in values
                               if v is not None]))
    slot = plot_w / max(len(labels), 1)

    def x(index: int) -> float:
        return round(left + slot * (index + 0.5), 1)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / peak), 1)

    lines = []
    for label, (values, css) in series.items():
        run: list[str] = []
        for i, value in enumerate([*values, None]):
            if value is not None:
                run.append(f"{x(i)},{y(value)}")
            elif run:
                # A lone point is drawn as a short dash, so a month between gaps shows.
                points = run if len(run) > 1 else [f"{x(i - 1) - 3},{y(values[i - 1])}",
                                                   f"{x(i - 1) + 3},{y(values[i - 1])}"]
                lines.append(Line(label, " ".join(points), css))
                run = []
    y_ticks = [Tick(y(peak * k / 4), compact(peak * k / 4)) for k in range(5)]
    every = max(1, -(-len(labels) // 6))  # at most six labels: legible on a phone
    x_ticks = [Tick(x(i), text) for i, text in enumerate(labels) if i % every == 0]
    return LineChart(width, height, left, top + plot_h, lines, y_ticks, x_ticks, [])


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    css: str
    text: str  # "Mar 2026, placed late: 12"


@dataclass(frozen=True)
class Stack:
    x: float
    width: float
    label: str
    segments: list[Segment]


@dataclass(frozen=True)
class StackedBars:
    width: int
    height: int
    left: int
    baseline: float
    stacks: list[Stack]
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def stacked_bars(labels: list[str], series: dict[str, tuple[list[int], str]],
                 width: int = 480, height: int = 220) -> StackedBars:
    """One bar per label, its parts the series in order from the bottom (label -> (a value
    per bar, css class)); each part says its bar, its series and its value."""
    top, bottom, left, right = 16, 28, 44, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(values[i] for values, _css in series.values()) for i in range(len(labels))]
    peak = nice_top(max([1] + totals))
    slot = plot_w / max(len(labels), 1)
    stacks = []
    for i, label in enumerate(labels):
        below, segments = 0, []
        for name, (values, css) in series.items():
            if values[i]:
                y_top = top + plot_h * (1 - (below + values[i]) / peak)
                segments.append(Segment(round(y_top, 1), round(plot_h * values[i] / peak, 1),
                                        css, f"{label}, {name.lower()}: {values[i]:,}"))
                below += values[i]
        stacks.append(Stack(round(left + slot * i + slot * 0.15, 1), round(slot * 0.7, 1),
                            label, segments))
    y_ticks = [Tick(round(top + plot_h * (1 - k / 4), 1), compact(peak * k / 4))
               for k in range(5)]
    every = max(1, -(-len(labels) // 6))
    x_ticks = [Tick(round(left + slot * (i + 0.5), 1), text) for i, text in enumerate(labels)
               if i % every == 0]
    return StackedBars(width, height, left, top + plot_h, stacks, y_ticks, x_ticks)
