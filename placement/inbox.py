"""Each user's in-app inbox: what happened to their cases (a stay approved, a place said
no, an alert), beside the e-mail. A message carries the case code, a fixed sentence and a
link, never case details: its reader may already see the case it points to."""

from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, Index, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from partners.base import Base, utcnow


class InboxMessage(Base):
    __tablename__ = "inbox_message"
    __table_args__ = (Index("ix_inbox_message_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # The case it is about (gone with the case when retention purges it).
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # "placed", "declined", "alert"...
    text: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300))  # a path inside the app
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


def path(endpoint: str, **values) -> str:
    """A message's link: the page's path, built without a request (jobs post too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def post(session: Session, user_id: int, kind: str, text: str, link: str,
         request_id: int | None = None) -> InboxMessage:
    message = InboxMessage(user_id=user_id, kind=kind, text=text[:300], link=link[:300],
                           request_id=request_id)
    session.add(message)
    return message


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))) or 0


def mark_read(session: Session, user_id: int, now: datetime,
              message_id: int | None = None) -> None:
    """One message, or all of the user's, read now."""
    query = update(InboxMessage).where(InboxMessage.user_id == user_id,
                                       InboxMessage.read_at.is_(None))
    if message_id is not None:
        query = query.where(InboxMessage.id == message_id)
    session.execute(query.values(read_at=now))
