"""The funders' exports of the reports: a CSV and a page that prints to PDF, both
suppressed (exports.py says how), for coordinators and admins to download and send.
They read the reports page's filters; only whole months and a state apply."""

from flask import Blueprint, Response, current_app, render_template, request

from partners.safe_csv import SafeCsvWriter
from partners.us_states import US_STATES

from ..auth.access import roles
from ..auth.models import Role
from ..clock import hotline_today
from ..database import writes
from ..extensions import db
from . import figures
from .disclosure import NATION
from .export_queries import export_months, protected_months, safety_times
from .exports import Export, area_label, build_export, csv_rows, range_label
from .filters import ALL, SHELTER, BadFilter, Filters
from .usmap import choropleth

bp = Blueprint("report_exports", __name__, url_prefix="/reports")


def _filters() -> Filters:
    programs = [code for code, _name in figures.program_choices(db.session) if code != SHELTER]
    return figures.parse_filters(request.args, hotline_today(), programs)


def _filtered_export() -> tuple[Filters, Export]:
    f = _filters()
    return f, funders_export(f)


def funders_export(f: Filters) -> Export:
    """The funders' export under `f` (whole months and a state), each month as published:
    the CSV, the print page and the integration API's reports all read this."""
    months = export_months(f, hotline_today())
    protected = protected_months(db.session, months, current_app.config["HOTLINE_TIMEZONE"])
    return build_export(f.state or NATION, protected, safety_times(db.session, months, f.state))


def _dropped(f: Filters) -> list[str]:
    """The filters an export does not apply, in words (the organization is not even read:
    parse_filters leaves it out here)."""
    organization = request.args.get("organization", ALL).strip() not in ("", ALL)
    return [words for given, words in (
        (f.program, "program"), (f.priority, "priority"),
        (organization, "organization")) if given]


@bp.route("/export.csv")
@writes  # a settled month's first export publishes it (published_month)
@roles(Role.COORDINATOR, Role.ADMIN)
def export_csv():
    try:
        _f, export = _filtered_export()
    except BadFilter as error:  # a person followed a wrong link: a page that says why
        return render_template("reports/print.html", error=str(error)), 400
    writer = SafeCsvWriter()
    writer.writerows(csv_rows(export, hotline_today()))
    area = "all-states" if export.area == NATION else export.area
    name = f"shelter-bridge-{area}-{export.months[0]:%Y-%m}-to-{export.months[-1]:%Y-%m}.csv"
    return Response(writer.text(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})


@bp.route("/print")
@writes  # a settled month's first export publishes it (published_month)
@roles(Role.COORDINATOR, Role.ADMIN)
def export_print():
    try:
        f, export = _filtered_export()
    except BadFilter as error:
        return render_template("reports/print.html", error=str(error)), 400
    state_map, state_rows = None, []
    if export.by_state is not None:
        state_map = choropleth(export.by_state, "Requests filed, by state",
                               missing_label="hidden (in at least one of the months)",
                               ident="export-map")
        state_rows = sorted(export.by_state.items(), key=lambda item: US_STATES[item[0]])
    args = f.as_args() | {"program": ALL, "priority": ALL, "organization": ALL}
    return render_template(
        "reports/print.html", export=export, area=area_label(export.area),
        period=range_label(export.months), made=hotline_today(), dropped=_dropped(f),
        clipped=export.months[-1] < f.last, state_map=state_map, state_rows=state_rows,
        args=args, state_names=US_STATES)
