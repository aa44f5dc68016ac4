"""Login throttling per account and per address, with a growing delay.

Failures are kept by a hash of the e-mail (the same for accounts that exist and those
that do not, so the delay tells nothing) and by address. Past a few failures, each new one
doubles the wait, up to an hour. A success clears the account's failures.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from partners.base import Base, utcnow

WINDOW = timedelta(minutes=30)
FREE_ACCOUNT_FAILURES = 5
FREE_ADDRESS_FAILURES = 20
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)


class LoginFailure(Base):
    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    account: Mapped[str] = mapped_column(String(64), index=True)  # sha256 of the e-mail
    address: Mapped[str] = mapped_column(String(64), index=True)


def account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    wait_seconds: int = 0


def _delay(failures: int, free: int) -> timedelta:
    if failures < free:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - free), MAX_DELAY)


@dataclass(frozen=True)
class FailureState:
    """Recent failures of one account or address, and how long it must wait now (0: free).
    Admins see an account's on its page."""

    failures: int
    last: datetime | None
    wait_seconds: int


def _state(session: Session, column, key: str, free: int, now: datetime) -> FailureState:
    count, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at))
        .where(column == key, LoginFailure.at >= now - WINDOW)
    ).one()
    wait = 0
    if count and last is not None:
        until = last + _delay(count, free)
        if until > now:
            wait = int((until - now).total_seconds()) + 1
    return FailureState(count or 0, last, wait)


def account_state(session: Session, email: str, now: datetime | None = None) -> FailureState:
    return _state(session, LoginFailure.account, account_key(email), FREE_ACCOUNT_FAILURES,
                  now or utcnow())


def check(session: Session, email: str, address: str, now: datetime | None = None) -> Verdict:
    now = now or utcnow()
    wait = max(account_state(session, email, now).wait_seconds,
               _state(session, LoginFailure.address, address, FREE_ADDRESS_FAILURES,
                      now).wait_seconds)
    return Verdict(False, wait) if wait else Verdict(True)


def record_failure(session: Session, email: str, address: str, now: datetime | None = None):
    session.add(LoginFailure(account=account_key(email), address=address, at=now or utcnow()))


def clear(session: Session, email: str, now: datetime | None = None) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.account == account_key(email)))
    # Old failures of every account go too, so the table stays small.
    session.execute(delete(LoginFailure).where(LoginFailure.at < (now or utcnow()) - WINDOW))
