"""Coordinators act on bookings: approve, reject, confirm, check in and out, extend,
cancel; and place a request by hand."""

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from .. import hooks
from ..auth.access import roles
from ..auth.models import Role
from ..errors import render_error
from ..extensions import db
from ..page_cache import render_page
from ..places import picker
from ..requests import states as request_states
from ..requests.forms import EndRequestForm, MovesForm
from ..requests.models import HousingRequest
from ..requests.service import local_today
from ..requests.views import (
    edit_form,
    edit_needs_context,
    edit_of,
    own_request,
    render_request,
)
from ..web import safe_local_path
from . import moves, news, service
from .actions import ACTIONS, REFUSALS, Context, done_message, offered, take
from .chains import placement_of, the_place
from .forms import ButtonForm, ManualPlacementForm
from .models import Booking
from .needs import labels_of, needs_met, overridden_labels, unmet_labels, with_needs
from .states import HOLDING, BookingState

bp = Blueprint("bookings", __name__)
# Which of a request's needs its stay meets, by label, for every page that shows a stay
# (placement/bookings/needs.py): the stays list, the stay page, the plan page, the card.
bp.add_app_template_filter(needs_met, "met_need_labels")
bp.add_app_template_filter(unmet_labels, "unmet_need_labels")
bp.add_app_template_filter(overridden_labels, "overridden_need_labels")
# "from the Airport Holiday Lodge": a chain's stays name the place before them.
bp.add_app_template_filter(the_place, "the_place")

ACTIVE = tuple(HOLDING)


def request_today(housing_request: HousingRequest):
    """"Today" where the person is: a check-in tonight in Honolulu is still tonight."""
    return local_today(housing_request.timezone or current_app.config["HOTLINE_TIMEZONE"])


def today_for(booking: Booking):
    return request_today(booking.request)


def rule_check(booking: Booking) -> list[str]:
    return hooks.planner().check_stay(db.session, booking)


def get_booking(booking_id: int) -> Booking:
    return db.session.get(Booking, booking_id) or abort(404)


@bp.route("/bookings")
@roles(Role.COORDINATOR)
def index():
    state = request.args.get("state", "active")
    query = with_needs(select(Booking))
    if state == "active":
        query = query.where(Booking.state.in_(ACTIVE))
    elif state in BookingState.__members__.values():
        query = query.where(Booking.state == BookingState(state))
    else:
        abort(400)
    bookings = db.session.scalars(query.order_by(Booking.check_in, Booking.id).limit(500)).all()
    return render_template("bookings/index.html", bookings=bookings, state=state,
                           states=list(BookingState))


@bp.route("/bookings/<int:booking_id>")
@roles(Role.COORDINATOR)
def show(booking_id: int):
    booking = get_booking(booking_id)
    buttons = [(action, action.form()) for action in offered(booking.state)]
    stays = placement_of(db.session, booking)
    return render_template("bookings/show.html", booking=booking, buttons=buttons,
                           stays=stays if len(stays) > 1 else [],
                           transport_form=ButtonForm())


@bp.route("/bookings/<int:booking_id>/<action>", methods=["POST"])
@roles(Role.COORDINATOR)
def act(booking_id: int, action: str):
    """One route for every button of actions.py: validate its form, make its service call,
    then tell the coordinator what happened or why not, back where they were."""
    button = ACTIONS.get(action) or abort(404)
    booking = get_booking(booking_id)
    back = (safe_local_path(request.form.get("next"))
            or url_for("bookings.show", booking_id=booking_id))
    try:
        take(button, db.session, booking, current_user.id, button.form(),
             Context(today_for(booking), rule_check))
    except REFUSALS as error:
        db.session.rollback()  # refused, though the answer is a redirect: nothing is kept
        flash(str(error), "danger")
        return redirect(back), 303
    flash(done_message(button, booking), "success")
    return redirect(back), 303


@bp.route("/bookings/<int:booking_id>/transport", methods=["POST"])
@roles(Role.COORDINATOR)
def arrange_transport(booking_id: int):
    """The move day's task is done: the person's transport to this later stay is arranged."""
    booking = get_booking(booking_id)
    back = (safe_local_path(request.form.get("next"))
            or url_for("bookings.show", booking_id=booking_id))
    if not ButtonForm().validate_on_submit():
        return render_error(400, "The form had expired: try again.")
    try:
        moves.arrange_transport(db.session, booking, current_user.id)
    except service.BookingConflict as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(back), 303
    flash(f"{booking.request.case_code}: transport to {booking.place.name} on "
          f"{booking.check_in:%a %b %-d} arranged.", "success")
    return redirect(back), 303


@bp.route("/requests/<int:request_id>/place", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def place_by_hand(request_id: int):
    housing_request = db.session.get(HousingRequest, request_id) or abort(404)
    form = ManualPlacementForm()
    if request.method == "GET":
        form.check_in.data = housing_request.earliest
        form.nights.data = housing_request.nights
    status = 200
    valid = form.validate_on_submit()
    chosen, unknown = picker.chosen(db.session, [form.place.data or ""], active_only=True)
    if valid and unknown:
        form.place.errors = ["Choose an open place from the search list."]
        valid = False
    if valid:
        kind, place_id = picker.parse_key(chosen[0].key)
        place = db.session.get(picker.KINDS[kind], place_id)
        try:
            booking = service.place_by_hand(
                db.session, housing_request, place, form.check_in.data, form.nights.data,
                current_user.id, request_today(housing_request), rule_check,
                override=form.chosen_override())
        except service.BookingConflict as error:
            field = getattr(form, getattr(error, "field", "place"))
            field.errors = [*field.errors, str(error)]
            status = 400 if isinstance(error, service.RulesBroken) else 409
            if isinstance(error, service.NeedsMissing):
                form.show_lacking(error.codes)
        else:
            news.placed(db.session, booking)
            flash(f"Placed {housing_request.case_code} at {place.name} by hand.", "success")
            return redirect(url_for("bookings.show", booking_id=booking.id))
    elif form.is_submitted():
        status = 400
    return render_template("bookings/place.html", form=form, r=housing_request, chosen=chosen,
                           lacking=labels_of(housing_request.needs, form.lacking)), status



@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@roles(Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR)
def withdraw_request(request_id: int):
    """No place is needed any more: the advocate withdraws the request, a coordinator
    closes it; its proposals and any stay it holds go with it (which is why this page lives
    with the bookings)."""
    housing_request = own_request(request_id)
    form = EndRequestForm()
    if not form.validate_on_submit():
        return render_request(housing_request, form, 400)
    action = "close" if current_user.role is Role.COORDINATOR else "withdraw"
    try:
        service.end_request(db.session, housing_request, current_user.id, action,
                            form.reason_code.data, form.note.data or "")
    except service.REFUSED as error:
        db.session.rollback()  # refused, though the answer is a redirect: nothing is kept
        flash(str(error), "danger")
    else:
        done = request_states.TRANSITIONS[action].done
        flash(f"Request {housing_request.case_code} {done}: it will not be planned again.",
              "success")
    return redirect(url_for("requests.show", request_id=request_id), 303)


@bp.route("/requests/<int:request_id>/moves", methods=["POST"])
@roles(Role.COORDINATOR)
def set_moves(request_id: int):
    """A coordinator chooses whether this request may move (bridge stays); its open
    proposals go (which is why this lives with the bookings)."""
    housing_request = own_request(request_id)
    form = MovesForm()
    if not form.validate_on_submit():
        return render_error(400, " ".join(form.moves.errors)
                            or "Choose the default, allowed or not allowed.")
    if moves.set_moves(db.session, housing_request, current_user.id, form.chosen):
        flash(f"Request {housing_request.case_code}: moves {moves.CHOICES[form.chosen]}; "
              "the next plan proposes afresh.", "success")
    return redirect(url_for("requests.show", request_id=request_id), 303)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@roles(Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR)
def edit_request(request_id: int):
    """Change a pending request's dates, nights, areas to avoid and needs without filing it
    again; its proposals go (which is why this page lives with the bookings)."""
    housing_request = own_request(request_id)
    if not request_states.can("place", housing_request.status):
        flash(f"Request {housing_request.case_code} is {housing_request.status.value}: only "
              "a request waiting for a place can be changed.", "info")
        return redirect(url_for("requests.show", request_id=request_id))
    form = edit_form(housing_request)
    valid = form.validate_on_submit()
    if valid and form.check_window(request_today(housing_request)):
        edit = edit_of(form, housing_request)
        try:
            changed = service.edit_request(db.session, housing_request, current_user.id, edit)
        except service.REFUSED as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            flash(f"Request {housing_request.case_code}: "
                  + (f"changed the {', '.join(changed)}." if changed else "nothing changed."),
                  "success")
        return redirect(url_for("requests.show", request_id=request_id), 303)
    return render_template("requests/edit.html", form=form, r=housing_request,
                           **edit_needs_context(form, housing_request)), \
        400 if form.is_submitted() else 200


@bp.route("/tape")
@roles(Role.COORDINATOR)
def tape():
    from .tape import tape_chart

    try:
        days = min(max(int(request.args.get("days", 14)), 7), 42)
    except ValueError:
        return render_error(400, "Show a number of days: 7 to 42.")
    kind = request.args.get("type", "all")
    if kind not in ("all", "shelter", "hotel"):
        return render_error(400, "Show all places, shelters or hotels.")
    state = (request.args.get("state") or "").strip().upper()
    if state and not (len(state) == 2 and state.isascii() and state.isalpha()):
        return render_error(400, "Filter by a state's two letters, like TX.")
    start = local_today(current_app.config["HOTLINE_TIMEZONE"]) - timedelta(days=1)
    return render_page("tape", "bookings/tape.html", lambda: {
        "chart": tape_chart(db.session, start, days, kind=kind, state=state or None),
        "days": days, "kind": kind, "state": state})
