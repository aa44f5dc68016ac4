"""The shelter's staff report link: which version of it is live. The signing itself is the
app's (it holds the secret key); a link carries (shelter id, version) and dies when the
version moves on."""

from datetime import datetime

from sqlalchemy.orm import Session

from ..places import Shelter
from .common import as_naive_utc, lock


def issue_staff_link(session: Session, shelter: Shelter, at: datetime) -> int:
    """A new link version (issue or reissue): every older link stops working. Returns it."""
    shelter = lock(session, Shelter, shelter.id)
    shelter.staff_link_version += 1
    shelter.staff_link_issued_at = as_naive_utc(at)
    session.flush()
    return shelter.staff_link_version


def revoke_staff_link(session: Session, shelter: Shelter) -> None:
    """No link works any more until a new one is issued."""
    shelter = lock(session, Shelter, shelter.id)
    shelter.staff_link_version += 1
    shelter.staff_link_issued_at = None
    session.flush()


def staff_link_is_live(shelter: Shelter, version: int) -> bool:
    return shelter.staff_link_issued_at is not None and shelter.staff_link_version == version
