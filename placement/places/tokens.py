"""Signed, expiring staff report links: one live link per shelter, killed at once by
revoking or reissuing (the shelter's link version moves on)."""

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from partners.availability import staff_link_is_live
from partners.places import Shelter

from ..extensions import db

SALT = "shelter-bridge/staff-report-link"  # a token for this purpose only
LINK_LIFETIME = timedelta(days=30)
ASK = " Please call the hotline and ask a coordinator for a new link."


class LinkRefused(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def staff_token(shelter: Shelter) -> str:
    return _serializer().dumps([shelter.id, shelter.staff_link_version])


def link_expires_at(shelter: Shelter) -> datetime | None:
    """A link lives 30 days from its issue, however often its page is shown."""
    if shelter.staff_link_issued_at is None:
        return None
    return shelter.staff_link_issued_at + LINK_LIFETIME


def shelter_for_token(token: str, now: datetime) -> Shelter:
    """The shelter a live link belongs to, or LinkRefused with what to tell the person."""
    try:
        shelter_id, version = _serializer().loads(
            token, max_age=int(LINK_LIFETIME.total_seconds())
        )
    except SignatureExpired:
        raise LinkRefused("This link has expired." + ASK, 410) from None
    except (BadSignature, ValueError, TypeError):
        raise LinkRefused("This link is not valid. Check that it was copied whole.", 404) from None
    shelter = db.session.get(Shelter, shelter_id) if isinstance(shelter_id, int) else None
    if shelter is None:
        raise LinkRefused("This link is not valid." + ASK, 404)
    expires = link_expires_at(shelter)
    if not staff_link_is_live(shelter, version) or expires is None or now >= expires:
        raise LinkRefused("This link is no longer active." + ASK, 410)
    return shelter
