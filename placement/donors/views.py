"""The donor's own dashboard: what their points paid for, in aggregates only."""

import csv
import io
from datetime import date

from flask import Blueprint, Response, render_template
from flask_login import current_user
from sqlalchemy import select

from partners.points import Donor
from partners.reports import MEASURES, donor_report
from partners.suppression import label

from ..auth.access import roles
from ..auth.models import Role
from ..extensions import db
from .chart import bar_chart

bp = Blueprint("donors", __name__, url_prefix="/donor")


def my_donor() -> Donor | None:
    return db.session.scalar(select(Donor).where(Donor.user_id == current_user.id))


@bp.route("/")
@roles(Role.DONOR)
def dashboard():
    donor = my_donor()
    report = donor_report(db.session, donor.id, date.today()) if donor else None
    chart = None
    if report and report.has_usage:
        nights = [report.by_month.shown(i, 1) for i in range(len(report.months))]
        chart = bar_chart(report.months, nights)
    return render_template("donors/dashboard.html", donor=donor, report=report, chart=chart,
                           label=label, measures=MEASURES)


@bp.route("/report.csv")
@roles(Role.DONOR)
def report_csv():
    donor = my_donor()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", "month", "program", "measure", "value"])
    if donor:
        report = donor_report(db.session, donor.id, date.today())
        for program in report.programs:
            for account in ("available", "held", "spent", "expired"):
                writer.writerow(["points", "", program.program, account,
                                 getattr(program.balances, account)])
        for j, measure in enumerate(MEASURES):
            for i, month in enumerate(report.months):
                writer.writerow(["by month", month.strftime("%Y-%m"), "", measure,
                                 label(report.by_month.shown(i, j))])
            for i, name in enumerate(report.program_names):
                writer.writerow(["by program", "", name, measure,
                                 label(report.by_program.shown(i, j))])
            total = report.by_month.col_totals[j]
            writer.writerow(["total", "", "", measure,
                             label(None if report.by_month.col_totals_hidden[j] else total)])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=shelter-bridge-donor-report.csv",
        "Cache-Control": "no-store",
    })
