"""What happened to the requests the API filed: one event per change of status, read by the
feed of changes (a cursor) and delivered to webhooks.

Every change of a request's status goes through the ORM (requests/states.py `move`, and a
filing), so a session listener sees them all, from pages, jobs and the API alike, without
the request and booking code knowing about the API. The events are written just before
COMMIT, under a lock on PostgreSQL that only such a commit takes, so events are numbered in
the order their transactions commit: a program that read up to event 41 can never later
find a 40 it missed (with ids handed out at flush time, a slow transaction could commit 40
after another had committed 41). The lock is the last one such a transaction takes, so it
adds no deadlock. Each event gets one delivery row per active webhook of its organization
in the same transaction: a committed change is always delivered, at least once.
"""

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from partners.base import Base, utcnow
from partners.organizations import Organization

from ..database import one_at_a_time
from ..requests.models import HousingRequest
from .filings import ApiFiling

_PENDING = "api.request_changes"
CHUNK = 500  # ids in one IN (...): SQLite takes at most 32,766 parameters


class RequestEvent(Base):
    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)  # the event id and the feed's cursor
    request_id: Mapped[int] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[HousingRequest] = relationship()


class WebhookSubscription(Base):
    """An https address of an organization that hears of every change of its requests."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The signing secret, encrypted like notes (we must read it back to sign).
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    organization: Mapped[Organization] = relationship()


class WebhookDelivery(Base):
    """One event to one subscription: tried until its address answers 2xx, or given up."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("event_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("request_event.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow, index=True)
    last_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]  # the HTTP status of the last answer
    last_error: Mapped[str | None] = mapped_column(String(200))  # a kind, never a body
    delivered_at: Mapped[datetime | None]

    event: Mapped[RequestEvent] = relationship()
    subscription: Mapped[WebhookSubscription] = relationship()


def _collect(session: Session, _context) -> None:
    """After each flush: the requests filed, and those whose status changed."""
    changed = [(obj.id, obj.status.value) for obj in session.new
               if isinstance(obj, HousingRequest)]
    changed += [(obj.id, obj.status.value) for obj in session.dirty
                if isinstance(obj, HousingRequest)
                and inspect(obj).attrs.status.history.has_changes()]
    if changed:
        session.info.setdefault(_PENDING, []).extend(changed)


def _write(session: Session) -> None:
    """Before COMMIT: the events of requests filed through the API, and their deliveries."""
    session.flush()  # the last changes are collected too
    changes = session.info.pop(_PENDING, None)
    if not changes:
        return
    ids = sorted({request_id for request_id, _ in changes})
    owners = {}
    for start in range(0, len(ids), CHUNK):  # a bulk load changes thousands at once
        owners.update(session.execute(
            select(ApiFiling.request_id, ApiFiling.organization_id)
            .where(ApiFiling.request_id.in_(ids[start:start + CHUNK]))).all())
    if not owners:
        return
    one_at_a_time(session, "request_event")
    at = utcnow()
    events = [RequestEvent(request_id=request_id, organization_id=owners[request_id],
                           status=status, at=at)
              for request_id, status in changes if request_id in owners]
    session.add_all(events)
    session.flush()
    hooks = session.execute(
        select(WebhookSubscription.id, WebhookSubscription.organization_id)
        .where(WebhookSubscription.active,
               WebhookSubscription.organization_id.in_(set(owners.values())))).all()
    session.add_all(WebhookDelivery(event_id=e.id, subscription_id=hook_id, next_attempt_at=at)
                    for e in events for hook_id, org_id in hooks
                    if org_id == e.organization_id)
    session.flush()
    session.info.pop(_PENDING, None)


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


def init_app() -> None:
    for name, listener in (("after_flush", _collect), ("before_commit", _write),
                           ("after_soft_rollback", _forget)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def changes_since(session: Session, organization_id: int, after: int, limit: int) -> list:
    """The organization's events after the cursor `after`, oldest first: (id, case code,
    status, at)."""
    return session.execute(
        select(RequestEvent.id, HousingRequest.case_code, RequestEvent.status, RequestEvent.at)
        .join(HousingRequest, HousingRequest.id == RequestEvent.request_id)
        .where(RequestEvent.organization_id == organization_id, RequestEvent.id > after)
        .order_by(RequestEvent.id).limit(limit)).all()
