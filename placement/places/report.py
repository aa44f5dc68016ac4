"""Shelter staff confirm or change tonight's free beds through their shelter's link: no
account, a phone in one hand. Shows nothing confidential (no address, no guests)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from partners.availability import (
    AvailabilityError,
    freshness,
    local_today,
    record_staff_report,
    shelter_nights,
)
from partners.base import utcnow

from ..audit import ActorKind, acts_as
from ..auth.access import public
from ..extensions import db
from .forms import FreeBedsForm
from .tokens import LinkRefused, shelter_for_token

bp = Blueprint("report", __name__)


@bp.after_request
def keep_the_link_private(response):
    """The token in the address is the key: never cached, sent onward or indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def render_report(token: str, form: FreeBedsForm | None = None, status: int = 200):
    now = utcnow()
    try:
        shelter = shelter_for_token(token, now)
    except LinkRefused as refused:
        return render_template("places/report_refused.html", message=str(refused)), \
            refused.status
    tonight = local_today(shelter.timezone, now)
    night = shelter_nights(db.session, shelter, tonight, tonight)[0]
    return render_template(
        "places/report.html", shelter=shelter, tonight=tonight, night=night, token=token,
        form=form or FreeBedsForm(free_beds=night.free), confirm_form=FreeBedsForm(),
        fresh=freshness(shelter.confirmed_at, now), now=now,
    ), status


@bp.route("/report/<token>", methods=["GET"])
@public
def staff_report(token: str):
    return render_report(token)


@bp.route("/report/<token>", methods=["POST"])
@public
@acts_as(ActorKind.STAFF_LINK)
def record_report(token: str):
    now = utcnow()
    try:
        shelter = shelter_for_token(token, now)
    except LinkRefused:
        return render_report(token)  # the refusal page, with its status
    form = FreeBedsForm()
    tonight = local_today(shelter.timezone, now)
    if request.form.get("confirm") == "1":
        # "Confirm" means nothing changed on the shelter's side: record tonight's number as
        # it stands now, not as it stood when the page was opened (holds may have come in).
        form.free_beds.data = shelter_nights(db.session, shelter, tonight, tonight)[0].free
    if form.validate_on_submit():
        try:
            night = record_staff_report(db.session, shelter, tonight, form.free_beds.data,
                                        now, source="staff link")
        except AvailabilityError as error:
            form.free_beds.errors.append(str(error))
        else:
            beds = "1 free bed" if night.free == 1 else f"{night.free} free beds"
            flash(f"Thank you. {beds} recorded for tonight; the hotline sees it now.",
                  "success")
            return redirect(url_for("report.staff_report", token=token))
    return render_report(token, form, 400)
