"""The audit log: who did what to which record, when. Never case details."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from partners.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: a job
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
