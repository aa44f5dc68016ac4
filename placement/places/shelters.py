"""Coordinators keep shelters current: the list with tonight's free beds and freshness, the
shelter's next 14 nights, capacity and out-of-service ranges, phoned-in reports, the staff
link."""

from collections import defaultdict
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from partners.availability import (
    AGING_AFTER,
    STALE_AFTER,
    AvailabilityError,
    capacity_changes,
    freshness,
    issue_staff_link,
    local_today,
    night_label,
    nights_for_shelters,
    recent_reports,
    record_staff_report,
    revoke_staff_link,
    set_capacity,
    set_out_of_service,
    shelter_nights,
)
from partners.base import utcnow
from partners.needs import SHELTER, default_offer_codes
from partners.places import Policy, Shelter

from ..auth.access import roles
from ..auth.forms import ConfirmForm
from ..auth.models import Role
from ..extensions import db
from ..web import page_number
from . import bp
from .forms import FreeBedsForm, ShelterForm, ShelterNightsForm
from .offers import grouped, offer_choices, offer_defaults, telling_unfit_stays
from .tokens import link_expires_at, staff_token

DAYS_SHOWN = 14
PER_PAGE = 100


def get_shelter_or_404(shelter_id: int) -> Shelter:
    return db.session.get(Shelter, shelter_id) or abort(404)


def tonight_at_each(shelters: list[Shelter], now) -> dict:
    """Tonight's numbers per shelter; "tonight" is each shelter's own local date."""
    by_date = defaultdict(list)
    for shelter in shelters:
        by_date[local_today(shelter.timezone, now)].append(shelter)
    tonight = {}
    for day, group in by_date.items():
        for shelter_id, nights in nights_for_shelters(db.session, group, day, day).items():
            tonight[shelter_id] = nights[0]
    return tonight


@bp.route("/shelters")
@roles(Role.COORDINATOR)
def shelters():
    now = utcnow()
    search = request.args.get("q", "").strip()[:100]
    sort = request.args.get("sort", "place")
    conditions = []
    if search:
        like = f"%{search}%"
        conditions.append(or_(Shelter.name.ilike(like), Shelter.city.ilike(like),
                              Shelter.zip_code.ilike(like), Shelter.state.ilike(like)))
    if sort == "freshness":  # the numbers most in need of a phone call first
        order = (Shelter.confirmed_at.asc().nulls_first(), Shelter.name)
    else:
        order = (Shelter.state, Shelter.city, Shelter.name)
    page = db.paginate(select(Shelter).where(*conditions).order_by(*order),
                       page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    rows = list(page.items)
    return render_template(
        "places/shelters.html", shelters=rows, page=page, tonight=tonight_at_each(rows, now),
        fresh={s.id: freshness(s.confirmed_at, now) for s in rows},
        counts=freshness_counts(conditions, now), search=search, sort=sort, now=now,
    )


def freshness_counts(conditions: list, now) -> dict[str, int]:
    """How many shelters (of those searched for) are in each freshness state: one query."""
    stale_before, aging_before = now - STALE_AFTER, now - AGING_AFTER
    confirmed = Shelter.confirmed_at
    row = db.session.execute(select(
        func.count().filter(confirmed.is_(None)),
        func.count().filter(confirmed < stale_before),
        func.count().filter(confirmed >= stale_before, confirmed < aging_before),
    ).select_from(Shelter).where(*conditions)).one()
    return dict(zip(("never", "stale", "aging"), row, strict=True))


def render_shelter(shelter: Shelter, status: int = 200, nights_form=None, report_form=None):
    now = utcnow()
    today = local_today(shelter.timezone, now)
    nights = shelter_nights(db.session, shelter, today, today + timedelta(days=DAYS_SHOWN - 1))
    return render_template(
        "places/shelter.html", shelter=shelter, nights=nights, today=today, now=now,
        fresh=freshness(shelter.confirmed_at, now),
        nights_form=nights_form or ShelterNightsForm(first=today, last=today),
        report_form=report_form or FreeBedsForm(free_beds=nights[0].free),
        confirm=ConfirmForm(), reports=recent_reports(db.session, shelter),
        changes=capacity_changes(db.session, shelter, today),
        staff_url=url_for("report.staff_report", token=staff_token(shelter), _external=True)
        if shelter.staff_link_issued_at else None,
        link_expires=link_expires_at(shelter), offers=grouped(shelter.offers),
    ), status


@bp.route("/shelters/<int:shelter_id>")
@roles(Role.COORDINATOR)
def shelter(shelter_id: int):
    return render_shelter(get_shelter_or_404(shelter_id))


@bp.route("/shelters/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_shelter():
    first_policy = next(iter(Policy)).value  # what the form shows first
    form = ShelterForm(data={"capacity": 0, "confidential": True, "active": True,
                             "policy": first_policy,
                             "offers": default_offer_codes(SHELTER, first_policy)}
                       if request.method == "GET" else None).offering(offer_choices(SHELTER))
    if form.validate_on_submit():
        shelter = Shelter()
        form.apply_to(shelter)
        db.session.add(shelter)
        db.session.flush()  # its id, for the address below
        flash(f"Added {shelter.name}. Issue its staff link so its staff can report beds.",
              "success")
        return redirect(url_for("places.shelter", shelter_id=shelter.id))
    return render_form(form, None)


@bp.route("/shelters/<int:shelter_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def edit_shelter(shelter_id: int):
    shelter = get_shelter_or_404(shelter_id)
    form = ShelterForm(obj=shelter if request.method == "GET" else None,
                       data={"location": shelter.location_text, "policy": shelter.policy.value}
                       if request.method == "GET" else None)
    form.offering(offer_choices(SHELTER, shelter.offers))
    if form.validate_on_submit():
        flash(f"Saved {shelter.name}.", "success")
        with telling_unfit_stays(shelter):
            form.apply_to(shelter)
        warn_if_oversubscribed(shelter)
        return redirect(url_for("places.shelter", shelter_id=shelter.id))
    return render_form(form, shelter)


def render_form(form: ShelterForm, shelter: Shelter | None):
    """The form, with its offers in reading groups; a new shelter's follow its policy and
    pets until the coordinator changes them."""
    return render_template(
        "places/shelter_form.html", form=form, shelter=shelter,
        offer_groups=grouped(form.needs.values()),
        offer_defaults=None if shelter else offer_defaults(SHELTER),
    ), 400 if form.errors else 200


def warn_if_oversubscribed(shelter: Shelter, nights=None) -> None:
    """A capacity cut can leave stays approved here without a bed: say so at once."""
    if nights is None:
        today = local_today(shelter.timezone, utcnow())
        nights = shelter_nights(db.session, shelter, today, today + timedelta(days=60))
    over = [n for n in nights if n.oversubscribed]
    if over:
        flash(f"More beds are promised than {shelter.name} has on "
              f"{', '.join(night_label(n.night) for n in over[:5])}"
              f"{' and more' if len(over) > 5 else ''}: call the shelter and move or "
              "cancel a stay.", "warning")


@bp.route("/shelters/<int:shelter_id>/nights", methods=["POST"])
@roles(Role.COORDINATOR)
def shelter_nights_update(shelter_id: int):
    shelter = get_shelter_or_404(shelter_id)
    form = ShelterNightsForm()
    if form.validate_on_submit():
        first, last, beds = form.first.data, form.last.data, form.beds.data
        try:
            if form.what.data == "out_of_service":
                nights = set_out_of_service(db.session, shelter, first, last, beds)
            else:
                standard = form.what.data == "standard"
                nights = set_capacity(db.session, shelter, first, last,
                                      None if standard else beds)
        except AvailabilityError as error:
            form.last.errors.append(str(error))
        else:
            flash(f"Updated {len(nights)} night(s) at {shelter.name}.", "success")
            warn_if_oversubscribed(shelter, nights)
            return redirect(url_for("places.shelter", shelter_id=shelter.id))
    return render_shelter(shelter, 400, nights_form=form)


@bp.route("/shelters/<int:shelter_id>/report", methods=["POST"])
@roles(Role.COORDINATOR)
def shelter_report(shelter_id: int):
    """A coordinator records what shelter staff said on the phone."""
    shelter = get_shelter_or_404(shelter_id)
    form = FreeBedsForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            night = record_staff_report(
                db.session, shelter, local_today(shelter.timezone, now),
                form.free_beds.data, now, source=f"by phone, {current_user.email}",
            )
        except AvailabilityError as error:
            form.free_beds.errors.append(str(error))
        else:
            flash(f"Recorded {night.free} free bed(s) at {shelter.name} for tonight.", "success")
            return redirect(url_for("places.shelter", shelter_id=shelter.id))
    return render_shelter(shelter, 400, report_form=form)


@bp.route("/shelters/<int:shelter_id>/link", methods=["POST"])
@roles(Role.COORDINATOR)
def issue_link(shelter_id: int):
    shelter = get_shelter_or_404(shelter_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reissue = shelter.staff_link_issued_at is not None
    issue_staff_link(db.session, shelter, utcnow())
    flash("New staff link issued; the old one no longer works. Send the new one to the "
          "shelter." if reissue else "Staff link issued. Send it to the shelter's staff.",
          "success")
    return redirect(url_for("places.shelter", shelter_id=shelter.id, _anchor="staff-link"))


@bp.route("/shelters/<int:shelter_id>/link/revoke", methods=["POST"])
@roles(Role.COORDINATOR)
def revoke_link(shelter_id: int):
    shelter = get_shelter_or_404(shelter_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    revoke_staff_link(db.session, shelter)
    flash(f"The staff link of {shelter.name} no longer works.", "success")
    return redirect(url_for("places.shelter", shelter_id=shelter.id, _anchor="staff-link"))
