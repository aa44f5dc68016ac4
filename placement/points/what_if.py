"""Reading and asking for what-if figures (the scheduler computes them:
placement/jobs/what_if.py)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from partners.points import LoyaltyProgram
from partners.suppression import is_small

from ..database import one_at_a_time
from .models import BatchState, WhatIf, WhatIfBatch

OPEN = (BatchState.QUEUED, BatchState.RUNNING)


def queue_batch(session: Session, requested_by_id: int | None) -> WhatIfBatch:
    """A batch to run at the next tick, unless one is queued already (that one then): one
    queued batch however many ask at once, on however many hosts."""
    one_at_a_time(session, "what-if-batch")
    waiting = session.scalar(select(WhatIfBatch).where(
        WhatIfBatch.state == BatchState.QUEUED).order_by(WhatIfBatch.id).limit(1))
    if waiting is not None:
        return waiting
    batch = WhatIfBatch(requested_by_id=requested_by_id)
    session.add(batch)
    session.flush()
    return batch


def open_batch(session: Session) -> WhatIfBatch | None:
    """The batch running, else the one queued: what the page says is under way."""
    return session.scalar(select(WhatIfBatch).where(WhatIfBatch.state.in_(OPEN))
                          .order_by(WhatIfBatch.state.desc(), WhatIfBatch.id).limit(1))


def latest_figures(session: Session, program_id: int) -> tuple[WhatIfBatch | None, list[WhatIf]]:
    """The newest finished batch's figures for the program, by step."""
    batch = session.scalar(
        select(WhatIfBatch).join(WhatIf).where(WhatIfBatch.state == BatchState.DONE,
                                               WhatIf.program_id == program_id)
        .order_by(WhatIfBatch.finished_at.desc(), WhatIfBatch.id.desc()).limit(1))
    if batch is None:
        return None, []
    return batch, list(session.scalars(
        select(WhatIf).where(WhatIf.batch_id == batch.id, WhatIf.program_id == program_id)
        .order_by(WhatIf.extra_points)))


# What a donor's next gift would do: this many more points, averaged over the nightly
# batches of the last NEXT_GIFT_DAYS days.
NEXT_GIFT_POINTS = 100_000
NEXT_GIFT_DAYS = 30


@dataclass(frozen=True)
class NextGift:
    program: str
    nights: int | None  # more person-nights placed a night, on average; None: hidden
    people: int | None  # more people placed; None: hidden
    batches: int  # nights averaged over


def gift_figures(session: Session, program_names: list[str], today) -> list[NextGift]:
    """Per program, the average over the last nightly batches of what NEXT_GIFT_POINTS more
    points would have placed. A figure of 1 to 10 is hidden, as every donor count is."""
    since = datetime.combine(today - timedelta(days=NEXT_GIFT_DAYS), time.min)
    more, base = aliased(WhatIf), aliased(WhatIf)
    rows = session.execute(
        select(LoyaltyProgram.name, more.people - base.people, more.nights - base.nights)
        .join(more, more.program_id == LoyaltyProgram.id)
        .join(base, (base.batch_id == more.batch_id) & (base.program_id == more.program_id)
              & (base.extra_points == 0))
        .join(WhatIfBatch, WhatIfBatch.id == more.batch_id)
        .where(LoyaltyProgram.name.in_(program_names), more.extra_points == NEXT_GIFT_POINTS,
               WhatIfBatch.state == BatchState.DONE, WhatIfBatch.requested_by_id.is_(None),
               WhatIfBatch.finished_at >= since)).all()
    gifts = []
    for name in program_names:
        mine = [(people, nights) for program, people, nights in rows if program == name]
        if not mine:
            continue
        people = round(sum(p for p, _ in mine) / len(mine))
        nights = round(sum(n for _, n in mine) / len(mine))
        gifts.append(NextGift(name, None if is_small(nights) else nights,
                              None if is_small(people) else people, len(mine)))
    return gifts


def marginal_value(figures: list[WhatIf], program: str) -> str | None:
    """The worth of a point at the margin, from the first step that changes anything (the
    difference of two exact solves), in words; None where more points change nothing."""
    base = figures[0] if figures else None
    for row in figures[1:]:
        if row.placed > base.placed:
            gained = row.placed - base.placed
            return (f"The first {row.extra_points:,} more {program} points would place "
                    f"{gained} more request{'s' if gained != 1 else ''}.")
        if row.delay_nights < base.delay_nights:
            days = (base.delay_nights - row.delay_nights) * 1000 / row.extra_points
            return (f"1,000 more {program} points would avoid about {days:.1f} days of "
                    "waiting for the people already placed.")
    return None
