"""The integration API (issue 19), JSON under /api/v1: a program holding an integration key
files requests, follows them (status, placement card, a feed of changes, webhooks),
withdraws them, and reads availability aggregates.

Its views parse the JSON, call the same service functions as the pages (file_request,
end_request, the placement card), and answer; every refusal is a problem details document
(placement/problems.py). Keys are checked under the same deny-by-default rule as the pages
(placement/auth/access.py `keyed`); no cookie is read under /api/, so no CSRF token is asked.
"""

from datetime import datetime

from flask import Blueprint, Flask, g, request

from partners.availability.common import as_naive_utc

from ..audit import Actor, ActorKind
from ..clock import now
from ..extensions import csrf
from ..problems import problem
from .keys import Refused, Scope, caller_of

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def utc_now() -> datetime:
    """The app's clock as the database keeps moments (naive UTC)."""
    return as_naive_utc(now())


def check_key(scope: Scope):
    """The key check of every keyed view (placement/auth/access.py): None lets the view
    run, with `g.api_caller` and the audit's actor set; otherwise the refusal."""
    try:
        caller = caller_of(request.headers.get("Authorization"), utc_now())
    except Refused as refused:
        headers = ({"WWW-Authenticate": 'Bearer realm="shelter-bridge"'}
                   if refused.status == 401 else {"Retry-After": str(refused.retry_after)})
        return problem(refused.status, refused.detail, headers=headers)
    g.api_caller = caller
    g.audit_actor = Actor(ActorKind.API_KEY, None, caller.key_id)
    if scope not in caller.scopes:
        return problem(403, f"This key may not do this: it needs the scope {scope.value!r} "
                            f"({scope.label.lower()}).")
    return None


@bp.after_request
def no_store(response):
    """Case data must not stay in any cache between the program and us."""
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    from ..extensions import db
    from . import docs, events, filings, reports, views  # noqa: F401  (the routes)
    from .admin import bp as admin_bp

    events.init_app()
    app.extensions["key_check"] = check_key
    app.add_template_global(lambda r: filings.filed_through(db.session, r), "filed_through")
    app.add_template_global(lambda r: filings.filed_by(db.session, r), "filed_by")
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
