"""Advocates file requests and follow them; coordinators read them."""

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

from partners.needs import Need
from partners.places import Hotel, Shelter

from .. import audit, hooks, notify
from ..auth.access import roles
from ..auth.models import Role
from ..crypto import decrypt_note
from ..database import after_commit, keep_on_refusal, writes
from ..extensions import csrf, db
from ..places import picker
from ..places.offers import grouped
from ..web import parse_id
from . import rejections
from . import states as request_states
from .forms import (
    MAY_MOVE,
    EditRequestForm,
    EndRequestForm,
    MovesForm,
    RequestForm,
    coded,
    moves_answer,
)
from .models import (
    ContactChannel,
    HousingRequest,
    NoMoveReason,
    PlaceRejection,
    Priority,
    TraffickingType,
    move_defaults,
)
from .party import (
    DERIVED_RULES,
    MAX_PEOPLE,
    derived_needs,
    following_needs,
    party_words,
    tally,
    wanted_needs,
)
from .service import (
    RequestDetails,
    RequestEdit,
    RequestError,
    arrival_window,
    duplicates_of,
    file_request,
    local_today,
    needs_named,
    possible_duplicates,
    resolve_window,
)
from .visibility import visible_request

bp = Blueprint("requests", __name__, url_prefix="/requests")
# The party as people, in words ("woman 25+, boy 13-17"), wherever a request is shown.
bp.add_app_template_filter(party_words, "party_words")

MINOR_REMINDER = (
    "A party with no adult is an unaccompanied minor: only a youth shelter can take them, "
    "and our mandatory-reporting policy applies. Follow the minors protocol before you end "
    "the call."
)


MAX_EXCLUSIONS = 50


def active_needs() -> list[Need]:
    """The needs an advocate may choose from, in the vocabulary's order."""
    return list(db.session.scalars(select(Need).where(Need.active).order_by(Need.id)))


def request_form() -> RequestForm:
    return RequestForm().offering(active_needs())


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


def own_duplicates(details: RequestDetails) -> list[HousingRequest]:
    """The advocate's own live requests that may be this one (RequestError: bad dates)."""
    earliest, latest = resolve_window(details)
    where = details.location
    adults, children, gender = tally(details.people)
    return possible_duplicates(db.session, adults, children, gender, where.lat, where.lon,
                               earliest, latest, filed_by=current_user.id)


def render_form(form: RequestForm, status: int = 200,
                twins: list[HousingRequest] | None = None):
    # Pre-filled dates use the hotline's own date; at submit, untouched dates are
    # recomputed in the person's time zone.
    today = local_today(current_app.config["HOTLINE_TIMEZONE"])
    windows = {p.value: [d.isoformat() for d in arrival_window(p, today)] for p in Priority}
    excluded, _unknown = picker.chosen(db.session, form.exclude.data or [])
    return render_template(
        "requests/new.html", form=form, windows=windows, excluded=excluded,
        minor_reminder=current_app.config.get("MINOR_REMINDER", MINOR_REMINDER),
        twins=twins or [], max_people=MAX_PEOPLE,
        **needs_context(form, derived_needs(form.party())),
    ), status


def needs_context(form, follows: set[str]) -> dict:
    """What the needs part of a form shows: the needs to tick in reading groups, and each
    need that may follow from a party with its rule and whether it follows (`follows`)."""
    needs = {n.code: n for n in db.session.scalars(select(Need).where(
        Need.code.in_([code for code, _label in [*form.needs.choices,
                                                *form.not_needed.choices]])))}
    return {
        "need_groups": grouped(needs[code] for code, _label in form.needs.choices),
        "derivable": [(needs[code], DERIVED_RULES[code], code in follows)
                      for code, _label in form.not_needed.choices],
    }


def codes_of(housing_request: HousingRequest) -> set[str]:
    return {need.code for need in housing_request.needs}


def follows_for(housing_request: HousingRequest) -> set[str]:
    return following_needs(housing_request.people, codes_of(housing_request))


def edit_form(housing_request: HousingRequest) -> EditRequestForm:
    """The form of the edit page (placement/bookings/views.py edit_request): filled in from
    the request until posted, its needs split into those ticked by hand and those that
    follow from the party but were said not to be needed. A retired need the request has
    stays to tick."""
    posted = request.method == "POST"
    form = EditRequestForm(obj=None if posted else housing_request)
    form.offering(sorted(set(active_needs()) | housing_request.needs, key=lambda n: n.id))
    if not posted:
        for entry, zone in zip(form.danger_zones, housing_request.danger_zones, strict=False):
            entry.where.data, entry.miles.data = zone.label, zone.miles
        had = codes_of(housing_request)
        form.needs.data = sorted(had - DERIVED_RULES.keys())
        form.not_needed.data = sorted(follows_for(housing_request) - had)
        form.moves.data = (MAY_MOVE if housing_request.may_move
                           else housing_request.no_move_reason or NoMoveReason.OTHER.value)
    return form


def edit_of(form: EditRequestForm, housing_request: HousingRequest) -> RequestEdit:
    """The change a valid edit form asks for."""
    needs = wanted_needs(form.needs.data or (), follows_for(housing_request),
                         form.not_needed.data or ())
    return RequestEdit(form.earliest.data, form.latest.data, form.nights.data, [
        (z.where.location, z.miles.data or 25) for z in form.danger_zones
        if z.where.data and z.where.data.strip()], needs_named(db.session, needs),
        coded(form.trafficking_type, TraffickingType),
        coded(form.contact_channel, ContactChannel),
        # A form sent without the question (an older page) leaves the answer as it is.
        moves_answer(form.moves) if form.moves.raw_data else None)


def edit_needs_context(form: EditRequestForm, housing_request: HousingRequest) -> dict:
    return needs_context(form, follows_for(housing_request))


@bp.route("/new", methods=["GET"])
@roles(Role.ADVOCATE, Role.REFERRER)
def new():
    return render_form(request_form())


# Without JavaScript, "Add a person" sends the form back with one more empty row (with it,
# request-form.js adds the row in the page).
def with_another_row(form: RequestForm):
    if len(form.people) < MAX_PEOPLE:
        form.people.append_entry()
    return render_form(form)


# The form checks its own CSRF token so that an expired token re-shows the form with
# everything typed so far instead of an error page (a crisis call can be long).
@bp.route("/new", methods=["POST"])
@roles(Role.ADVOCATE, Role.REFERRER)
@csrf.exempt
def create():
    form = request_form()
    if "add_person" in request.form:
        return with_another_row(form)
    valid = form.validate_on_submit()
    if not (check_exclusions(form) and valid):
        token = getattr(form, "csrf_token", None)  # absent when CSRF is switched off
        if token is not None and token.errors:
            token.errors = []
            flash("The form had expired; nothing was lost. Check it and send it again.",
                  "warning")
        return render_form(form, 400)
    auto_window = form.window_auto.data == "1"
    may_move, no_move_reason = moves_answer(form.moves)
    details = RequestDetails(
        priority=Priority(form.priority.data), people=form.party(), pets=form.pets.data,
        service_animal=form.service_animal.data, accessible=form.accessible.data,
        location=form.where.location, max_miles=form.max_miles.data,
        danger_zones=[(z.where.location, z.miles.data or 25) for z in form.danger_zones
                      if z.where.data and z.where.data.strip()],
        exclude=form.exclude.data or [], nights=form.nights.data, note=form.note.data,
        earliest=None if auto_window else form.earliest.data,
        latest=None if auto_window else form.latest.data,
        needs=set(form.needs.data or ()), not_needed=set(form.not_needed.data or ()),
        trafficking_type=coded(form.trafficking_type, TraffickingType),
        contact_channel=coded(form.contact_channel, ContactChannel),
        may_move=may_move, no_move_reason=no_move_reason,
    )
    try:
        if not form.file_anyway.data and (twins := own_duplicates(details)):
            # Not filed yet: the same person may already have a request of this advocate's.
            return render_form(form, 409, twins)
        filed = file_request(db.session, current_user.id, details)
    except RequestError as error:
        form.earliest.errors = [*form.earliest.errors, str(error)]
        return render_form(form, 400)
    after_filing(filed, audit.Actor(audit.ActorKind.USER, current_user.id))
    flash(f"Request {filed.case_code} filed. You will be told when it is placed.", "success")
    if filed.adults == 0:
        flash(MINOR_REMINDER, "warning")
    return redirect(url_for("requests.show", request_id=filed.id, filed=1))


def after_filing(filed: HousingRequest, actor: audit.Actor) -> None:
    """What follows a filing, from the form or the integration API: a critical request is
    announced to the coordinators on call and planned at once rather than at the next tick
    (refused while a run is under way: the next scheduled re-plan then picks it up). The run
    must see the filed request: it is queued (in the planner's own transaction) after the
    request's commit."""
    if filed.priority is not Priority.CRITICAL:
        return
    notify.critical_request_filed(filed.case_code, filed.id)
    if current_app.config["REPLAN_ON_CRITICAL"]:
        planner = hooks.planner()
        after_commit(lambda: start_run_as(planner, actor))


def start_run_as(planner: hooks.Planner, actor: audit.Actor) -> None:
    """The run carries who filed (named here: reading the signed-in user after the commit
    would begin another transaction, which would hold SQLite's write lock until the request
    ends, while the run's thread waits for it)."""
    with audit.acting_as(actor.kind, actor.user_id, actor.key_id):
        planner.start_run(None)


@bp.route("/<int:request_id>")
@writes  # every read of a request's details is on the record
@roles(Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR)
def show(request_id: int):
    return render_request(own_request(request_id), EndRequestForm())


def render_request(housing_request: HousingRequest, withdraw_form: EndRequestForm,
                   status: int = 200):
    note = decrypt_note(housing_request.note_encrypted)
    # Every read of a request's details is on the record, a refused form's page included.
    reader = current_user.id
    keep_on_refusal(lambda: audit.record(db.session, reader, "read", "request",
                                         housing_request.id))
    # Coordinators' reasons are their own working notes: advocates do not see them.
    coordinator = current_user.role is Role.COORDINATOR
    turned_down = rejected_places(housing_request) if coordinator else []
    # A survivor who calls twice reaches different advocates: only coordinators see across.
    twins = (duplicates_of(db.session, housing_request)
             if coordinator and request_states.can("place", housing_request.status) else [])
    moves_form = None
    if coordinator:
        moves_form = MovesForm(formdata=None, moves={None: "default", True: "allow",
                                                     False: "never"}[housing_request.moves_allowed])
    return render_template(
        "requests/show.html", r=housing_request, note=note, turned_down=turned_down,
        twins=twins, moves_form=moves_form,
        moves_default=move_defaults(current_app.config)[housing_request.priority.value],
        withdraw_form=withdraw_form,
        can_withdraw=request_states.can("withdraw", housing_request.status),
        withdraw_action="close" if current_user.role is Role.COORDINATOR else "withdraw",
    ), status


def rejected_places(housing_request: HousingRequest) -> list[tuple[PlaceRejection, object]]:
    """The coordinators' standing rejections, newest first, each with its place."""
    active = sorted((j for j in housing_request.rejections if j.active),
                    key=lambda j: (j.created_at, j.id), reverse=True)
    shelters = {s.id: s for s in db.session.scalars(select(Shelter).where(
        Shelter.id.in_({j.shelter_id for j in active if j.shelter_id})))}
    hotels = {h.id: h for h in db.session.scalars(select(Hotel).where(
        Hotel.id.in_({j.hotel_id for j in active if j.hotel_id})))}
    return [(j, shelters.get(j.shelter_id) if j.shelter_id else hotels.get(j.hotel_id))
            for j in active]


def own_request(request_id: int) -> HousingRequest:
    """The request, for whoever may see it (visibility.py: a coordinator, the advocate who
    filed it, a referrer of the organization that filed it); 404 otherwise, logged."""
    return visible_request(current_user, request_id)


def posted_id(name: str) -> int:
    return parse_id(request.form.get(name)) or abort(400)


@bp.route("/<int:request_id>/rejections/undo", methods=["POST"])
@roles(Role.COORDINATOR)
def undo_rejection(request_id: int):
    """A coordinator lifts a "no": the planner may propose that place for it again."""
    housing_request = own_request(request_id)
    rejection = db.session.get(PlaceRejection, posted_id("rejection_id"))
    if rejection is None or rejection.request_id != housing_request.id:
        abort(404)
    back = redirect(url_for("requests.show", request_id=request_id), 303)
    try:
        rejections.undo(db.session, rejection, current_user.id)
    except rejections.RejectionError as error:
        db.session.rollback()  # refused, though the answer is a redirect: nothing is kept
        flash(str(error), "info")
        return back
    flash("Undone: the planner may propose that place for this request again.", "success")
    return back
