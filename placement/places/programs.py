"""Loyalty programs and their expiry rule (coordinators may correct a rule)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from partners.forecast import Outlook, program_outlook
from partners.places import Hotel
from partners.points import LoyaltyProgram

from ..auth.access import roles
from ..auth.forms import ConfirmForm
from ..auth.models import Role
from ..charts import LineChart, line_chart
from ..clock import hotline_today
from ..extensions import db
from ..points.what_if import latest_figures, marginal_value, open_batch, queue_batch
from ..security import passive
from ..web import html_version, polled
from . import bp
from .forms import NewProgramForm, ProgramForm


def expiry_rule(program: LoyaltyProgram) -> str:
    rule = f"Points lapse after {program.inactivity_months} months without activity"
    if program.max_age_months:
        rule += f", and {program.max_age_months} months after they were earned in any case"
    return rule + "."


@bp.app_template_global("expiry_rule")
def _expiry_rule(program: LoyaltyProgram) -> str:
    return expiry_rule(program)


@bp.route("/programs")
@roles(Role.COORDINATOR)
def programs():
    rows = db.session.scalars(select(LoyaltyProgram).order_by(LoyaltyProgram.name)).all()
    hotel_counts = dict(db.session.execute(
        select(Hotel.program_id, func.count(Hotel.id)).group_by(Hotel.program_id)).all())
    return render_template("places/programs.html", programs=rows, hotel_counts=hotel_counts)


@bp.route("/programs/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_program():
    form = NewProgramForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if db.session.scalar(select(LoyaltyProgram.id).where(LoyaltyProgram.code == code)):
            form.code.errors.append(f"A program with the code {code} exists already.")
        else:
            program = LoyaltyProgram(
                code=code, name=form.name.data.strip(),
                inactivity_months=form.inactivity_months.data,
                max_age_months=form.max_age_months.data,
                notes=(form.notes.data or "").strip() or None,
            )
            db.session.add(program)
            flash(f"Added {program.name}.", "success")
            return redirect(url_for("places.programs"))
    return render_template("places/program_form.html", form=form, program=None), \
        400 if form.is_submitted() else 200


@bp.route("/programs/<int:program_id>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def edit_program(program_id: int):
    program = db.session.get(LoyaltyProgram, program_id) or abort(404)
    form = ProgramForm(obj=program)
    if form.validate_on_submit():
        program.inactivity_months = form.inactivity_months.data
        program.max_age_months = form.max_age_months.data
        program.notes = (form.notes.data or "").strip() or None
        flash(f"Saved the expiry rule of {program.name}.", "success")
        return redirect(url_for("places.programs"))
    today = hotline_today()
    outlook = program_outlook(db.session, program.id, today)
    return render_template("places/program_form.html", form=form, program=program,
                           outlook=outlook, chart=outlook_chart(outlook), today=today,
                           what_if=(section := what_if_section(program)),
                           what_if_version=html_version(section), ask=ConfirmForm()), \
        400 if form.errors else 200


def what_if_section(program: LoyaltyProgram) -> str:
    batch, figures = latest_figures(db.session, program.id)
    return render_template("points/_what_if.html", program=program, batch=batch,
                           figures=figures, batch_open=open_batch(db.session),
                           margin=marginal_value(figures, program.name))


@bp.route("/programs/<int:program_id>/what-if/status")
@roles(Role.COORDINATOR)
@passive
def what_if_poll(program_id: int):
    """The what-if section as it is now, for the page to swap in while a batch runs."""
    program = db.session.get(LoyaltyProgram, program_id) or abort(404)
    html = what_if_section(program)
    return polled(html, open=open_batch(db.session) is not None)


@bp.route("/programs/<int:program_id>/what-if", methods=["POST"])
@roles(Role.COORDINATOR)
def ask_what_if(program_id: int):
    """Compute now: a batch for the scheduler (one queued at a time serves every asker)."""
    program = db.session.get(LoyaltyProgram, program_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    queue_batch(db.session, current_user.id)
    flash("Queued: the figures for every program are computed within a few minutes.", "info")
    return redirect(url_for("places.edit_program", program_id=program.id) + "#what-if", 303)


def outlook_chart(outlook: Outlook) -> LineChart:
    """The balance at each pace of spending, each run-out date within the chart marked."""
    days = next(iter(outlook.projections.values())).days
    series = {f"At the {window}-day pace": (p.balance, f"forecast-{window}")
              for window, p in outlook.projections.items()}
    marks = [(p.run_out, f"dry ({window} d)") for window, p in outlook.projections.items()
             if p.run_out is not None]
    return line_chart(days, series, marks)
