"""Integration keys: what a program presents to use the API, and what it may do with it.

A key is shown once, when an admin creates it: `sbk_<id>_<secret>`. We keep the id (to find
the row) and the SHA-256 of the secret, compared in constant time; the secret is 256 random
bits, so a hash without salt or stretching cannot be reversed (a password needs Argon2
because people choose guessable ones; nobody chooses these). A key has scopes, an expiry,
an owner organization and a rate limit; revoking it, or its organization being made
inactive, refuses its next call, on every worker and host, since every call reads the row.

The rate limit is a fixed window per key and minute counted in the database
(`api_rate_window`), so that every worker and host shares it: one atomic upsert per call
(INSERT ... ON CONFLICT DO UPDATE ... RETURNING) in a transaction of its own that commits
at once, so no call holds the counter's row while its work runs.
"""

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, LargeBinary, String, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from partners.base import Base, utcnow
from partners.organizations import Organization

from ..extensions import db


class Scope(enum.StrEnum):
    FILE = "requests:file"
    READ = "requests:read"
    WITHDRAW = "requests:withdraw"
    AVAILABILITY = "availability:read"
    REPORTS = "reports:read"

    @property
    def label(self) -> str:
        return {
            "requests:file": "File requests",
            "requests:read": "Read the status and placement card of its requests",
            "requests:withdraw": "Withdraw its requests",
            "availability:read": "Read availability aggregates",
            "reports:read": "Read reports (aggregates)",
        }[self.value]


TOKEN_RE = re.compile(r"sbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
MAX_RATE_LIMIT = 100_000
DEFAULT_RATE_LIMIT = 120  # calls a minute
MAX_VALID_DAYS = 730


class IntegrationKey(Base):
    __tablename__ = "integration_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12), unique=True)  # the token's public id
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))  # SHA-256 of the secret
    scopes: Mapped[str] = mapped_column(String(200))  # Scope values, space-separated
    rate_limit: Mapped[int] = mapped_column(default=DEFAULT_RATE_LIMIT)  # calls a minute
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    last_used_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(s) for s in self.scopes.split())

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now

    @property
    def shown_id(self) -> str:
        return f"sbk_{self.prefix}"


class RateWindow(Base):
    """Calls of one key in one minute (its start, naive UTC)."""

    __tablename__ = "api_rate_window"

    key_id: Mapped[int] = mapped_column(
        ForeignKey("integration_key.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    calls: Mapped[int] = mapped_column(default=0)


class KeyIssueError(ValueError):
    """A key that cannot be created as asked; the message says why."""


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def issue_key(session: Session, organization: Organization, name: str, scopes: set[Scope],
              expires_at: datetime, rate_limit: int, created_by_id: int | None,
              now: datetime | None = None) -> tuple[IntegrationKey, str]:
    """A new key and its token, which is never stored and cannot be shown again."""
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name:
        raise KeyIssueError("Give the key a name (what uses it).")
    if not scopes:
        raise KeyIssueError("Choose at least one thing the key may do.")
    if not now < expires_at <= now + timedelta(days=MAX_VALID_DAYS):
        raise KeyIssueError(f"The expiry must be in the future, at most {MAX_VALID_DAYS} days on.")
    if not 1 <= rate_limit <= MAX_RATE_LIMIT:
        raise KeyIssueError(f"The rate limit is from 1 to {MAX_RATE_LIMIT:,} calls a minute.")
    if not organization.active:
        raise KeyIssueError(f"{organization.name} is inactive: it cannot be given keys.")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = IntegrationKey(
        organization=organization, name=name[:100], prefix=prefix, secret_hash=digest(secret),
        scopes=" ".join(sorted(s.value for s in scopes)), rate_limit=rate_limit,
        expires_at=expires_at, created_by_id=created_by_id)
    session.add(key)
    session.flush()
    return key, f"sbk_{prefix}_{secret}"


def revoke(session: Session, key: IntegrationKey, actor_id: int | None) -> bool:
    """Revoke `key` now (False: it already was)."""
    if key.revoked_at is not None:
        return False
    key.revoked_at, key.revoked_by_id = utcnow(), actor_id
    session.flush()
    return True


@dataclass(frozen=True)
class Caller:
    """Who is calling: a valid key, for the rest of the request."""

    key_id: int
    organization_id: int
    scopes: frozenset[Scope]


class Refused(Exception):
    def __init__(self, status: int, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.retry_after = status, detail, retry_after


INVALID = ("This key is not valid: it is unknown, revoked or expired, or its organization "
           "is inactive. Ask the hotline's admins for a new one.")
_DUMMY = digest("not a key")


def caller_of(authorization: str | None, now: datetime) -> Caller:
    """The caller presenting `Authorization: Bearer <token>`, its call counted against its
    key's rate limit; Refused (401 or 429) otherwise. Reads and writes on connections of its
    own, before the request's transaction begins."""
    scheme, _, token = (authorization or "").partition(" ")
    match = TOKEN_RE.fullmatch(token.strip()) if scheme.lower() == "bearer" else None
    if match is None:
        raise Refused(401, "Send the API key as `Authorization: Bearer sbk_...`.")
    prefix, secret = match.groups()
    with db.engine.connect() as connection:
        row = connection.execute(
            select(IntegrationKey.id, IntegrationKey.secret_hash, IntegrationKey.scopes,
                   IntegrationKey.organization_id, IntegrationKey.rate_limit,
                   IntegrationKey.expires_at, IntegrationKey.revoked_at,
                   IntegrationKey.last_used_at, Organization.active)
            .join(Organization, Organization.id == IntegrationKey.organization_id)
            .where(IntegrationKey.prefix == prefix)).first()
        connection.rollback()
    # Compared in constant time, and compared even for an unknown id.
    matches = hmac.compare_digest(digest(secret), row.secret_hash if row else _DUMMY)
    if row is None or not matches or row.revoked_at is not None or row.expires_at <= now \
            or not row.active:
        raise Refused(401, INVALID)
    calls, retry_after = count_call(row.id, now, touch=_stale(row.last_used_at, now))
    if calls > row.rate_limit:
        raise Refused(429, f"This key may make {row.rate_limit} calls a minute; wait "
                           f"{retry_after} seconds.", retry_after)
    return Caller(row.id, row.organization_id, frozenset(Scope(s) for s in row.scopes.split()))


def _stale(last_used: datetime | None, now: datetime) -> bool:
    return last_used is None or now - last_used > timedelta(minutes=1)


COUNT = text("""
INSERT INTO api_rate_window (key_id, window_start, calls) VALUES (:key, :start, 1)
ON CONFLICT (key_id, window_start) DO UPDATE SET calls = api_rate_window.calls + 1
RETURNING calls
""")


def count_call(key_id: int, now: datetime, touch: bool = False) -> tuple[int, int]:
    """Count one call of the key in this minute: (calls so far, seconds left in it). Its
    own transaction, whose first statement writes (SQLite then waits for the write lock
    instead of failing to upgrade a read), committed at once."""
    start = now.replace(second=0, microsecond=0)
    with db.engine.begin() as connection:
        calls = connection.execute(COUNT, {"key": key_id, "start": start}).scalar_one()
        if touch:  # when it was last used, to the minute: one write a minute at most
            connection.execute(update(IntegrationKey).where(IntegrationKey.id == key_id)
                               .values(last_used_at=now))
    return calls, max(1, 60 - now.second)


def forget_windows(session: Session, now: datetime) -> int:
    """Delete the counters of minutes that are over (an hourly job)."""
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    result = session.execute(RateWindow.__table__.delete()
                             .where(RateWindow.window_start < start))
    return result.rowcount or 0
