"""The audit log: who did what to which record, when. Never case details."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from partners.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: not a person
    # Who acted: a user, a scheduled job, the command line, a staff link (later an API key).
    actor_kind: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(40))  # "booking", "request", ...
    subject_id: Mapped[int] = mapped_column(index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    # Operational detail only (a confirmation number, a count of nights), never case data.
    detail: Mapped[str | None] = mapped_column(String(300))


def record(session: Session, actor_id: int | None, action: str, subject: str, subject_id: int,
           from_state: str | None = None, to_state: str | None = None,
           detail: str | None = None) -> AuditEvent:
    event = AuditEvent(actor_id=actor_id, action=action, subject=subject, subject_id=subject_id,
                       from_state=from_state, to_state=to_state, detail=detail)
    session.add(event)
    return event



# Every change to these records is on the log, whoever makes it and from wherever (pages,
# CLI, jobs): which record, what kind of change, and which fields, never the values.
# Bookings and requests write richer events of their own (their state changes).
AUDITED = frozenset({"user", "shelter", "hotel", "loyalty_program", "donor", "points_lot",
                     "shelter_night", "hotel_night"})
QUIET_FIELDS = frozenset({"last_login_at", "totp_last_step", "updated_at"})


def _actor_id() -> int | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def _changed_fields(instance) -> list[str]:
    state = inspect(instance)
    return sorted(attr.key for attr in state.mapper.column_attrs
                  if attr.key not in QUIET_FIELDS
                  and state.attrs[attr.key].history.has_changes())


def _record_changes(session, _flush_context) -> None:
    rows = []
    for action, instances in (("create", session.new), ("update", session.dirty),
                              ("delete", session.deleted)):
        for instance in instances:
            if getattr(instance, "__tablename__", None) not in AUDITED:
                continue
            fields = _changed_fields(instance) if action == "update" else []
            if action == "update" and not fields:
                continue
            rows.append({"action": action, "subject": instance.__tablename__,
                         "subject_id": instance.id, "detail": ", ".join(fields)[:300] or None})
    if rows:
        actor = _actor_id()
        now = utcnow()
        session.connection().execute(insert(AuditEvent.__table__), [
            {**row, "actor_id": actor, "at": now, "from_state": None, "to_state": None}
            for row in rows])


def init_app() -> None:
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "after_flush", _record_changes)
