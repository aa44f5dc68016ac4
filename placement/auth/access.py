"""Deny by default: every view states which roles may use it.

`@roles(Role.COORDINATOR)` or `@public` mark a view; the check runs before every request
(before CSRF, so a forbidden POST answers 403 whatever its token). A view that declares
nothing answers 403 to everyone, so a forgotten declaration fails closed.

The integration API's views say `@keyed(scope)` instead: no person's session opens them,
only an integration key with that scope, checked here by the function the API registers
(`app.extensions["key_check"]`); without it they answer 403 like any undeclared view.
"""

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import login_manager
from .models import Role

F = TypeVar("F", bound=Callable)

PUBLIC = frozenset({"public"})
KEY = frozenset({"integration key"})  # views for programs holding an integration key
ALL_ROLES = frozenset(Role)
# Endpoints served by extensions (static files); they carry no data.
EXEMPT_ENDPOINTS = frozenset({"static", "bootstrap.static"})
# All a person with a temporary password may do: choose their own, or sign out.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.account", "auth.change_password", "auth.logout"})


def roles(*allowed: Role) -> Callable[[F], F]:
    if not allowed:
        raise ValueError("name at least one role")

    def mark(view: F) -> F:
        view.allowed_roles = frozenset(allowed)
        return view

    return mark


def public(view: F) -> F:
    view.allowed_roles = PUBLIC
    return view


def keyed(scope) -> Callable[[F], F]:
    """A view of the integration API: only a valid key holding `scope` may call it."""
    def mark(view: F) -> F:
        view.allowed_roles = KEY
        view.key_scope = scope
        return view

    return mark


def signed_in(view: F) -> F:
    """Any signed-in role (the home page, the account page)."""
    view.allowed_roles = ALL_ROLES
    return view


def allowed_roles(endpoint: str) -> frozenset | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def enforce_roles():
    endpoint = request.endpoint
    if endpoint is None or endpoint in EXEMPT_ENDPOINTS:
        return None  # 404/405 or a static file
    allowed = allowed_roles(endpoint)
    if allowed is None:
        current_app.logger.error("view %s declares no roles: denied", endpoint)
        abort(403)
    if allowed is PUBLIC:
        return None
    if allowed is KEY:
        check = current_app.extensions.get("key_check")
        if check is None:
            abort(403)
        return check(current_app.view_functions[endpoint].key_scope)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        flash("Choose your own password before you go on: the one you were given works only "
              "once.", "warning")
        return redirect(url_for("auth.account"))
    if current_user.role not in allowed:
        # Who tried what, never the URL's query (ids only; no case data in URLs anyway).
        current_app.logger.warning("access denied: user %s (%s) to %s", current_user.id,
                                   current_user.role.value, endpoint)
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_roles)
