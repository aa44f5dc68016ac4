"""Every scheduled job: its function, its trigger and the settings that shape it."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from . import backups, escalation, integrations, jobs, moves, outcomes, reports, what_if
from .triggers import Daily, Every, parse_time

Trigger = Every | Daily


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    run: Callable[[datetime], jobs.Counts]
    trigger: Callable[[Mapping], Trigger]
    config_keys: tuple[str, ...]
    # Runs after the job's commit, still under its lock (the planner run of `replan`).
    follow_up: Callable[[jobs.Counts, datetime], None] | None = field(default=None)
    # Why the job is off under these settings, or None when it runs: an off job is neither
    # scheduled nor run, even when asked for by name.
    off: Callable[[Mapping], str | None] = field(default=lambda _config: None)


def _daily(key: str) -> Callable[[Mapping], Daily]:
    return lambda config: Daily(parse_time(config[key]), config["HOTLINE_TIMEZONE"])


JOBS: dict[str, Job] = {job.name: job for job in [
    Job("replan", "Re-plan pending requests", jobs.replan,
        lambda c: Every(c["REPLAN_EVERY_MINUTES"]),
        ("REPLAN_EVERY_MINUTES", "PLANNER_TIME_LIMIT"), follow_up=jobs.run_queued_plan),
    Job("expire_holds", "Release unconfirmed holds", jobs.expire_holds,
        lambda c: Every(c["HOLD_CHECK_EVERY_MINUTES"]), ("HOLD_HOURS", "HOLD_CHECK_EVERY_MINUTES")),
    Job("escalate", "Escalate what waits unseen", escalation.escalate,
        lambda c: Every(c["ESCALATE_EVERY_MINUTES"]),
        ("ESCALATE_EVERY_MINUTES", "ESCALATE_CRITICAL_ON_CALL_MINUTES",
         "ESCALATE_CRITICAL_ADMINS_MINUTES", "ESCALATE_HOLD_EXPIRING_MINUTES",
         "ESCALATE_SHELTER_SLOW_SHARE", "HOLD_HOURS"), follow_up=escalation.mail_alerts),
    Job("move_reminders", "Remind coordinators of tomorrow's moves (bridge stays)",
        moves.remind_moves, lambda c: Every(c["MOVE_REMINDER_EVERY_MINUTES"]),
        ("MOVE_REMINDER_EVERY_MINUTES", "HOTLINE_TIMEZONE"), follow_up=moves.mail_reminders),
    Job("rollover", "Nightly roll-over: check-outs and no-shows", jobs.rollover,
        _daily("ROLLOVER_AT"), ("ROLLOVER_AT", "HOTLINE_TIMEZONE")),
    Job("expire_points", "Write off expired points", jobs.expire_points,
        _daily("POINTS_EXPIRY_AT"), ("POINTS_EXPIRY_AT",)),
    Job("stale_availability", "Flag stale shelter numbers", jobs.flag_stale_availability,
        lambda c: Every(c["STALE_CHECK_EVERY_MINUTES"]), ("STALE_CHECK_EVERY_MINUTES",)),
    Job("what_if", "What more points would do (a queued batch)", what_if.what_if,
        lambda c: Every(c["WHAT_IF_CHECK_EVERY_MINUTES"]),
        ("WHAT_IF_CHECK_EVERY_MINUTES", "WHAT_IF_SECONDS"), follow_up=what_if.solve_claimed),
    Job("what_if_nightly", "Queue the nightly what-if batch", what_if.nightly,
        _daily("WHAT_IF_AT"), ("WHAT_IF_AT",)),
    Job("retention", "Purge case details past retention", jobs.purge_expired_case_data,
        _daily("RETENTION_AT"), ("RETENTION_DAYS", "RETENTION_AT")),
    Job("backup", "Encrypted backup, and old ones deleted", backups.backup,
        _daily("BACKUP_AT"), ("BACKUP_AT", "RETENTION_DAYS"),
        off=lambda c: None if c["BACKUP_DIR"] else "off (BACKUP_DIR is not set)"),
    Job("outcomes", "Record what became of requests whose window is over",
        outcomes.record_outcomes, lambda c: Every(c["OUTCOME_CHECK_EVERY_MINUTES"]),
        ("OUTCOME_CHECK_EVERY_MINUTES", "OUTCOME_GRACE_DAYS")),
    Job("webhooks", "Deliver webhooks (retries with backoff)", integrations.deliver_webhooks,
        lambda c: Every(c["WEBHOOK_EVERY_MINUTES"]),
        ("WEBHOOK_EVERY_MINUTES", "WEBHOOK_MAX_ATTEMPTS", "WEBHOOK_TIMEOUT_SECONDS")),
    Job("report_memo", "Count the reports' settled months before anyone asks",
        reports.keep_settled_months, _daily("REPORT_MEMO_AT"),
        ("REPORT_MEMO_AT", "HOTLINE_TIMEZONE")),
    Job("api_upkeep", "Forget idempotency keys and call counters past their time",
        integrations.forget, lambda _c: Every(60), ("IDEMPOTENCY_HOURS",)),
]}
