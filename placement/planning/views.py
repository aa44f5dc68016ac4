"""Plan now: queue a run, watch it, review its proposals."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import selectinload

from partners.availability import freshness_counts
from partners.places import Shelter

from ..audit import ActorKind, acting_as
from ..auth.access import roles
from ..auth.forms import ConfirmForm
from ..auth.models import Role
from ..bookings.chains import neighbours
from ..bookings.models import Booking
from ..bookings.needs import unfit_stays, with_needs
from ..bookings.states import BookingState
from ..clock import now as clock
from ..extensions import db
from ..holds import answer_is_slow_from, hold_ends
from ..page_cache import render_page
from ..requests.models import HousingRequest, RequestStatus, most_urgent_first
from .models import PlanRun, RunStatus
from .runner import start_run

bp = Blueprint("planning", __name__)

# Hundreds of proposals at national scale: the page shows the most urgent first.
PAGE_ROWS = 100


def data_freshness() -> dict[str, int]:
    return freshness_counts(db.session, Shelter.confirmed_at, Shelter.active)


@bp.route("/plan")
@roles(Role.COORDINATOR)
def index():
    return render_page("plan", "planning/index.html", _plan)


def _plan() -> dict:
    latest = db.session.scalar(select(PlanRun).order_by(PlanRun.id.desc()).limit(1))
    proposed = select(Booking).where(Booking.state == BookingState.PROPOSED)
    proposals = db.session.scalars(with_needs(
        proposed.join(Booking.request)
        .order_by(HousingRequest.priority, Booking.check_in, Booking.id).limit(PAGE_ROWS))
    ).all()
    proposal_count = db.session.scalar(select(func.count()).select_from(proposed.subquery()))
    # A bridge stay's proposals read as one placement: each names the stay before and after.
    joined = neighbours(db.session, proposals)
    without_proposal = select(HousingRequest).where(
        HousingRequest.status == RequestStatus.PENDING,
        HousingRequest.id.not_in(select(Booking.request_id).where(
            Booking.state == BookingState.PROPOSED)))
    unplaced = db.session.scalars(most_urgent_first(without_proposal).limit(PAGE_ROWS)).all()
    unplaced_count = db.session.scalar(
        select(func.count()).select_from(without_proposal.subquery()))
    pending = db.session.scalar(select(func.count(HousingRequest.id)).where(
        HousingRequest.status == RequestStatus.PENDING))
    left_out, left_out_count = left_out_of_last_run()
    return dict(
        latest=latest, proposals=proposals, unplaced=unplaced,
        proposal_count=proposal_count, unplaced_count=unplaced_count,
        left_out=left_out, left_out_count=left_out_count, awaiting=awaiting_answers(),
        unfit=unfit_stays(db.session)[:PAGE_ROWS],
        pending=pending, freshness=data_freshness(), plan_form=ConfirmForm(),
        approve_form=ConfirmForm(), RunStatus=RunStatus, joined=joined,
    )


def awaiting_answers() -> list[tuple[Booking, datetime, bool]]:
    """Shelter stays approved and not yet answered, longest waiting first: each with when
    its hold runs out and whether the shelter is slow (past half its answer window, the
    escalation ladder's "shelter_slow")."""
    stays = db.session.scalars(
        select(Booking).where(Booking.state == BookingState.APPROVED,
                              Booking.shelter_id.is_not(None))
        .order_by(Booking.approved_at, Booking.id).limit(PAGE_ROWS)
        .options(selectinload(Booking.request), selectinload(Booking.shelter))
    ).all()
    moment = clock().astimezone(UTC).replace(tzinfo=None)
    return [(b, hold_ends(b), answer_is_slow_from(b) <= moment) for b in stays]


def left_out_of_last_run() -> tuple[list[tuple[HousingRequest, str]], int]:
    """The still pending requests the last finished run could not plan, each with why (most
    urgent first, at most a page), and how many there are."""
    last = db.session.scalar(select(PlanRun).where(PlanRun.status == RunStatus.DONE)
                             .order_by(PlanRun.id.desc()).limit(1))
    skipped = {int(k): why for k, why in ((last.skipped if last else None) or {}).items()}
    if not skipped:
        return [], 0
    still_pending = select(HousingRequest).where(
        HousingRequest.id.in_(list(skipped)), HousingRequest.status == RequestStatus.PENDING)
    count = db.session.scalar(select(func.count()).select_from(still_pending.subquery()))
    rows = db.session.scalars(most_urgent_first(still_pending).limit(PAGE_ROWS)).all()
    return [(r, skipped[r.id]) for r in rows], count


@bp.route("/plan/runs", methods=["POST"])
@roles(Role.COORDINATOR)
def run():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    # Queueing the run is the planner's own transaction (it commits before the run's thread
    # starts), and this view writes nothing else. The actor is named and the run's key
    # read without loading anything after that commit: a load would begin a second
    # transaction.
    user_id = current_user.id
    with acting_as(ActorKind.USER, user_id):
        run, started = start_run(user_id)
    run_id = inspect(run).identity[0]
    if not started:
        flash("A planner run is already under way; its results will appear here.", "info")
    return redirect(url_for("planning.show_run", run_id=run_id), 303)


@bp.route("/plan/runs/<int:run_id>")
@roles(Role.COORDINATOR)
def show_run(run_id: int):
    plan_run = db.session.get(PlanRun, run_id) or abort(404)
    if plan_run.status is RunStatus.DONE:
        left_out = len(plan_run.skipped or {})
        also = (f" {left_out} request{'s' if left_out != 1 else ''} could not be planned: "
                "they are listed on this page." if left_out else "")
        flash(f"Planner run {plan_run.id} finished: {plan_run.placed} of {plan_run.requests} "
              f"requests have a proposed stay.{also}", "success")
        return redirect(url_for("planning.index"))
    return render_template("planning/run.html", run=plan_run, RunStatus=RunStatus)
