"""What more points would do: the scheduler's what-if batches and their figures.

A batch re-solves the pending requests with one program's balance raised in steps
(optimizer.api.evaluate_scenarios), program after program, one batch at a time, off every
web request and plan run. Each row of `WhatIf` is one step of one program: how many more
requests and people it would place, by priority, and whether that figure is proven or only
bounded. Counts and costs only: no request, no case.
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partners.base import Base, enum_column, utcnow


class BatchState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class WhatIfBatch(Base):
    __tablename__ = "what_if_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[BatchState] = mapped_column(enum_column(BatchState, "what_if_state"),
                                              default=BatchState.QUEUED, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: nightly
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    done: Mapped[int] = mapped_column(default=0)  # scenarios solved so far
    total: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)  # requests in the problem
    error: Mapped[str | None] = mapped_column(String(300))  # its type only

    results: Mapped[list["WhatIf"]] = relationship(back_populates="batch",
                                                   cascade="all, delete-orphan")


class WhatIf(Base):
    __tablename__ = "what_if"
    __table_args__ = (UniqueConstraint("batch_id", "program_id", "extra_points"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("what_if_batch.id", ondelete="CASCADE"),
                                          index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("loyalty_program.id"), index=True)
    extra_points: Mapped[int]  # 0: the balance as it is
    placed_critical: Mapped[int] = mapped_column(default=0)
    placed_high: Mapped[int] = mapped_column(default=0)
    placed_normal: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
    nights: Mapped[int] = mapped_column(default=0)  # person-nights placed
    delay_nights: Mapped[int] = mapped_column(default=0)  # Σ days waited before check-in
    cost: Mapped[float]
    bound: Mapped[float]
    proven: Mapped[bool] = mapped_column(default=False)

    batch: Mapped[WhatIfBatch] = relationship(back_populates="results")

    @property
    def placed(self) -> int:
        return self.placed_critical + self.placed_high + self.placed_normal
