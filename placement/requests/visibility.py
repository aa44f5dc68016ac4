"""Whose requests a person may see: the one rule every request page, list, card poll and
withdrawal reads (through `visible_requests`), so that no view restates it.

- A coordinator sees every request.
- An advocate of the hotline sees the requests they filed (a survivor who calls twice
  reaches different advocates: only coordinators see across).
- A referrer (a partner agency's staff) sees the requests filed for their own
  organization (by any of its staff, or by its integration keys from its case system):
  a colleague follows a case when the one who filed it is off shift, and the agency, not
  one person, is the hotline's counterpart for its clients. A referrer of
  no organization sees only their own.
- Nobody else sees any (donors and admins have no request pages).

Someone else's request is answered as if it did not exist (404), so that a case code of
another organization is never confirmed.
"""

from flask import abort, current_app
from sqlalchemy import Select, false, select

from ..auth.models import Role, User
from ..extensions import db
from .models import HousingRequest


def visible_requests(user: User) -> Select:
    """The requests `user` may see, as a query to narrow or order further."""
    query = select(HousingRequest)
    if user.role is Role.COORDINATOR:
        return query
    if user.role is Role.REFERRER and user.organization_id is not None:
        return query.where(HousingRequest.organization_id == user.organization_id)
    if user.role in (Role.ADVOCATE, Role.REFERRER):
        return query.where(HousingRequest.created_by_id == user.id)
    return query.where(false())


def visible_request(user: User, request_id: int) -> HousingRequest:
    """The request if `user` may see it; else 404 (logged: a look at another's case)."""
    found = db.session.scalar(visible_requests(user).where(HousingRequest.id == request_id))
    if found is None:
        if db.session.get(HousingRequest, request_id) is not None:
            current_app.logger.warning("record denied: user %s to request %s", user.id,
                                       request_id)
        abort(404)
    return found
