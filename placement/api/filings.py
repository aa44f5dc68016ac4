"""Which organization's key filed each request, and the idempotency of filing.

A program that files a request and never hears back (a timeout, a dropped connection)
retries with the same `Idempotency-Key`: the retry gets the first answer again and files
nothing, even when the retries arrive at the same instant on two workers. The key is
claimed first, in the request's transaction, by a row that is unique per (integration
key, idempotency key): on PostgreSQL a second claim waits for the first transaction and
fails once it commits (then the answer is read back), on SQLite writers take turns.

We keep no reference of the program's (it would lead back to its case records): the
idempotency key is kept only as an HMAC under the app's secret key, with the answer, for
IDEMPOTENCY_HOURS; then both are forgotten and only "this key's organization filed this
request" stays.
"""

import hashlib
import hmac
import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import JSON, ForeignKey, LargeBinary, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from partners.base import Base, utcnow

from ..requests.models import HousingRequest
from .keys import Caller


class ApiFiling(Base):
    __tablename__ = "api_filing"
    __table_args__ = (UniqueConstraint("key_id", "idempotency_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None only inside the transaction that claims the idempotency key and files.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("integration_key.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    # HMAC of the Idempotency-Key, the body's SHA-256 and the answer; None once forgotten.
    idempotency_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    body_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


MAX_IDEMPOTENCY_KEY = 200


def idempotency_digest(key_id: int, idempotency_key: str) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{key_id}:{idempotency_key}".encode(), hashlib.sha256).digest()


def body_digest(body: object) -> bytes:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                     default=str).encode()).digest()


def earlier_filing(session: Session, caller: Caller, digest: bytes) -> ApiFiling | None:
    return session.scalar(select(ApiFiling).where(ApiFiling.key_id == caller.key_id,
                                                  ApiFiling.idempotency_digest == digest))


def claim(session: Session, caller: Caller, digest: bytes, body: bytes) -> ApiFiling | None:
    """Claim the idempotency key for a filing in this transaction; None when an earlier or
    concurrent filing holds it (the transaction is then rolled back: nothing was done)."""
    filing = ApiFiling(key_id=caller.key_id, organization_id=caller.organization_id,
                       idempotency_digest=digest, body_digest=body)
    session.add(filing)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return filing


def visible_request(session: Session, caller: Caller, case_code: str) -> HousingRequest | None:
    """The request with this case code, if a key of the caller's organization filed it."""
    return session.scalar(
        select(HousingRequest).join(ApiFiling, ApiFiling.request_id == HousingRequest.id)
        .where(HousingRequest.case_code == case_code,
               ApiFiling.organization_id == caller.organization_id))


def forget_idempotency(session: Session, now: datetime) -> int:
    """Forget the idempotency keys and answers older than IDEMPOTENCY_HOURS."""
    before = now - timedelta(hours=current_app.config["IDEMPOTENCY_HOURS"])
    result = session.execute(
        update(ApiFiling).where(ApiFiling.created_at < before,
                                ApiFiling.idempotency_digest.is_not(None))
        .values(idempotency_digest=None, body_digest=None, response=None))
    return result.rowcount or 0


def filed_through(session: Session, request: HousingRequest) -> str | None:
    """"Harbor Network, through its key CRM" for a request filed through the API (the
    coordinators' request page says who filed it), None for one an advocate filed."""
    from partners.organizations import Organization

    from .keys import IntegrationKey

    found = session.execute(
        select(Organization.name, IntegrationKey.name)
        .join(IntegrationKey, IntegrationKey.organization_id == Organization.id)
        .join(ApiFiling, ApiFiling.key_id == IntegrationKey.id)
        .where(ApiFiling.request_id == request.id)).first()
    return f"{found[0]}, through its key {found[1]!r} (integration API)" if found else None


def filed_by(session: Session, request: HousingRequest) -> str:
    """Who filed a request, as the coordinators' views say it: "Hotline" for the hotline's
    advocates, the agency's name for a referrer's, the organization and its key for a
    filing through this API. Lists call it once a row: people's labels are kept for the
    page (a queue of 100 rows has a handful of filers); an API filing is read per row."""
    if request.created_by_id is None:
        return filed_through(session, request) or "Integration API"
    from flask import g

    from ..auth.models import User

    labels = g.setdefault("filer_labels", {})
    if request.created_by_id not in labels:
        user = session.get(User, request.created_by_id)
        labels[request.created_by_id] = user.organization_label if user else "Hotline"
    return labels[request.created_by_id]
