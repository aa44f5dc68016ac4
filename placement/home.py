"""Each role's home page: the first thing a person sees after signing in."""

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from partners.models import Hotel, Shelter

from .auth.access import public, roles
from .auth.models import Role
from .extensions import db
from .page_cache import render_page
from .requests.models import HousingRequest, RequestStatus, most_urgent_first
from .requests.service import local_today
from .requests.visibility import visible_requests

# A national queue holds hundreds of requests: the page shows the most urgent ones.
QUEUE_ROWS = 100
MOVE_DAYS_AHEAD = 7  # the moves of bridge stays listed as tasks

bp = Blueprint("home", __name__)

# What each role sees in the navigation bar; later features append their pages here.
# An entry is (endpoint, label) or (label, [(endpoint, label), ...]) for a menu.
NAVIGATION: dict[Role, list[tuple]] = {
    Role.ADVOCATE: [("requests.new", "New request"), ("home.advocate", "My requests")],
    Role.REFERRER: [("requests.new", "New request"), ("home.advocate", "Our requests")],
    Role.COORDINATOR: [
        ("home.coordinator", "Queue"),
        ("planning.index", "Plan"),
        ("bookings.index", "Stays"),
        ("bookings.tape", "Tape chart"),
        ("Places", [("places.shelters", "Shelters"), ("places.hotels", "Hotels"),
                    ("places.programs", "Loyalty programs")]),
        ("Points", [("points.overview", "Balances and expiry"), ("points.donors", "Donors")]),
        ("reports.index", "Reports"),
    ],
    Role.DONOR: [("donors.dashboard", "My donations")],
    Role.ADMIN: [("admin.users", "Accounts"), ("admin.needs", "Needs"),
                 ("admin.audit_log", "Audit log"), ("jobs.index", "Scheduled jobs"),
                 ("integrations.index", "Integrations"),
                 ("reports.index", "Reports")],
}

HOME_ENDPOINT = {
    Role.ADVOCATE: "home.advocate",
    Role.REFERRER: "home.advocate",
    Role.COORDINATOR: "home.coordinator",
    Role.DONOR: "donors.dashboard",
    Role.ADMIN: "admin.users",
}


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_ENDPOINT[current_user.role]))


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico on pages that link none (a CSV opened in a tab)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/advocate")
@roles(Role.ADVOCATE, Role.REFERRER)
def advocate():
    """An advocate's own requests; a referrer's, those of their whole organization."""
    my_requests = db.session.scalars(
        visible_requests(current_user).order_by(HousingRequest.created_at.desc())
    ).all()
    return render_template("home/advocate.html", requests=my_requests,
                           referrer=current_user.role is Role.REFERRER)


@bp.route("/coordinator")
@roles(Role.COORDINATOR)
def coordinator():
    return render_page("queue", "home/coordinator.html", _queue)


def _queue() -> dict:
    from .bookings.forms import ButtonForm
    from .bookings.moves import moves_from
    from .planning.views import data_freshness

    waiting = select(HousingRequest).where(HousingRequest.status == RequestStatus.PENDING)
    today = local_today(current_app.config["HOTLINE_TIMEZONE"])
    return {
        # Bridge stays: each move day of the week to come is a task (the transport).
        "moves": moves_from(db.session, today, today + timedelta(days=MOVE_DAYS_AHEAD)),
        "transport_form": ButtonForm(), "today": today,
        "pending": db.session.scalars(most_urgent_first(waiting).limit(QUEUE_ROWS)).all(),
        "total": db.session.scalar(select(func.count()).select_from(waiting.subquery())),
        "counts": {"shelters": db.session.scalar(select(func.count(Shelter.id))),
                   "hotels": db.session.scalar(select(func.count(Hotel.id)))},
        "freshness": data_freshness(),
    }


@bp.app_context_processor
def navigation():
    def nav_links() -> list[tuple]:
        if not current_user.is_authenticated:
            return []
        return NAVIGATION[current_user.role]

    return {"nav_links": nav_links}
