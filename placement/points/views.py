"""Coordinators' points pages: balances per program, donors and their lots, expiry."""


from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select

from partners.forecast import program_outlook
from partners.ledger import (
    LedgerError,
    all_program_balances,
    donate,
    expire_lots,
    lot_balances,
    lots_expiring_soon,
)
from partners.points import Donor, DonorKind, LoyaltyProgram, PointsLot

from ..auth.access import roles
from ..auth.forms import ConfirmForm
from ..auth.models import Role, User
from ..clock import hotline_today
from ..extensions import db
from .forms import DonorForm, LotForm
from .what_if import latest_figures

bp = Blueprint("points", __name__)

EXPIRING_WITHIN_DAYS = 60


def programs() -> list[LoyaltyProgram]:
    return db.session.scalars(select(LoyaltyProgram).order_by(LoyaltyProgram.name)).all()


@bp.route("/points")
@roles(Role.COORDINATOR)
def overview():
    today = hotline_today()
    balances = all_program_balances(db.session)
    rows = [(program, balances[program.id], program_outlook(db.session, program.id, today),
             latest_figures(db.session, program.id)[1]) for program in programs()]
    expiring = lots_expiring_soon(db.session, today, EXPIRING_WITHIN_DAYS)
    return render_template(
        "points/overview.html", rows=rows, expiring=expiring, today=today,
        days=EXPIRING_WITHIN_DAYS, confirm=ConfirmForm(),
    )


@bp.route("/points/expire", methods=["POST"])
@roles(Role.COORDINATOR)
def expire():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    postings = expire_lots(db.session, hotline_today())
    written_off = sum(entry.amount for txn in postings for entry in txn.entries if entry.amount > 0)
    if postings:
        flash(f"Wrote off {written_off:,} expired points from {len(postings)} lots.", "success")
    else:
        flash("No lot has expired points to write off.", "info")
    return redirect(url_for("points.overview"))


def donor_form() -> DonorForm:
    form = DonorForm()
    linked = select(Donor.user_id).where(Donor.user_id.is_not(None))
    accounts = db.session.scalars(
        select(User).where(User.role == Role.DONOR, User.id.not_in(linked)).order_by(User.email)
    ).all()
    form.user_id.choices = [(0, "— none —")] + [(u.id, u.email) for u in accounts]
    return form


def render_donors(form: DonorForm, status: int = 200):
    given = dict(db.session.execute(
        select(PointsLot.donor_id, func.sum(PointsLot.points)).group_by(PointsLot.donor_id)
    ).all())
    donors = db.session.scalars(select(Donor).order_by(Donor.name)).all()
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    return render_template(
        "points/donors.html", donors=donors, given=given, emails=emails, form=form
    ), status


@bp.route("/donors")
@roles(Role.COORDINATOR)
def donors():
    return render_donors(donor_form())


@bp.route("/donors", methods=["POST"])
@roles(Role.COORDINATOR)
def create_donor():
    form = donor_form()
    if form.validate_on_submit():
        donor = Donor(name=form.name.data.strip(), kind=DonorKind(form.kind.data),
                      user_id=form.user_id.data or None)
        db.session.add(donor)
        db.session.flush()  # its id, for the address below
        flash(f"Added donor {donor.name}.", "success")
        return redirect(url_for("points.donor", donor_id=donor.id))
    return render_donors(form, 400)


def lot_form() -> LotForm:
    form = LotForm()
    form.program_id.choices = [(p.id, p.name) for p in programs()]
    if not form.is_submitted():
        form.received_on.data = hotline_today()
    return form


def render_donor(donor: Donor, form: LotForm, status: int = 200):
    lots = db.session.scalars(
        select(PointsLot).where(PointsLot.donor_id == donor.id).order_by(PointsLot.received_on)
    ).all()
    rules = {p.id: (p.inactivity_months, p.max_age_months) for p in programs()}
    return render_template(
        "points/donor.html", donor=donor, lots=lots, form=form, rules=rules,
        balances=lot_balances(db.session, [lot.id for lot in lots]), today=hotline_today(),
    ), status


@bp.route("/donors/<int:donor_id>")
@roles(Role.COORDINATOR)
def donor(donor_id: int):
    donor = db.session.get(Donor, donor_id) or abort(404)
    return render_donor(donor, lot_form())


@bp.route("/donors/<int:donor_id>/lots", methods=["POST"])
@roles(Role.COORDINATOR)
def record_lot(donor_id: int):
    donor = db.session.get(Donor, donor_id) or abort(404)
    form = lot_form()
    if form.validate_on_submit():
        program = db.session.get(LoyaltyProgram, form.program_id.data)
        try:
            lot = donate(
                db.session, donor.id, program, form.points.data, form.received_on.data,
                form.expires_on.data, idempotency_key=f"lot-form:{form.idempotency_key.data}",
            )
        except LedgerError as error:
            form.points.errors.append(str(error))
        else:
            flash(f"Recorded {lot.points:,} {program.name} points, expiring "
                  f"{lot.expires_on:%b %-d, %Y}.", "success")
            return redirect(url_for("points.donor", donor_id=donor.id))
    return render_donor(donor, form, 400)


@bp.app_template_filter("points")
def format_points(value: int) -> str:
    return f"{value:,}"

