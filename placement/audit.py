"""The audit log: who did what to which record, when. Never case details.

Who acted is a kind (`ActorKind`) and, for a person, their account. The kind comes from
where the work runs, never from a guess on the page: a request with a signed-in user is
that user; the job runner, the staff report link and a planner run say what they are with
`acting_as`; any command of `flask ...` is the command line. A run started by a person
(Plan now, a critical filing) carries that person into its thread (`carrying_actor`). A web
request made with an integration key is that key (`g.audit_actor`, set by the key check):
its id, never the key.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import wraps
from typing import TypeVar

from sqlalchemy import ForeignKey, Index, String, event, insert, inspect, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from partners.base import Base, utcnow

F = TypeVar("F", bound=Callable)


class ActorKind(StrEnum):
    """The kinds of actor, once. Stored as the value in `audit_event.actor_kind`."""

    USER = "user"  # a person signed in (their account is the event's actor_id)
    VISITOR = "visitor"  # someone not signed in: a failed sign-in
    JOB = "job"  # a scheduled job
    CLI = "cli"  # a `flask ...` command on the server
    STAFF_LINK = "staff_link"  # shelter staff through their shelter's report link
    API_KEY = "api_key"  # an integration key (its id is the event's actor_key_id)

    @property
    def label(self) -> str:
        return {"user": "user", "visitor": "someone not signed in", "job": "scheduled job",
                "cli": "command line", "staff_link": "staff link",
                "api_key": "API key"}[self.value]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind | None  # None: the work ran where nobody said who acts (a defect)
    user_id: int | None = None
    key_id: int | None = None  # an integration key's id (ActorKind.API_KEY)

    @property
    def stored_kind(self) -> str | None:  # the plain string: drivers may dump enums by name
        return self.kind.value if self.kind else None


_acting: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(kind: ActorKind, user_id: int | None = None,
              key_id: int | None = None) -> Iterator[Actor]:
    """Everything recorded inside is by this actor (the job runner, the staff link...)."""
    actor = Actor(kind, user_id, key_id)
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def acts_as(kind: ActorKind) -> Callable[[F], F]:
    """A view whose every change is by `kind` (the staff report link)."""
    def mark(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            with acting_as(kind):
                return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return mark


def current_actor() -> Actor:
    explicit = _acting.get()
    if explicit is not None:
        return explicit
    from flask import g, has_request_context
    from flask_login import current_user

    if has_request_context():
        if (caller := g.get("audit_actor")) is not None:
            return caller
        if current_user and current_user.is_authenticated:
            return Actor(ActorKind.USER, current_user.id)
        return Actor(ActorKind.VISITOR)
    import click

    if click.get_current_context(silent=True) is not None:  # inside `flask <command>`
        return Actor(ActorKind.CLI)
    return Actor(None)


def carrying_actor(target: Callable) -> Callable:
    """`target` run in another thread by whoever is acting now (threads start with no
    context of their own: a planner run would otherwise be nobody's)."""
    actor = current_actor()

    @wraps(target)
    def run(*args, **kwargs):
        if actor.kind is None:
            return target(*args, **kwargs)
        with acting_as(actor.kind, actor.user_id, actor.key_id):
            return target(*args, **kwargs)
    return run


# The reports count a stay's extensions from the log (placement/reports/figures.py): a
# small index of those events alone, so that counting them never reads the whole log.
EXTENSIONS_SQL = "action = 'extend'"


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_extensions", "subject_id", sqlite_where=text(EXTENSIONS_SQL),
              postgresql_where=text(EXTENSIONS_SQL)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: not a person
    # Who acted: a user, a scheduled job, the command line, a staff link, an API key.
    actor_kind: Mapped[str | None] = mapped_column(String(20))
    # The integration key that acted (its id, never the key itself).
    actor_key_id: Mapped[int | None] = mapped_column(ForeignKey("integration_key.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(40))  # "booking", "request", ...
    subject_id: Mapped[int] = mapped_column(index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    # Operational detail only (a confirmation number, a count of nights), never case data.
    detail: Mapped[str | None] = mapped_column(String(300))

    @property
    def kind(self) -> ActorKind | None:
        try:
            return ActorKind(self.actor_kind)
        except ValueError:  # None: an event from before kinds were recorded
            return None


def record(session: Session, actor_id: int | None, action: str, subject: str, subject_id: int,
           from_state: str | None = None, to_state: str | None = None,
           detail: str | None = None) -> AuditEvent:
    """`actor_id` names the person who acted (a sign-in before the session knows them);
    None: whoever is acting here (a signed-in user, the job, the command line...)."""
    actor = Actor(ActorKind.USER, actor_id) if actor_id is not None else current_actor()
    event = AuditEvent(actor_id=actor.user_id, actor_kind=actor.stored_kind,
                       actor_key_id=actor.key_id, action=action,
                       subject=subject, subject_id=subject_id, from_state=from_state,
                       to_state=to_state, detail=detail)
    session.add(event)
    return event


# Every change to these records is on the log, whoever makes it and from wherever (pages,
# CLI, jobs): which record, what kind of change, and which fields, never the values.
# Bookings and requests write richer events of their own (their state changes).
AUDITED = frozenset({"user", "shelter", "hotel", "loyalty_program", "donor", "points_lot",
                     "shelter_night", "hotel_night", "need", "organization", "integration_key",
                     "webhook_subscription"})
QUIET_FIELDS = frozenset({"last_login_at", "totp_last_step", "updated_at"})


def _changed_fields(instance) -> list[str]:
    """Its columns that changed, and its many-to-many sets (a place's offers are its own
    fields, kept in an association table)."""
    state = inspect(instance)
    owned = [rel for rel in state.mapper.relationships if rel.secondary is not None]
    return sorted(attr.key for attr in [*state.mapper.column_attrs, *owned]
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
        actor = current_actor()
        now = utcnow()
        session.connection().execute(insert(AuditEvent.__table__), [
            {**row, "actor_id": actor.user_id, "actor_kind": actor.stored_kind,
             "actor_key_id": actor.key_id, "at": now,
             "from_state": None, "to_state": None}
            for row in rows])


def init_app() -> None:
    if not event.contains(Session, "after_flush", _record_changes):
        event.listen(Session, "after_flush", _record_changes)
