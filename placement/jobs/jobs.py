"""The scheduled jobs: one plain function each, given the moment of the tick and returning
counts (never case details). They use the app's session and only flush; the exactly-once
wrapper in `runner.py` commits each one once.

Each is idempotent: run twice for the same moment, the second run finds nothing to do.
"""

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import selectinload, undefer

from partners import ledger
from partners.availability import freshness
from partners.availability.common import Freshness
from partners.places import Shelter
from partners.points import Account

from ..bookings import news, service
from ..bookings.models import Booking
from ..bookings.states import HOLDING, BookingState
from ..extensions import db
from ..holds import hold_ends
from ..planning.bridge import (
    pending_requests,
    rests,
    rules_broken,
    scrub_stored_plan,
    scrub_stored_problem,
)
from ..planning.models import PlanRun
from ..planning.runner import queue_run
from ..requests.models import (
    DangerZone,
    Exclusion,
    HousingRequest,
    PartyMember,
    PlaceRejection,
    RequestStatus,
    request_need,
)
from ..requests.service import local_today
from .triggers import as_utc

Counts = dict[str, int]


def hotline_today(now: datetime) -> date:
    return local_today(current_app.config["HOTLINE_TIMEZONE"], as_utc(now))


def naive_utc(now: datetime) -> datetime:
    return as_utc(now).replace(tzinfo=None)


# -- re-planning ---------------------------------------------------------------------------

def withdraw_infeasible_proposals(today: date) -> int:
    """Proposals whose check-in has passed or whose place's rules the request now breaks
    are withdrawn; the rest are handed to the optimizer as hints by the planner run."""
    withdrawn = 0
    chains: dict[int, list[Booking]] = {}
    for booking in service.lock_proposals(db.session):
        chains.setdefault(booking.lead_id, []).append(booking)
    for stays in chains.values():  # a chain goes whole: every stay of it, or none
        stays.sort(key=lambda b: b.segment)
        first, request = stays[0], stays[0].request
        waits = request.status is RequestStatus.PENDING or (
            first.is_move and request.rest_from == first.check_in)
        if first.check_in < today or not waits or any(
                rules_broken(db.session, request, b.place, b.check_in, b.nights,
                             arriving=not b.is_move) for b in stays):
            for booking in reversed(stays):
                service.withdraw(db.session, booking, None, "no longer feasible")
            withdrawn += len(stays)
    return withdrawn


def replan(now: datetime) -> Counts:
    """Queue a planner run over the pending requests (the run itself starts after this
    job's commit, see `run_queued_plan`)."""
    today = hotline_today(now)
    withdrawn = withdraw_infeasible_proposals(today)
    # The rests of stays to plan again (a later place said no) count as pending.
    pending = len(pending_requests(db.session)) + len(rests(db.session))
    counts = {"pending": pending, "withdrawn": withdrawn, "plan_run": 0}
    if pending == 0:
        return counts
    run, queued = queue_run(None, current_app.config["PLANNER_TIME_LIMIT"])
    if not queued:
        return counts | {"busy": 1}
    return counts | {"plan_run": run.id}


def run_queued_plan(counts: Counts, now: datetime) -> None:
    """After `replan` committed: solve in this (scheduler) thread; the run records itself."""
    from ..planning.runner import execute_run

    if counts.get("plan_run"):
        execute_run(current_app._get_current_object(), counts["plan_run"], hotline_today(now))


# -- holds ---------------------------------------------------------------------------------

def expire_holds(now: datetime) -> Counts:
    """Approved stays not confirmed within their hold window (the shelter's own, else
    HOLD_HOURS: `holds.hold_ends`) give their beds, rooms and points back. Approved stays
    are the few of the last hours, so each one's window is read here, not in SQL."""
    moment = naive_utc(now)
    released = 0
    for booking in db.session.scalars(
        select(Booking).where(Booking.state == BookingState.APPROVED)
        .options(selectinload(Booking.shelter)).order_by(Booking.id)
    ).all():
        # A chain's stays are given back together: a later one may have gone already.
        if booking.state is BookingState.APPROVED and hold_ends(booking) < moment:
            service.expire_hold(db.session, booking, None)
            news.hold_expired(db.session, booking)
            released += 1
    return {"released": released}


# -- nightly roll-over ---------------------------------------------------------------------

def rollover(now: datetime) -> Counts:
    """Stays whose last night has passed end (points are spent); confirmed stays whose
    check-in day has passed without a check-in are no-shows (beds and points come back)."""
    today = hotline_today(now)
    checked_out = no_shows = 0
    for booking in db.session.scalars(
        select(Booking).where(Booking.state == BookingState.CHECKED_IN).order_by(Booking.id)
    ).all():
        if booking.check_out <= today:
            service.check_out(db.session, booking, None, today)
            checked_out += 1
    for booking in db.session.scalars(
        select(Booking).where(Booking.state == BookingState.CONFIRMED,
                              Booking.check_in < today).order_by(Booking.id)
    ).all():
        if booking.state is BookingState.CONFIRMED:  # not given back with its chain
            service.no_show(db.session, booking, None)
            no_shows += 1
    return {"checked_out": checked_out, "no_show": no_shows}


# -- points --------------------------------------------------------------------------------

def expire_points(now: datetime) -> Counts:
    """Write off expired lots; count the lots that lapse within 60 days (listed on the page)."""
    today = hotline_today(now)
    postings = ledger.expire_lots(db.session, today)
    written_off = sum(entry.amount for posting in postings for entry in posting.entries
                      if entry.account is Account.EXPIRED)
    soon = ledger.lots_expiring_soon(db.session, today, days=60)
    return {"lots_written_off": len(postings), "points_written_off": written_off,
            "lots_expiring_soon": len(soon), "points_expiring_soon": sum(p for _, p in soon)}


# -- stale availability --------------------------------------------------------------------

def stale_shelters(now: datetime) -> list[Shelter]:
    """Shelters whose numbers are stale or were never confirmed: the reminder list."""
    shelters = db.session.scalars(
        select(Shelter).order_by(Shelter.confirmed_at.asc().nulls_first(), Shelter.name)
    ).all()
    return [s for s in shelters
            if freshness(s.confirmed_at, now) in (Freshness.STALE, Freshness.NEVER)]


def flag_stale_availability(now: datetime) -> Counts:
    """Availability is derived from confirmations, so the flag is computed, not stored: the
    job counts the shelters to remind and the jobs page lists them."""
    stale = stale_shelters(now)
    never = sum(1 for s in stale if s.confirmed_at is None)
    return {"stale": len(stale) - never, "never_confirmed": never}


# -- retention -----------------------------------------------------------------------------

def requests_past_retention(today: date, days: int) -> list[HousingRequest]:
    """Requests with no stay under way whose last stay (or, never placed, whose arrival
    window) ended more than `days` ago, not yet purged. A request still pending that long
    after its window can no longer be planned, so it is purged too."""
    cutoff = today - timedelta(days=days)
    holding = exists().where(Booking.request_id == HousingRequest.id,
                             Booking.state.in_(HOLDING))
    candidates = db.session.scalars(
        select(HousingRequest).where(
            HousingRequest.purged_at.is_(None),
            HousingRequest.latest < cutoff,
            ~holding,
        ).order_by(HousingRequest.id)
    ).all()
    if not candidates:
        return []
    stayed = select(Booking.check_in, Booking.nights, Booking.request_id).where(
        Booking.request_id.in_([r.id for r in candidates]),
        Booking.state == BookingState.CHECKED_OUT)
    ends: dict[int, date] = {}
    for check_in, nights, request_id in db.session.execute(stayed):
        end = check_in + timedelta(days=nights)
        ends[request_id] = max(end, ends.get(request_id, end))
    return [r for r in candidates if ends.get(r.id, r.latest) < cutoff]


def purge_expired_case_data(now: datetime) -> Counts:
    """Delete the note, location, danger zones, exclusions, needs (a language or "pregnant"
    points at a person), the people (each one's age band and gender) and every free-text
    reason (rejections, cancellations, closing) of requests past retention, and the same
    details in stored planner inputs. Counts, dates, party size and gender and the bookings
    stay: the donor and partner aggregates need them."""
    today = hotline_today(now)
    requests = requests_past_retention(today, current_app.config["RETENTION_DAYS"])
    if not requests:
        return {"requests_purged": 0, "plan_runs_scrubbed": 0}
    ids = [r.id for r in requests]
    stamp = naive_utc(now)
    for request in requests:
        request.note_encrypted = None
        request.location_label = None
        request.lat = request.lon = None
        request.unplaced_reason = request.wait_needs = None
        request.status_reason = None  # why it was closed or withdrawn: free text
        request.purged_at = stamp
    db.session.execute(delete(DangerZone).where(DangerZone.request_id.in_(ids)))
    db.session.execute(delete(Exclusion).where(Exclusion.request_id.in_(ids)))
    db.session.execute(delete(request_need).where(request_need.c.request_id.in_(ids)))
    # Each person's age band and gender point at people; the counts stay on the request.
    db.session.execute(delete(PartyMember).where(PartyMember.request_id.in_(ids)))
    for request in requests:
        db.session.expire(request, ["needs", "people"])
    # Coordinators' reasons are free text too ("too far from her school"): the rejections
    # go with the exclusions, and the bookings keep their states but not their reasons, nor
    # the needs a coordinator overrode (need codes, as the request's own) and why.
    db.session.execute(delete(PlaceRejection).where(PlaceRejection.request_id.in_(ids)))
    db.session.execute(update(Booking).where(Booking.request_id.in_(ids)).values(
        reason=None, need_override=None, override_reason=None))
    scrubbed = 0
    first = min(r.created_at for r in requests)
    for run in db.session.scalars(
        select(PlanRun).where(PlanRun.problem.is_not(None), PlanRun.created_at >= first)
        .options(undefer(PlanRun.plan))
    ):
        problem = scrub_stored_problem(run.problem, ids)
        plan = scrub_stored_plan(run.plan, ids) if run.plan else None
        if problem is not None:
            run.problem = problem
        if plan is not None:
            run.plan = plan
        scrubbed += problem is not None or plan is not None
    db.session.flush()
    return {"requests_purged": len(requests), "plan_runs_scrubbed": scrubbed}
