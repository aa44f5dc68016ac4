"""`GET /api/v1/reports`: the funders' export of the reports (issue 18) as JSON, with the
same suppression as its CSV (placement/reports/disclosure.py: small counts, and every
cell that would let one be worked out, across states and months, are hidden): whole
settled months, the nation or a state."""

from dataclasses import asdict

from flask import request

from ..auth.access import keyed
from ..clock import hotline_today
from ..database import writes
from ..problems import Problem, field_error
from ..reports.export_queries import export_months
from ..reports.export_views import funders_export
from ..reports.figures import parse_filters
from ..reports.filters import BadFilter
from . import bp
from .keys import Scope
from .schemas import ReportOut, ReportQuery
from .spec import answers, spec


@bp.get("/reports")
@writes  # a settled month's first export publishes it (published_month)
@keyed(Scope.REPORTS)
@spec.validate(query=ReportQuery, resp=answers(HTTP_200=ReportOut), tags=["reports"],
               operation_id="report")
def report():
    """The reports' figures for funders, by month: requests and what became of them, by
    priority and type of trafficking, nights, time to safety; small counts hidden."""
    args = {"from": request.args.get("from", ""), "to": request.args.get("to", ""),
            "state": request.args.get("state", "all")}
    today = hotline_today()
    try:
        f = parse_filters(args, today, [])
        export_months(f, today)  # a month not settled yet is refused here, with why
    except BadFilter as error:
        raise Problem(422, str(error), errors=[field_error("from", str(error))]) from None
    export = funders_export(f)  # the CSV's own: each month's hidden cells as published
    return {"area": export.area, "months": [f"{m:%Y-%m}" for m in export.months],
            "tables": [{**asdict(t), "columns": [{"key": k, "label": v} for k, v in t.columns]}
                       for t in export.tables]}
