"""Response headers and session lifetimes: the same rules on every page.

- A strict Content-Security-Policy (no inline script or style anywhere, so nothing but our
  own files runs), no framing, no MIME sniffing, no referrer leaving the site.
- `Cache-Control: no-store` on every page a signed-in person sees (case data must not
  stay in a shared computer's cache) and on the shelter staff pages.
- HSTS when served over HTTPS.
- Sessions end after 15 idle minutes for advocates, coordinators and admins
  (SESSION_IDLE_MINUTES for donors) and after an absolute lifetime, whatever the activity.
"""

import hashlib
import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from .auth.models import Role
from .logs import signed_in_user_id

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# Everyone who can read case data or change accounts: advocates, referrers, coordinators,
# admins.
SHORT_IDLE_ROLES = (Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR, Role.ADMIN)


def set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    is_static = request.endpoint in ("static", "bootstrap.static")
    # Who is signed in, from the identity map: after the request's commit, asking
    # current_user.is_authenticated would load the account again (one query a page).
    signed_in = signed_in_user_id() is not None
    if not is_static and (signed_in or request.blueprint == "report"):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def idle_limit_seconds(app: Flask) -> int:
    minutes = (app.config["SESSION_IDLE_MINUTES_SHORT"]
               if current_user.role in SHORT_IDLE_ROLES else app.config["SESSION_IDLE_MINUTES"])
    return int(minutes * 60)


def passive(view):
    """A view a page calls by itself (a status poll): it is not the person's activity, so
    it never extends the idle sign-out, and a session that has ended answers 401, not a
    redirect to the sign-in page."""
    view.passive = True
    return view


def is_passive() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "passive", False)


def enforce_session_lifetime(app: Flask):
    """Runs before the role check: an expired session is signed out first."""
    if request.endpoint in ("static", "bootstrap.static") or not current_user.is_authenticated:
        return None
    now = int(time.time())
    started = session.get("started_at", now)
    last_seen = session.get("last_seen", now)
    too_idle = now - last_seen > idle_limit_seconds(app)
    too_old = now - started > app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    if is_passive():  # a poll: neither activity nor a page to send to the sign-in
        return ({"signed_out": True}, 401) if too_idle or too_old else None
    if too_idle or too_old:
        logout_user()
        session.clear()
        flash("You were signed out after a period without activity. Sign in again to go on; "
              "a request form you were filling in is kept in this tab.", "info")
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("auth.login"))
    session["started_at"] = started
    session["last_seen"] = now
    return None


# The probes and the metrics scraper: no session is read or written there (no cookie, no
# idle clock, no user looked up), whoever calls. Nor under /api/: the integration API takes
# only its keys, never a cookie, which is why it needs no CSRF token (a page on another
# site can make a browser send our cookies, never a key it does not have).
SESSIONLESS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SESSIONLESS_PREFIX = "/api/"


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, signed with HMAC-SHA256 instead of its default SHA-1."""

    digest_method = staticmethod(hashlib.sha256)

    def open_session(self, app, request):
        if request.path in SESSIONLESS_PATHS or request.path.startswith(SESSIONLESS_PREFIX):
            return None  # Flask's null session: reads as empty, refuses writes
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookies()
    app.before_request(lambda: enforce_session_lifetime(app))
    app.after_request(set_headers)
