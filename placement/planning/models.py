"""Planner runs: what the optimizer was given and what it proposed."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from partners.base import Base, enum_column, utcnow


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PlanRun(Base):
    __tablename__ = "plan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: a job
    status: Mapped[RunStatus] = mapped_column(
        enum_column(RunStatus, "plan_run_status"), default=RunStatus.QUEUED
    )
    time_limit: Mapped[float]
    # The optimizer's input and output, as the spec's JSON. Case details in them (the
    # person's coordinates, danger zones) are purged with the request after retention.
    # Megabytes at national scale: loaded only when read (deferred), never with the row, so
    # the plan page's "last run" line does not decode them on every load.
    problem: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    plan: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # Request ids and place ids in the problem, to map the plan back to rows.
    id_map: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    requests: Mapped[int] = mapped_column(default=0)
    placed: Mapped[int] = mapped_column(default=0)
    cost: Mapped[float | None]
    bound: Mapped[float | None]
    solver_status: Mapped[str | None] = mapped_column(String(20))
    seconds: Mapped[float | None]
    # Progress while running: the best cost so far and the elapsed seconds.
    progress: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    # Requests left out of this run because the planner cannot express them (request id ->
    # why, for the coordinator); the run still plans everyone else.
    skipped: Mapped[dict | None] = mapped_column(JSON)
    # A digest of the solver's input as this run left things (the problem, with the run's
    # own proposals as the hint): a scheduled run that finds the same input has nothing new
    # to plan and skips the solver ("unchanged").
    input_digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
