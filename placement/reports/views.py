"""The reports page: exact figures for coordinators and admins, filtered by whole months,
a state, a program, a priority and the organization that filed the requests (a GET form,
so a report is a link), with charts where people would rather look than read, each
beside its table."""

from datetime import datetime

from flask import Blueprint, render_template, request

from partners.us_states import US_STATES

from ..auth.access import roles
from ..auth.models import Role
from ..charts import stacked_bars, trend_chart
from ..clock import hotline_today
from ..database import writes
from ..extensions import db
from ..requests.models import Priority
from . import figures
from .filters import HOTLINE, SHELTER, BadFilter, Filters
from .usmap import choropleth

bp = Blueprint("reports", __name__, url_prefix="/reports")

OUTCOME_SERIES = (("on_time", "Placed on time", "report-ontime"),
                  ("late", "Placed late", "report-late"),
                  ("unplaced", "Not placed", "report-unplaced"),
                  ("open", "Not decided yet", "report-open"))
# Each step of time to safety as its table's heading says it ("from filing to ...").
STEP_WORDS = {"approved": "approval", "confirmed": "confirmation by the place",
              "checked_in": "check-in"}
PLACE_SERIES = (("shelter", "Shelter", "report-shelter"), ("hotel", "Hotel", "report-hotel"))


def duration(minutes: float) -> str:
    """Minutes as people say them: "45 min", "3 h 05 min", "2 d 4 h"."""
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    if total < 48 * 60:
        return f"{total // 60} h {total % 60:02d} min"
    return f"{total // 1440} d {total % 1440 // 60} h"


@bp.app_template_filter("figure")
def figure(value, kind: str = "count") -> str:
    """A figure of a report's table as it reads (Column.kind: count, minutes, points,
    ratio); a dash where there is none."""
    if value is None:
        return "–"
    if kind == "minutes":
        return duration(value)
    return f"{value:,}"


def _short(month_key: str) -> str:
    """"2026-03" as a chart's axis says it: "Mar 26"."""
    return datetime.strptime(month_key, "%Y-%m").strftime("%b %y")


def _stacked(table: figures.Table, series, labels=None):
    return stacked_bars(labels or [_short(row.key) for row in table.rows],
                        {name: (table.column(key), css) for key, name, css in series})


def _safety_trend(table: figures.Table, priorities: list[Priority]):
    """The median hours from filing to check-in, a line per priority."""
    series = {}
    for p in priorities:
        medians = table.column(f"{p.value}_median")
        series[p.value.capitalize()] = (
            [None if m is None else round(m / 60, 1) for m in medians], f"report-{p.value}")
    return trend_chart([_short(row.key) for row in table.rows], series)


def _page(f: Filters) -> dict:
    report = figures.Report(db.session, f)
    by_month, safety = report.unmet_by_month(), report.time_to_safety()
    nights, lengths = report.nights_by_month(), report.stay_lengths()
    priorities = [f.priority] if f.priority else list(Priority)
    # Exact figures: a state with no request had none unmet (the exports hatch hidden ones).
    unmet = dict.fromkeys(US_STATES, 0) | {
        code: unmet for code, (_requests, unmet) in report.demand_by_state().items()}
    return {
        "by_month": by_month, "by_month_chart": _stacked(by_month, OUTCOME_SERIES),
        "by_reason": report.unmet_by_reason(),
        "by_state": report.unmet_by_state(),
        "state_map": choropleth(unmet, "Requests not placed on time, by state",
                                ident="unmet-map"),
        "places": report.places_said_no(),
        "needs": report.needs_unmet(),
        "safety": safety, "step_words": STEP_WORDS,
        "safety_chart": _safety_trend(safety["checked_in"], priorities),
        "safety_series": [(p.value.capitalize(), f"report-{p.value}") for p in priorities],
        "nights": nights, "nights_chart": _stacked(nights, (
            ("shelter_nights", "Shelter nights", "report-shelter"),
            ("hotel_nights", "Hotel nights", "report-hotel"))),
        "lengths": lengths, "lengths_chart": _stacked(
            lengths, PLACE_SERIES, [row.key + ("+" if row.key == str(figures.LONG_STAY) else "")
                                    for row in lengths.rows]),
        "points": report.points_per_night(),
        "extensions": report.extensions(),
        "no_shows": report.no_shows(),
    }


def _choices(programs: list[tuple[str, str]], organizations: list[tuple[str, str]]) -> dict:
    return {"states": sorted(US_STATES.items(), key=lambda item: item[1]),
            "programs": programs, "priority_choices": list(Priority),
            "organizations": organizations,
            "outcome_series": [(name, css) for _k, name, css in OUTCOME_SERIES],
            "place_series": [(name, css) for _k, name, css in PLACE_SERIES]}


@bp.route("/")
@roles(Role.COORDINATOR, Role.ADMIN)
@writes  # it keeps the settled months it counted (memo.py)
def index():
    programs = figures.program_choices(db.session)
    organizations = figures.organization_choices(db.session)
    today = hotline_today()
    try:
        f = figures.parse_filters(request.args, today,
                                  [code for code, _name in programs if code != SHELTER],
                                  [value for value, _name in organizations if value != HOTLINE])
    except BadFilter as error:
        return render_template("reports/index.html", error=str(error),
                               f=figures.default_filters(today),
                               **_choices(programs, organizations)), 400
    return render_template("reports/index.html", f=f, program_names=dict(programs),
                           organization_names=dict(organizations),
                           **_choices(programs, organizations), **_page(f))
