"""Runs of the planner: queued by a coordinator (or a job), solved off the request thread,
with progress written as the solver improves, and proposals stored at the end."""

import dataclasses
import hashlib
import json
import logging
import threading
import time
from datetime import date

from flask import Flask, current_app
from sqlalchemy import select, update

from optimizer.api import solve
from optimizer.plan import Plan
from partners.base import utcnow

from .. import metrics, notify
from ..audit import carrying_actor
from ..auth.models import User
from ..bookings.models import Booking
from ..bookings.service import lock_proposals, withdraw
from ..bookings.states import PLACING
from ..database import one_at_a_time, unit_of_work
from ..extensions import db
from ..requests.models import HousingRequest, RequestStatus
from ..requests.service import local_today
from .bridge import build_problem as build
from .bridge import mark_skipped, proposals_as_hint, proposals_from_plan, request_key, same_chain
from .models import PlanRun, RunStatus

log = logging.getLogger(__name__)
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def active_run() -> PlanRun | None:
    return db.session.scalar(
        select(PlanRun).where(PlanRun.status.in_(ACTIVE)).order_by(PlanRun.id.desc()).limit(1)
    )


def queue_run(actor_id: int | None, time_limit: float) -> tuple[PlanRun, bool]:
    """The run under way, else a new queued one: (run, queued). One step for every process
    and host, so that "Plan now" on two hosts, or a click and the scheduler's re-plan, at the
    same instant queue one run, not two solves over the same requests."""
    one_at_a_time(db.session, "plan-run")
    running = active_run()
    if running is not None:
        return running, False
    run = PlanRun(created_by_id=actor_id, time_limit=time_limit)
    db.session.add(run)
    db.session.flush()
    return run, True


def start_run(actor_id: int | None, time_limit: float | None = None,
              today: date | None = None) -> tuple[PlanRun, bool]:
    """Queue a run unless one is already under way; returns (run, started)."""
    with unit_of_work():
        run, queued = queue_run(actor_id,
                                time_limit or current_app.config["PLANNER_TIME_LIMIT"])
        if not queued:
            return run, False
        run_id = run.id  # read now: touching `run` after the commit would open a transaction
    app = current_app._get_current_object()
    if app.config["PLANNER_SYNC"]:
        execute_run(app, run_id, today)
    else:
        # The thread starts with no context: it carries whoever started the run.
        threading.Thread(target=carrying_actor(execute_run), args=(app, run_id, today),
                         daemon=True,
                         name=f"plan-run-{run_id}").start()
    return run, True


def execute_run(app: Flask, run_id: int, today: date | None = None) -> None:
    started = time.monotonic()
    with app.app_context():
        try:
            _execute(app, run_id, today)
        except Exception as error:  # the run records its failure; the process keeps going
            log.exception("plan run %s failed", run_id)
            db.session.rollback()
            with unit_of_work():
                db.session.execute(update(PlanRun).where(PlanRun.id == run_id).values(
                    status=RunStatus.FAILED, finished_at=utcnow(),
                    error=f"{type(error).__name__}: the planner could not finish",
                ))
            metrics.planner_ran(RunStatus.FAILED.value, time.monotonic() - started, 0, 0)
        else:
            _count_run(run_id, time.monotonic() - started)
        finally:
            db.session.remove()


def _count_run(run_id: int, seconds: float) -> None:
    """The finished run in the metrics (placement.metrics), as it was recorded."""
    run = db.session.execute(select(PlanRun.solver_status, PlanRun.requests, PlanRun.placed)
                             .where(PlanRun.id == run_id)).one()
    outcome = "unchanged" if run.solver_status == "unchanged" else RunStatus.DONE.value
    metrics.planner_ran(outcome, seconds, run.placed, run.requests - run.placed)


def _execute(app: Flask, run_id: int, today: date | None) -> None:
    today = today or local_today(app.config["HOTLINE_TIMEZONE"])
    with unit_of_work():
        run = db.session.get(PlanRun, run_id)
        run.status = RunStatus.RUNNING
        time_limit, scheduled = run.time_limit, run.created_by_id is None
    with unit_of_work():
        started = time.monotonic()
        snapshot = build(db.session, today)
        # Requests the planner cannot express are left out, each with its reason, on the run
        # and on the request, whether or not the solver then runs: the rest is planned.
        skipped_before = _reasons(snapshot.skipped)
        mark_skipped(db.session, snapshot)
        run = db.session.get(PlanRun, run_id)
        run.skipped = {str(request_id): why for request_id, why in snapshot.skipped.items()}
        hint = proposals_as_hint(db.session, snapshot)
        problem = snapshot.problem.to_dict()
        problem_digest = _digest(problem)  # the problem does not change during the run
        digest = input_digest(problem_digest, hint)
        unchanged = scheduled and _same_as_last_run(run_id, digest, time.monotonic() - started)
        if not unchanged:
            run.problem = problem
            run.id_map = snapshot.requests
            run.requests = len(snapshot.requests)
    if unchanged:
        _tell_advocates_unplaced(skipped_before)
        return
    # No transaction is open while the solver works.
    plan = solve(snapshot.problem, time_limit=time_limit,
                 workers=app.config["PLANNER_WORKERS"],
                 hint=hint if hint.assignments else None,
                 progress=_progress_writer(app, run_id))
    reasons_before = {**skipped_before, **_reasons(snapshot.requests.values())}
    with unit_of_work():
        still_open = _lock_open_requests(snapshot)
        unchanged = _keep_or_withdraw_proposals(snapshot, plan, run_id, still_open)
        new_plan = dataclasses.replace(
            plan, assignments=[a for a in plan.assignments
                               if a.request not in unchanged and a.request in still_open],
            unplaced=[key for key in plan.unplaced if key in still_open])
        proposals_from_plan(db.session, snapshot, new_plan, run_id)
        db.session.flush()
        run = db.session.get(PlanRun, run_id)
        run.input_digest = input_digest(problem_digest, proposals_as_hint(db.session, snapshot))
        run.plan = plan.to_dict()
        run.placed = len(plan.chains)  # requests placed, a chain's stays counted once
        run.cost, run.bound = plan.cost, plan.bound
        run.solver_status, run.seconds = plan.status, plan.seconds
        run.status = RunStatus.DONE
        run.finished_at = utcnow()
    _tell_advocates_unplaced(reasons_before)


def _reasons(request_ids) -> dict[int, str | None]:
    """Each request's unplaced reason as it stands (to tell advocates only of new ones)."""
    return dict(db.session.execute(
        select(HousingRequest.id, HousingRequest.unplaced_reason)
        .where(HousingRequest.id.in_(list(request_ids)))
    ).all())


def _digest(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"),
                                     default=str).encode()).hexdigest()


def input_digest(problem_digest: str, hint: Plan) -> str:
    """What the solver would be given: the problem (by its digest) and the proposals it
    starts from."""
    return _digest({"problem": problem_digest, "hint": hint.to_dict()})


def _same_as_last_run(run_id: int, digest: str, seconds: float) -> bool:
    """A scheduled re-plan whose input is exactly what the last finished run left has
    nothing to add: it is recorded as done, "unchanged", without solving or storing the
    problem again (at national scale that is seconds of both cores and megabytes a run,
    every few minutes)."""
    last = db.session.scalar(
        select(PlanRun).where(PlanRun.id < run_id, PlanRun.status == RunStatus.DONE)
        .order_by(PlanRun.id.desc()).limit(1))
    if last is None or last.input_digest != digest:
        return False
    run = db.session.get(PlanRun, run_id)
    run.status, run.solver_status = RunStatus.DONE, "unchanged"
    run.input_digest = digest
    run.requests, run.placed = last.requests, last.placed
    run.cost, run.bound = last.cost, last.bound
    run.seconds = round(seconds, 3)
    run.finished_at = utcnow()
    return True


def _lock_open_requests(snapshot) -> set[str]:
    """Lock the run's requests, in id order, before any of their bookings (the order every
    path takes: see placement.bookings.service._lock), and return the keys of those still
    waiting for a place (or for the rest of a stay, from the same move day): while the
    solver worked, a coordinator may have placed one by hand or an advocate withdrawn one.
    Their proposals are not written."""
    ids = sorted(snapshot.requests.values())
    live = select(Booking.request_id).where(Booking.state.in_(PLACING))
    locked = db.session.execute(
        select(HousingRequest.id, HousingRequest.status, HousingRequest.rest_from)
        .where(HousingRequest.id.in_(ids))
        .order_by(HousingRequest.id).with_for_update(key_share=True)
    ).all()
    placed = set(db.session.scalars(live.where(Booking.request_id.in_(ids))))
    def still_waits(request_id: int, status: RequestStatus, rest_from) -> bool:
        rest = snapshot.rests.get(request_key(request_id))
        if rest is not None:
            return status is RequestStatus.PLACED and rest_from == rest.start
        return status is RequestStatus.PENDING and request_id not in placed

    return {request_key(row[0]) for row in locked if still_waits(*row)}


def _keep_or_withdraw_proposals(snapshot, plan: Plan, run_id: int,
                                still_open: set[str]) -> set[str]:
    """Proposals the new plan repeats stay as they are, so a coordinator reviewing one can
    still approve it; the others are withdrawn. A chain is kept whole, when the plan
    repeats every stay of it, or withdrawn whole. Returns the keys of the requests whose
    proposals were kept.

    Each proposal is read under its row lock: one a coordinator approved a moment ago is
    no longer proposed (PostgreSQL re-reads a locked row when the lock is granted), so the
    run never writes over an approval."""
    chains = plan.chains
    by_request: dict[int, list[Booking]] = {}
    for old in lock_proposals(db.session, list(snapshot.requests.values())):
        by_request.setdefault(old.request_id, []).append(old)
    unchanged = set()
    for request_id, olds in by_request.items():
        olds.sort(key=lambda b: (b.segment, b.id))
        key = request_key(request_id)
        new = chains.get(key)
        if key in still_open and new is not None and same_chain(snapshot, olds, new):
            unchanged.add(key)
            db.session.get(HousingRequest, request_id).unplaced_reason = None
        else:
            for old in reversed(olds):
                withdraw(db.session, old, None, f"replaced by plan run {run_id}")
    return unchanged


def _tell_advocates_unplaced(reasons_before: dict[int, str | None]) -> None:
    """Once per new reason: the advocate hears that the request could not be placed."""
    rows = db.session.execute(
        select(HousingRequest.id, HousingRequest.case_code, HousingRequest.unplaced_reason,
               User.email)
        .join(User, User.id == HousingRequest.created_by_id)
        .where(HousingRequest.id.in_(list(reasons_before)), User.active)
    ).all()
    for request_id, case_code, reason, email in rows:
        if reason and reason != reasons_before.get(request_id):
            notify.request_unplaced(email, case_code, request_id)


def _progress_writer(app: Flask, run_id: int):
    """Write the best cost so far at most once a second, on a connection of its own (the
    solver calls this from its own thread)."""
    last = [0.0]

    def write(progress: dict) -> None:
        now = time.monotonic()
        if now - last[0] < 1.0:
            return
        last[0] = now
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(update(PlanRun).where(PlanRun.id == run_id).values(
                progress={k: progress.get(k) for k in ("cost", "bound", "elapsed")}
            ))

    return write
