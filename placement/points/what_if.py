"""Reading and asking for what-if figures (the scheduler computes them:
placement/jobs/what_if.py)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import BatchState, WhatIf, WhatIfBatch

OPEN = (BatchState.QUEUED, BatchState.RUNNING)


def queue_batch(session: Session, requested_by_id: int | None) -> WhatIfBatch:
    """A batch to run at the next tick, unless one is queued already (that one then)."""
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
