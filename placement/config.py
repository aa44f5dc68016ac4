"""Configuration from the environment, with safe defaults for the single-machine quick start."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from .clock import OffsetClock


def instance_secret(instance_path: str, name: str, nbytes: int = 32) -> str:
    """Return a secret kept in the instance folder, generating it on first use.

    Never a key written in the code: a fresh install gets its own random key, kept across
    restarts so that sessions survive them.
    """
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def normalize_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_path(overrides: dict | None = None) -> str | None:
    """The instance folder (secret key, note keys, the default SQLite database): the
    factory's INSTANCE_PATH, else SHELTER_BRIDGE_INSTANCE. None keeps Flask's default:
    `instance/` in the checkout, `<venv>/var/placement-instance` for an installed wheel."""
    path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get("SHELTER_BRIDGE_INSTANCE")
    return os.path.abspath(os.path.expanduser(path)) if path else None


class ConfigError(RuntimeError):
    """A setting production cannot run without; the message says which and how to set it."""


def clock_from_environment(production: bool) -> OffsetClock | None:
    """SHELTER_BRIDGE_CLOCK_OFFSET (seconds, may be negative) moves the app's clock, for the
    processes a test starts (placement/clock.py). Production refuses it unless
    SHELTER_BRIDGE_TESTING=1 says that this is a test: a stray setting must not skew the
    ticks and the days of a real hotline."""
    value = os.environ.get("SHELTER_BRIDGE_CLOCK_OFFSET", "").strip()
    if not value:
        return None
    if production and os.environ.get("SHELTER_BRIDGE_TESTING") != "1":
        raise ConfigError("SHELTER_BRIDGE_CLOCK_OFFSET moves the clock for tests only: unset "
                          "it, or set SHELTER_BRIDGE_TESTING=1 if this is a test")
    try:
        clock = OffsetClock(timedelta(seconds=float(value)))
        clock()  # a moment a datetime can hold
    except (ValueError, OverflowError):
        raise ConfigError("SHELTER_BRIDGE_CLOCK_OFFSET must be a number of seconds, not "
                          f"{value!r}") from None
    return clock


def from_environment(instance_path: str, overrides: dict | None = None) -> dict:
    """Settings read from the environment, then `overrides` (the factory's test_config).

    `SHELTER_BRIDGE_ENV=production` turns the quick start's conveniences off: the secret key
    and note keys must come from the environment (never generated into the instance
    folder), cookies are Secure and `__Host-` by default, and the demo and benchmark
    commands are not registered."""
    overrides = overrides or {}
    env_name = overrides.get("ENV_NAME") or os.environ.get("SHELTER_BRIDGE_ENV", "development")
    production = env_name == "production"
    if production:
        needed = ["SECRET_KEY", "NOTE_KEYS"]
        if overrides.get("BACKUP_DIR") or os.environ.get("BACKUP_DIR"):
            needed.append("BACKUP_KEYS")  # the nightly backup is written only encrypted
        missing = [name for name in needed if not (overrides.get(name) or os.environ.get(name))]
        if missing:
            raise ConfigError(f"set {' and '.join(missing)} in the environment: production "
                              "never generates keys (see the README's Configuration)")
    secure = os.environ.get("SESSION_COOKIE_SECURE", "1" if production else "0") == "1"
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "shelter-bridge.sqlite3")
    )
    settings = {
        "ENV_NAME": env_name,
        "SECRET_KEY": overrides.get("SECRET_KEY")
        or os.environ.get("SECRET_KEY")
        or instance_secret(instance_path, "secret_key"),
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BOOTSTRAP_SERVE_LOCAL": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the session bounds the token's life; see issue on forms
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        # Over HTTPS the cookie is "__Host-": Secure, Path=/, no Domain, so no other host
        # under the same domain can set or shadow it.
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        # The largest form is a CSV of places; anything bigger is refused with a 413.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_MB", "8")) * 1024 * 1024,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PASSWORD_MIN_LENGTH": 12,
        "TOTP_REQUIRED_ROLES": frozenset(
            r.strip() for r in os.environ.get("TOTP_REQUIRED_ROLES", "coordinator,admin").split(",")
            if r.strip()
        ),
        "SESSION_IDLE_MINUTES_SHORT": float(os.environ.get("SESSION_IDLE_MINUTES_SHORT", "15")),
        "SESSION_IDLE_MINUTES": float(os.environ.get("SESSION_IDLE_MINUTES", "60")),
        "SESSION_ABSOLUTE_HOURS": float(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "NOTE_KEYS": os.environ.get("NOTE_KEYS"),
        "BACKUP_KEYS": os.environ.get("BACKUP_KEYS"),  # newest first; never a note key
        "PLANNER_TIME_LIMIT": float(os.environ.get("PLANNER_TIME_LIMIT", "20")),
        "PLANNER_WORKERS": int(os.environ.get("PLANNER_WORKERS", "2")),
        "PLANNER_SYNC": False,  # tests run the planner in the request; the app never does
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Shelter Bridge <no-reply@localhost>"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL"),
        # How many reverse proxies stand in front (0: none, the headers are ignored). With 1,
        # the client address for throttling and HTTPS for HSTS come from X-Forwarded-*.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # The bearer token of /metrics and of /readyz's details; unset, /metrics is a 404.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "HOTLINE_TIMEZONE": os.environ.get("HOTLINE_TIMEZONE", "America/New_York"),
        # Keep the heaviest pages' bodies between two writing commits (placement/page_cache.py);
        # PAGE_CACHE=0 draws every page afresh.
        "PAGE_CACHE": os.environ.get("PAGE_CACHE", "1") != "0",
        # Scheduled jobs (placement.jobs). In-app only for the single-process quick start.
        "SCHEDULER_IN_APP": os.environ.get("SCHEDULER_IN_APP", "0") == "1",
        # A callable returning an aware datetime: tests inject one, or move it by a setting.
        "SCHEDULER_CLOCK": clock_from_environment(production),
        "REPLAN_EVERY_MINUTES": int(os.environ.get("REPLAN_EVERY_MINUTES", "5")),
        "REPLAN_ON_CRITICAL": os.environ.get("REPLAN_ON_CRITICAL", "1") == "1",
        # A place said no: plan that person again at once rather than at the next tick.
        "REPLAN_ON_DECLINE": os.environ.get("REPLAN_ON_DECLINE", "1") == "1",
        # Bridge stays (issue 21): how many times the planner may move a person of each
        # priority (a hotel tonight, a shelter bed the night one opens), unless the
        # coordinators chose for the request or its advocate said no.
        "MOVES_CRITICAL": int(os.environ.get("MOVES_CRITICAL", "1")),
        "MOVES_HIGH": int(os.environ.get("MOVES_HIGH", "1")),
        "MOVES_NORMAL": int(os.environ.get("MOVES_NORMAL", "0")),
        # How often the move days of today and tomorrow are looked for (each reminded once).
        "MOVE_REMINDER_EVERY_MINUTES": int(os.environ.get("MOVE_REMINDER_EVERY_MINUTES", "60")),
        "HOLD_HOURS": float(os.environ.get("HOLD_HOURS", "4")),
        "HOLD_CHECK_EVERY_MINUTES": int(os.environ.get("HOLD_CHECK_EVERY_MINUTES", "15")),
        # The escalation ladder (placement/jobs/escalation.py): minutes after which each
        # alert goes out, once. A shelter is slow after this share of its answer window.
        "ESCALATE_EVERY_MINUTES": int(os.environ.get("ESCALATE_EVERY_MINUTES", "1")),
        "ESCALATE_CRITICAL_ON_CALL_MINUTES": int(
            os.environ.get("ESCALATE_CRITICAL_ON_CALL_MINUTES", "15")),
        "ESCALATE_CRITICAL_ADMINS_MINUTES": int(
            os.environ.get("ESCALATE_CRITICAL_ADMINS_MINUTES", "30")),
        "ESCALATE_HOLD_EXPIRING_MINUTES": int(
            os.environ.get("ESCALATE_HOLD_EXPIRING_MINUTES", "30")),
        "ESCALATE_SHELTER_SLOW_SHARE": float(os.environ.get("ESCALATE_SHELTER_SLOW_SHARE", "0.5")),
        "ROLLOVER_AT": os.environ.get("ROLLOVER_AT", "00:15"),  # hotline time
        "POINTS_EXPIRY_AT": os.environ.get("POINTS_EXPIRY_AT", "01:00"),
        "STALE_CHECK_EVERY_MINUTES": int(os.environ.get("STALE_CHECK_EVERY_MINUTES", "60")),
        "RETENTION_DAYS": int(os.environ.get("RETENTION_DAYS", "90")),
        "RETENTION_AT": os.environ.get("RETENTION_AT", "02:00"),
        # What became of each request (placement/jobs/outcomes.py), a day after its window.
        "OUTCOME_CHECK_EVERY_MINUTES": int(os.environ.get("OUTCOME_CHECK_EVERY_MINUTES", "60")),
        "OUTCOME_GRACE_DAYS": int(os.environ.get("OUTCOME_GRACE_DAYS", "1")),
        # The nightly encrypted backup (placement/jobs/backups.py), off unless BACKUP_DIR is
        # set; after the purge, so that night's backup no longer holds what it removed.
        "BACKUP_DIR": os.environ.get("BACKUP_DIR") or None,
        "BACKUP_AT": os.environ.get("BACKUP_AT", "02:30"),
        # What more points would do: the nightly batch, how often a queued one is looked
        # for, and the solver's seconds for a whole batch (all programs, all steps).
        "WHAT_IF_AT": os.environ.get("WHAT_IF_AT", "03:00"),
        # The reports' settled months counted and kept for the scopes most asked for
        # (placement/reports/upkeep.py), once a night.
        "REPORT_MEMO_AT": os.environ.get("REPORT_MEMO_AT", "03:30"),
        "WHAT_IF_CHECK_EVERY_MINUTES": int(os.environ.get("WHAT_IF_CHECK_EVERY_MINUTES", "1")),
        "WHAT_IF_SECONDS": float(os.environ.get("WHAT_IF_SECONDS", "240")),
        # The integration API (placement/api): a figure of availability is shown over at
        # least this many places; an Idempotency-Key is kept this long; webhooks are sent
        # every WEBHOOK_EVERY_MINUTES, each retried with backoff up to WEBHOOK_MAX_ATTEMPTS.
        "AVAILABILITY_MIN_PLACES": int(os.environ.get("AVAILABILITY_MIN_PLACES", "3")),
        "IDEMPOTENCY_HOURS": int(os.environ.get("IDEMPOTENCY_HOURS", "24")),
        "WEBHOOK_EVERY_MINUTES": int(os.environ.get("WEBHOOK_EVERY_MINUTES", "1")),
        "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "10")),
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5")),
        # Tests only: host:port pairs a webhook may reach though private and over plain
        # http (a receiver on loopback). Empty in production.
        "WEBHOOK_ALLOWED_HOSTS": frozenset(
            h.strip() for h in os.environ.get("WEBHOOK_ALLOWED_HOSTS", "").split(",")
            if h.strip()),
    }
    settings.update(overrides)
    url = settings["SQLALCHEMY_DATABASE_URI"]
    settings["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(url)
    return settings
