"""Coordinators keep hotels current: rooms we may book, points per night as a calendar."""

from collections import defaultdict
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from partners.availability import (
    AvailabilityError,
    hotel_exceptions,
    hotel_nights,
    local_today,
    nights_for_hotels,
    set_hotel_nights,
)
from partners.base import utcnow
from partners.needs import HOTEL, default_offer_codes
from partners.places import Hotel
from partners.points import LoyaltyProgram

from ..auth.access import roles
from ..auth.models import Role
from ..extensions import db
from ..web import page_number
from . import bp
from .forms import HotelForm, HotelNightsForm
from .offers import grouped, offer_choices, offer_defaults, telling_unfit_stays

DAYS_SHOWN = 14
PER_PAGE = 100


def get_hotel_or_404(hotel_id: int) -> Hotel:
    return db.session.get(Hotel, hotel_id) or abort(404)


def program_choices() -> list[SelectChoice]:
    return [SelectChoice(p.id, p.name) for p in db.session.scalars(
        select(LoyaltyProgram).order_by(LoyaltyProgram.name))]


@bp.route("/hotels")
@roles(Role.COORDINATOR)
def hotels():
    now = utcnow()
    search = request.args.get("q", "").strip()[:100]
    query = select(Hotel).order_by(Hotel.state, Hotel.city, Hotel.name)
    if search:
        like = f"%{search}%"
        query = query.where(or_(Hotel.name.ilike(like), Hotel.city.ilike(like),
                                Hotel.zip_code.ilike(like), Hotel.state.ilike(like)))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE,
                       error_out=False)
    rows = list(page.items)
    by_date = defaultdict(list)
    for hotel in rows:
        by_date[local_today(hotel.timezone, now)].append(hotel)
    tonight = {}
    for day, group in by_date.items():
        tonight |= {i: n[0] for i, n in nights_for_hotels(db.session, group, day, day).items()}
    return render_template("places/hotels.html", hotels=rows, page=page, tonight=tonight,
                           search=search)


def render_hotel(hotel: Hotel, status: int = 200, nights_form=None):
    today = local_today(hotel.timezone, utcnow())
    nights = hotel_nights(db.session, hotel, today, today + timedelta(days=DAYS_SHOWN - 1))
    return render_template(
        "places/hotel.html", hotel=hotel, nights=nights, today=today,
        exceptions=hotel_exceptions(db.session, hotel, today),
        nights_form=nights_form or HotelNightsForm(first=today, last=today),
        offers=grouped(hotel.offers),
    ), status


@bp.route("/hotels/<int:hotel_id>")
@roles(Role.COORDINATOR)
def hotel(hotel_id: int):
    return render_hotel(get_hotel_or_404(hotel_id))


@bp.route("/hotels/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_hotel():
    form = HotelForm(data={"room_capacity": 2, "rooms_per_night": 1, "active": True,
                           "offers": default_offer_codes(HOTEL)}
                     if request.method == "GET" else None).offering(offer_choices(HOTEL))
    form.program_id.choices = program_choices()
    if form.validate_on_submit():
        hotel = Hotel()
        form.apply_to(hotel)
        db.session.add(hotel)
        db.session.flush()  # its id, for the address below
        flash(f"Added {hotel.name}.", "success")
        return redirect(url_for("places.hotel", hotel_id=hotel.id))
    return render_form(form, None)


@bp.route("/hotels/<int:hotel_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def edit_hotel(hotel_id: int):
    hotel = get_hotel_or_404(hotel_id)
    form = HotelForm(obj=hotel if request.method == "GET" else None,
                     data={"location": hotel.location_text} if request.method == "GET" else None)
    form.offering(offer_choices(HOTEL, hotel.offers))
    form.program_id.choices = program_choices()
    if form.validate_on_submit():
        flash(f"Saved {hotel.name}.", "success")
        with telling_unfit_stays(hotel):
            form.apply_to(hotel)
        return redirect(url_for("places.hotel", hotel_id=hotel.id))
    return render_form(form, hotel)


def render_form(form: HotelForm, hotel: Hotel | None):
    """The form, with its offers in reading groups; a new hotel's follow whether it allows
    pets until the coordinator changes them."""
    return render_template(
        "places/hotel_form.html", form=form, hotel=hotel,
        offer_groups=grouped(form.needs.values()),
        offer_defaults=None if hotel else offer_defaults(HOTEL),
    ), 400 if form.errors else 200


@bp.route("/hotels/<int:hotel_id>/nights", methods=["POST"])
@roles(Role.COORDINATOR)
def hotel_nights_update(hotel_id: int):
    hotel = get_hotel_or_404(hotel_id)
    form = HotelNightsForm()
    if form.validate_on_submit():
        try:
            nights = set_hotel_nights(db.session, hotel, form.first.data, form.last.data,
                                      points=form.points.data, rooms=form.rooms.data)
        except AvailabilityError as error:
            form.last.errors.append(str(error))
        else:
            if form.points.data is None and form.rooms.data is None:
                flash(f"{len(nights)} night(s) at {hotel.name} are back to the standard.",
                      "success")
            else:
                flash(f"Set {len(nights)} night(s) at {hotel.name}.", "success")
            if any(n.oversubscribed for n in nights):
                flash("More rooms are held on some of these nights than may now be booked: "
                      "call the hotel.", "warning")
            return redirect(url_for("places.hotel", hotel_id=hotel.id))
    return render_hotel(hotel, 400, nights_form=form)
