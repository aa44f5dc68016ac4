"""Advocates file requests and follow them; coordinators read them."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import audit, notify
from ..auth.access import roles
from ..auth.models import Role
from ..crypto import decrypt_note
from ..database import unit_of_work
from ..extensions import csrf, db
from ..places import picker
from ..planning.runner import start_run
from .forms import RequestForm
from .models import Gender, HousingRequest, Priority
from .service import RequestDetails, RequestError, arrival_window, file_request, local_today

bp = Blueprint("requests", __name__, url_prefix="/requests")

MINOR_REMINDER = (
    "A party with no adult is an unaccompanied minor: only a youth shelter can take them, "
    "and our mandatory-reporting policy applies. Follow the minors protocol before you end "
    "the call."
)


MAX_EXCLUSIONS = 50


def request_form() -> RequestForm:
    return RequestForm()


def check_exclusions(form: RequestForm) -> bool:
    """Every place to avoid must be a known place (the picker only offers those)."""
    keys = form.exclude.data or []
    if len(keys) > MAX_EXCLUSIONS:
        form.exclude.errors = [*form.exclude.errors,
                               f"At most {MAX_EXCLUSIONS} places; name the rest in the note."]
        return False
    _chosen, unknown = picker.chosen(db.session, keys)
    if unknown:
        form.exclude.errors = [*form.exclude.errors,
                               "Choose places from the search list; one was not found."]
        return False
    return True


def render_form(form: RequestForm, status: int = 200):
    # Pre-filled dates use the hotline's own date; at submit, untouched dates are
    # recomputed in the person's time zone.
    today = local_today(current_app.config["HOTLINE_TIMEZONE"])
    windows = {p.value: [d.isoformat() for d in arrival_window(p, today)] for p in Priority}
    excluded, _unknown = picker.chosen(db.session, form.exclude.data or [])
    return render_template(
        "requests/new.html", form=form, windows=windows, excluded=excluded,
        minor_reminder=current_app.config.get("MINOR_REMINDER", MINOR_REMINDER),
    ), status


@bp.route("/new", methods=["GET"])
@roles(Role.ADVOCATE)
def new():
    return render_form(request_form())


# The form checks its own CSRF token so that an expired token re-shows the form with
# everything typed so far instead of an error page (a crisis call can be long).
@bp.route("/new", methods=["POST"])
@roles(Role.ADVOCATE)
@csrf.exempt
def create():
    form = request_form()
    valid = form.validate_on_submit()
    if not (check_exclusions(form) and valid):
        token = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
        if token is not None and token.errors:
            token.errors = []
            flash("The form had expired; nothing was lost. Check it and send it again.",
                  "warning")
        return render_form(form, 400)
    auto_window = form.window_auto.data == "1"
    details = RequestDetails(
        priority=Priority(form.priority.data), adults=form.adults.data,
        children=form.children.data, gender=Gender(form.gender.data), pets=form.pets.data,
        service_animal=form.service_animal.data, accessible=form.accessible.data,
        location=form.where.location, max_miles=form.max_miles.data,
        danger_zones=[(z.where.location, z.miles.data or 25) for z in form.danger_zones
                      if z.where.data and z.where.data.strip()],
        exclude=form.exclude.data or [], nights=form.nights.data, note=form.note.data,
        earliest=None if auto_window else form.earliest.data,
        latest=None if auto_window else form.latest.data,
    )
    try:
        with unit_of_work():
            filed = file_request(db.session, current_user.id, details)
    except RequestError as error:
        form.earliest.errors = [*form.earliest.errors, str(error)]
        return render_form(form, 400)
    if filed.priority is Priority.CRITICAL:
        notify.critical_request_filed(filed.case_code, filed.id)
        if current_app.config["REPLAN_ON_CRITICAL"]:
            # Plan at once rather than at the next tick; refused while a run is under way
            # (the next scheduled re-plan then picks this request up).
            start_run(None)
    flash(f"Request {filed.case_code} filed. You will be told when it is placed.", "success")
    if filed.adults == 0:
        flash(MINOR_REMINDER, "warning")
    return redirect(url_for("requests.show", request_id=filed.id, filed=1))


@bp.route("/<int:request_id>")
@roles(Role.ADVOCATE, Role.COORDINATOR)
def show(request_id: int):
    housing_request = db.session.get(HousingRequest, request_id) or abort(404)
    if current_user.role is Role.ADVOCATE and housing_request.created_by_id != current_user.id:
        # Another advocate's case: not even its existence is confirmed, but it is logged.
        current_app.logger.warning("record denied: user %s to request %s", current_user.id,
                                   request_id)
        abort(404)
    note = decrypt_note(housing_request.note_encrypted)
    with unit_of_work():  # every read of a request's details is on the record
        audit.record(db.session, current_user.id, "read", "request", housing_request.id)
    return render_template("requests/show.html", r=housing_request, note=note)
