"""Runs of scheduled jobs: one row per (job, fire time), which is what makes a tick run once."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partners.base import Base, enum_column, utcnow


class JobOutcome(enum.StrEnum):
    DONE = "done"
    FAILED = "failed"


class JobRun(Base):
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "fire_time"),)  # one run per tick

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    # The tick this run belongs to (naive UTC), computed from the trigger: every process
    # computes the same value for the same tick.
    fire_time: Mapped[datetime] = mapped_column(index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[JobOutcome] = mapped_column(enum_column(JobOutcome, "job_outcome"))
    # Counts only (bookings released, lots written off...), never case details.
    counts: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(300))


class Alert(Base):
    """One step of the escalation ladder, sent once: the unique (subject, step) is what
    makes two processes ticking at once send it one time."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("subject", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(40))  # "request:12", "booking:34"
    step: Mapped[str] = mapped_column(String(40))  # "critical_15", "hold_expiring"...
    # The case it is about (gone with the case when retention purges it).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
