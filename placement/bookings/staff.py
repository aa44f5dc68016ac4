"""Shelter staff answer the stays the hotline approved at their shelter, through the same
private link they report free beds with (placement/places/tokens.py): yes, which confirms
the stay under a generated code, or no with a reason, which gives the beds back, keeps the
shelter out of that request's plans and starts a re-plan.

The page shows what staff need to get a bed ready and nothing else: the case code, the
party's size and make-up, the arrival night, the nights, the needs; for a bridge stay's
later stay (issue 21), the place the person comes from ("arrives Thu Dec 3 from the Airport
Holiday Lodge"). No note, no areas to
avoid, no location. Revoking or reissuing the link ends its power at once (the shelter's
link version moves on), over the stays as over the bed counts.
"""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from partners.base import utcnow

from .. import hooks
from ..audit import ActorKind, acts_as
from ..auth.access import public
from ..database import after_commit
from ..extensions import db
from ..holds import hold_ends
from ..places.report import keep_the_link_private
from ..places.tokens import LinkRefused, shelter_for_token
from ..requests.models import HousingRequest
from . import news, service
from .chains import neighbours
from .forms import ButtonForm, DeclineForm
from .models import Booking
from .states import BookingState

bp = Blueprint("staff", __name__)
bp.after_request(keep_the_link_private)

# What staff see: stays awaiting their answer, and those they accepted that are still to
# come or under way (a week back, for a late check-in).
SHOWN = (BookingState.APPROVED, BookingState.CONFIRMED, BookingState.CHECKED_IN)


def refused(error: LinkRefused):
    return render_template("places/report_refused.html", message=str(error)), error.status


def stays_at(shelter_id: int) -> list[Booking]:
    since = utcnow().date() - timedelta(days=7)
    return list(db.session.scalars(
        select(Booking).where(Booking.shelter_id == shelter_id, Booking.state.in_(SHOWN),
                              Booking.check_in >= since)
        .options(selectinload(Booking.request).selectinload(HousingRequest.needs))
        .order_by(Booking.check_in, Booking.id)))


def render_stays(token: str, shelter, posted: DeclineForm | None = None,
                 declining: str | None = None, status: int = 200):
    """The shelter's stays, each with its own decline form (the one refused, if any, with
    its errors), so that fields and their ids never clash between stays."""
    stays = stays_at(shelter.id)
    forms = {b.ref: posted if b.ref == declining and posted is not None
             else DeclineForm(prefix=b.ref, formdata=None) for b in stays}
    coming_from = {stay_id: before for stay_id, (before, _after)
                   in neighbours(db.session, [b for b in stays if b.is_move]).items()}
    return render_template(
        "bookings/staff.html", shelter=shelter, token=token, stays=stays,
        coming_from=coming_from,
        accept_form=ButtonForm(), decline_forms=forms, declining=declining,
        answer_by={b.ref: hold_ends(b) for b in stays if b.state is BookingState.APPROVED}
    ), status


@bp.route("/report/<token>/stays")
@public
def stays(token: str):
    try:
        shelter = shelter_for_token(token, utcnow())
    except LinkRefused as error:
        return refused(error)
    return render_stays(token, shelter)


def stay_for(token: str, ref: str):
    """The live link's shelter and one of its stays (LinkRefused, or None for a stay that
    is not this shelter's: staff never learn whether another shelter's exists)."""
    shelter = shelter_for_token(token, utcnow())
    booking = db.session.scalar(select(Booking).where(Booking.ref == ref,
                                                      Booking.shelter_id == shelter.id))
    return shelter, booking


@bp.route("/report/<token>/stays/<ref>/accept", methods=["POST"])
@public
@acts_as(ActorKind.STAFF_LINK)
def accept(token: str, ref: str):
    try:
        shelter, booking = stay_for(token, ref)
    except LinkRefused as error:
        return refused(error)
    if booking is None or not ButtonForm().validate_on_submit():
        return render_stays(token, shelter, status=404 if booking is None else 400)
    try:
        code = service.accept(db.session, booking, None)
    except service.REFUSED as error:
        db.session.rollback()
        flash(f"{booking.request.case_code}: {error}", "danger")
        return redirect(url_for("staff.stays", token=token), 303)
    news.accepted(db.session, booking)
    flash(f"Thank you: {booking.request.case_code} is expected. Confirmation code {code}.",
          "success")
    return redirect(url_for("staff.stays", token=token), 303)


@bp.route("/report/<token>/stays/<ref>/decline", methods=["POST"])
@public
@acts_as(ActorKind.STAFF_LINK)
def decline(token: str, ref: str):
    try:
        shelter, booking = stay_for(token, ref)
    except LinkRefused as error:
        return refused(error)
    if booking is None:
        return render_stays(token, shelter, status=404)
    form = DeclineForm(prefix=ref)
    if not form.validate_on_submit():
        return render_stays(token, shelter, form, declining=ref, status=400)
    try:
        service.decline(db.session, booking, None, form.reason_code.data, form.note.data or "",
                        source="staff link")
    except service.REFUSED as error:
        db.session.rollback()
        flash(f"{booking.request.case_code}: {error}", "danger")
        return redirect(url_for("staff.stays", token=token), 303)
    news.declined(db.session, booking)
    replan_soon()
    flash(f"Thank you: the hotline will find {booking.request.case_code} another place.",
          "success")
    return redirect(url_for("staff.stays", token=token), 303)


def replan_soon() -> None:
    """A declined person needs a place at once: plan after this answer's commit (refused
    while a run is under way; the next scheduled re-plan then picks the request up)."""
    if current_app.config["REPLAN_ON_DECLINE"]:
        planner = hooks.planner()
        after_commit(lambda: planner.start_run(None))
