"""What more points would do, computed by the scheduler (issue 17): nightly, and when a
coordinator asks, one batch at a time. A batch re-solves the pending requests with each
program's balance raised in steps (`optimizer.api.evaluate_scenarios`: the options built
once, each step warm-started from the one below) within WHAT_IF_SECONDS in all.

The job's own transaction only claims the oldest queued batch; the solving runs after its
commit (`solve_claimed`, the job's follow-up) with no transaction open, and progress and
figures are written in short ones, so a solve of minutes never holds a lock.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from optimizer.api import Problem, evaluate_scenarios, raised
from partners.base import utcnow
from partners.points import LoyaltyProgram

from ..database import unit_of_work
from ..extensions import db
from ..planning.bridge import build_problem
from ..points.models import BatchState, WhatIf, WhatIfBatch
from ..points.what_if import queue_batch
from .jobs import hotline_today, naive_utc

STEPS = (50_000, 100_000, 250_000, 500_000)
# A batch left running this long was cut off (its process stopped): it fails, so the
# next one may run.
STALE = timedelta(hours=2)


def nightly(now: datetime) -> dict:
    """The nightly batch the donors' figures average over."""
    return {"batch": queue_batch(db.session, None).id}


def what_if(now: datetime) -> dict:
    """Claim the oldest queued batch, unless one is running (one at a time)."""
    moment = naive_utc(now)
    db.session.execute(update(WhatIfBatch).where(
        WhatIfBatch.state == BatchState.RUNNING, WhatIfBatch.started_at < moment - STALE)
        .values(state=BatchState.FAILED, finished_at=moment, error="cut off"))
    if db.session.scalar(select(WhatIfBatch.id).where(WhatIfBatch.state == BatchState.RUNNING)):
        return {"claimed": 0, "busy": 1}
    batch = db.session.scalar(
        select(WhatIfBatch).where(WhatIfBatch.state == BatchState.QUEUED)
        .order_by(WhatIfBatch.id).limit(1).with_for_update(skip_locked=True))
    if batch is None:
        return {"claimed": 0}
    batch.state, batch.started_at = BatchState.RUNNING, moment
    return {"claimed": batch.id}


def solve_claimed(counts: dict, now: datetime) -> None:
    """After the claim's commit: solve the batch, program by program."""
    if counts.get("claimed"):
        try:
            solve_batch(counts["claimed"], hotline_today(now))
        except Exception as error:
            with unit_of_work():
                db.session.execute(update(WhatIfBatch).where(WhatIfBatch.id == counts["claimed"])
                                   .values(state=BatchState.FAILED, finished_at=utcnow(),
                                           error=type(error).__name__))
            raise


def solve_batch(batch_id: int, today) -> None:
    with unit_of_work():
        snapshot = build_problem(db.session, today)
        programs = {p.code: p.id for p in db.session.scalars(select(LoyaltyProgram))}
    problem = snapshot.problem
    codes = [p.id for p in problem.programs if p.id in programs]
    total = len(codes) * (len(STEPS) + 1)
    _progress(batch_id, 0, total, len(problem.requests))
    seconds = current_app.config["WHAT_IF_SECONDS"] / max(len(codes), 1)
    for n, code in enumerate(codes):
        results = evaluate_scenarios(problem, raised(problem, code, (0, *STEPS)), seconds)
        _save(batch_id, programs[code], results, problem)
        _progress(batch_id, (n + 1) * (len(STEPS) + 1), total, len(problem.requests))
    with unit_of_work():
        db.session.execute(update(WhatIfBatch).where(WhatIfBatch.id == batch_id)
                           .values(state=BatchState.DONE, finished_at=utcnow()))


def _progress(batch_id: int, done: int, total: int, pending: int) -> None:
    with unit_of_work():
        db.session.execute(update(WhatIfBatch).where(WhatIfBatch.id == batch_id)
                           .values(done=done, total=total, pending=pending))


def _save(batch_id: int, program_id: int, results, problem: Problem) -> None:
    persons = {r.id: r.persons for r in problem.requests}
    with unit_of_work():
        for step, result in zip((0, *STEPS), results, strict=True):
            placed = result.plan.assignments
            db.session.add(WhatIf(
                batch_id=batch_id, program_id=program_id, extra_points=step,
                placed_critical=result.placed.get("critical", 0),
                placed_high=result.placed.get("high", 0),
                placed_normal=result.placed.get("normal", 0), people=result.people,
                nights=sum(persons.get(a.request, 0) * a.nights for a in placed),
                delay_nights=result.delay_nights, cost=result.cost, bound=result.bound,
                proven=result.status == "optimal"))
