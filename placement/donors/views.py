"""The donor's own dashboard: what their points paid for, in aggregates only."""


from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from partners.points import Donor
from partners.reports import MEASURES, DonorReport, donor_report
from partners.safe_csv import SafeCsvWriter

from ..auth.access import roles
from ..auth.models import Role
from ..clock import hotline_today
from ..extensions import db
from ..points.what_if import NEXT_GIFT_POINTS, gift_figures
from .chart import bar_chart

bp = Blueprint("donors", __name__, url_prefix="/donor")


def my_donor() -> Donor | None:
    return db.session.scalar(select(Donor).where(Donor.user_id == current_user.id))


def report_for(donor: Donor) -> DonorReport:
    """As of the end of the last complete month by the hotline's date (the app's injected
    clock in tests), never the server's."""
    return donor_report(db.session, donor.id, hotline_today(),
                        current_app.config["HOTLINE_TIMEZONE"])


@bp.route("/")
@roles(Role.DONOR)
def dashboard():
    donor = my_donor()
    report = report_for(donor) if donor else None
    chart = None
    if report and report.has_usage:
        rows = range(len(report.months))
        chart = bar_chart(report.months, [report.by_month.shown(i, 1) for i in rows],
                          [report.by_month.text(i, 1) for i in rows])
    gifts = (gift_figures(db.session, [p.program for p in report.programs], hotline_today())
             if report and report.has_gifts else [])
    return render_template("donors/dashboard.html", donor=donor, report=report, chart=chart,
                           measures=MEASURES, gifts=gifts, gift_points=NEXT_GIFT_POINTS)


@bp.route("/report.csv")
@roles(Role.DONOR)
def report_csv():
    donor = my_donor()
    writer = SafeCsvWriter()
    writer.writerow(["table", "month", "program", "measure", "value"])
    report = report_for(donor) if donor else None
    if report and report.has_gifts:
        as_of = report.as_of.strftime("%Y-%m")
        for program in report.programs:
            for account in ("available", "held", "spent", "expired"):
                writer.writerow(["points", as_of, program.program, account,
                                 getattr(program.balances, account)])
        for j, measure in enumerate(MEASURES):
            for i, month in enumerate(report.months):
                writer.writerow(["by month", month.strftime("%Y-%m"), "", measure,
                                 report.by_month.text(i, j)])
            for i, name in enumerate(report.program_names):
                writer.writerow(["by program", "", name, measure, report.by_program.text(i, j)])
            writer.writerow(["total", "", "", measure, report.by_month.col_total_text(j)])
    name = f"-{report.as_of:%Y-%m}" if report else ""  # the month the figures stand at
    return Response(writer.text(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=shelter-bridge-donor-report{name}.csv",
        "Cache-Control": "no-store",
    })
