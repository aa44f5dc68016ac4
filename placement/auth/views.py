from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from partners.base import utcnow

from .. import audit, database
from ..extensions import db
from ..web import safe_local_path
from . import throttle, totp
from .access import public, signed_in
from .forms import ChangePasswordForm, ConfirmForm, LoginForm
from .models import User, dummy_password_check

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_ERROR = "That email and password do not match an active account."


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = User.normalize_email(form.email.data)
        address = request.remote_addr or "unknown"
        verdict = throttle.check(db.session, email, address)
        if not verdict.allowed:
            minutes = max(1, round(verdict.wait_seconds / 60))
            current_app.logger.warning("sign-in refused by the throttle for %s s",
                                       verdict.wait_seconds)
            flash(f"Too many attempts. Wait about {minutes} minute{'s' if minutes != 1 else ''} "
                  "and try again.", "danger")
            return (render_template("auth/login.html", form=form), 429,
                    {"Retry-After": str(verdict.wait_seconds)})
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            dummy_password_check()
            current_app.logger.warning("sign-in failed: no such account")  # never the e-mail
        ok = user is not None and user.active and user.check_password(form.password.data)
        if ok:
            user.last_login_at = utcnow()
            throttle.clear(db.session, email)
            if not totp.required_for(user):
                audit.record(db.session, user.id, "sign_in", "user", user.id)
        else:  # refused with a 401, and counted towards the throttle all the same
            database.keep_on_refusal(lambda: _failed_sign_in(email, address, user))
        if ok:
            next_url = safe_local_path(request.args.get("next"))
            if totp.required_for(user):
                second_step = totp.begin_pending(user)
                session["pending_next"] = next_url
                return redirect(second_step)
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user)
            return redirect(next_url or url_for("home.index"))
        flash(GENERIC_LOGIN_ERROR, "danger")
    status = 200
    if request.method == "POST":
        status = 400 if form.errors else 401
    return render_template("auth/login.html", form=form), status


def _failed_sign_in(email: str, address: str, user: User | None) -> None:
    throttle.record_failure(db.session, email, address)
    if user is not None:  # unknown e-mails leave only the hashed failure
        audit.record(db.session, None, "sign_in_failed", "user", user.id,
                     detail="password" if user.active else "deactivated account")


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    current_user.end_all_sessions()
    audit.record(db.session, current_user.id, "sign_out", "user", current_user.id)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    response = redirect(url_for("auth.login"))
    # The request form keeps a draft in this tab's storage for an idle sign-out; a person
    # who signs out on purpose leaves nothing behind on a shared computer.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account", methods=["GET"])
@signed_in
def account():
    return render_template(
        "auth/account.html", form=ChangePasswordForm(), logout_form=ConfirmForm()
    )


@bp.route("/account/password", methods=["POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        recheck = totp.recheck_password(current_user, form.current_password.data,
                                        "password, changing it")
        if recheck.wait_seconds:
            form.current_password.errors.append("Too many attempts. Wait a few minutes.")
            return (render_template("auth/account.html", form=form, logout_form=ConfirmForm()),
                    429, {"Retry-After": str(recheck.wait_seconds)})
        if recheck.ok:
            current_user.set_password(form.new_password.data)
            # This browser stays signed in (with the new token); all others are out.
            login_user(current_user._get_current_object())
            flash("Password changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append("That is not your current password.")
    return render_template("auth/account.html", form=form, logout_form=ConfirmForm()), 400
