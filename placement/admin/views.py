"""Admins manage accounts: create, change role, deactivate or reactivate, reset a password,
reset a lost second factor, and lift the sign-in delay of an account locked by failures.
They also keep the vocabulary of needs (what requests need and places offer)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from partners.needs import Need
from partners.organizations import Organization

from ..audit import ActorKind, AuditEvent, record
from ..auth import throttle
from ..auth.access import roles
from ..auth.cli import create_user
from ..auth.forms import ConfirmForm, EditUserForm, NewUserForm, ResetPasswordForm
from ..auth.models import Role, User, role_misfit
from ..auth.totp import set_secret
from ..extensions import db
from .forms import NeedForm, NewNeedForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


def get_user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def organization_choices(form: NewUserForm) -> NewUserForm:
    """The organizations a new account may belong to (active ones), none first."""
    found = db.session.scalars(select(Organization).where(Organization.active)
                               .order_by(Organization.kind, Organization.name))
    form.organization.choices = [
        SelectChoice(0, "None (the hotline)"),
        *(SelectChoice(o.id, f"{o.name} ({o.kind.label.lower()})") for o in found)]
    return form


def render_users(form: NewUserForm, status: int = 200):
    organization_choices(form)
    users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template(
        "admin/users.html", users=users, form=form, confirm=ConfirmForm()
    ), status


@bp.route("/users", methods=["GET"])
@roles(Role.ADMIN)
def users():
    return render_users(NewUserForm())


@bp.route("/users", methods=["POST"])
@roles(Role.ADMIN)
def create():
    form = organization_choices(NewUserForm())
    if form.validate_on_submit():
        organization = (db.session.get(Organization, form.organization.data)
                        if form.organization.data else None)
        role = Role(form.role.data)
        if form.organization.data and (organization is None or not organization.active):
            form.organization.errors.append("Choose an organization from the list.")
        elif misfit := role_misfit(role, organization):
            form.organization.errors.append(misfit)
        else:
            try:
                user = create_user(form.email.data, role, form.password.data, temporary=True,
                                   organization=organization)
            except ValueError:
                form.email.errors.append("An account with this email already exists.")
            else:
                flash(f"Created {user.role.label.lower()} account {user.email}"
                      + (f" of {organization.name}." if organization else "."), "success")
                return redirect(url_for("admin.users"))
    return render_users(form, 400)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit(user_id: int):
    user = get_user_or_404(user_id)
    form = EditUserForm(role=user.role.value, on_call=user.on_call)
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != Role.ADMIN.value:
            flash("You cannot remove your own admin role; ask another admin.", "warning")
            return redirect(url_for("admin.edit", user_id=user.id))
        if misfit := role_misfit(Role(form.role.data), user.organization):
            flash(misfit, "warning")
            return render_user(user, form=form, status=400)
        user.on_call = form.on_call.data and form.role.data == Role.COORDINATOR.value
        if user.role.value != form.role.data:
            user.role = Role(form.role.data)
            user.end_all_sessions()  # the new role takes effect at the next sign-in
        flash(f"{user.email} is now {user.role.label.lower()}.", "success")
        return redirect(url_for("admin.users"))
    return render_user(user, form=form, status=400 if form.errors else 200)


def render_user(user: User, *, form: EditUserForm | None = None,
                reset_form: ResetPasswordForm | None = None, status: int = 200):
    return render_template(
        "admin/edit_user.html", user=user,
        form=form or EditUserForm(role=user.role.value, on_call=user.on_call),
        reset_form=reset_form or ResetPasswordForm(), confirm=ConfirmForm(),
        sign_ins=throttle.account_state(db.session, user.email),
    ), status


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles(Role.ADMIN)
def reset_password(user_id: int):
    user = get_user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data, temporary=True)
        flash(f"New password set for {user.email}; their sessions have ended.", "success")
        return redirect(url_for("admin.users"))
    return render_user(user, reset_form=form, status=400)


@bp.route("/users/<int:user_id>/totp", methods=["POST"])
@roles(Role.ADMIN)
def reset_totp(user_id: int):
    """A lost phone: remove the second factor. The person sets up a new one at their next
    sign-in (required roles) and every session of the account ends now."""
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.totp_secret_encrypted is None:
        flash(f"{user.email} has no two-step sign-in to reset.", "info")
        return redirect(url_for("admin.edit", user_id=user.id))
    set_secret(user, None)
    user.end_all_sessions()
    record(db.session, current_user.id, "reset_second_factor", "user", user.id)
    flash(f"Two-step sign-in reset for {user.email}: they set up their app again at the next "
          "sign-in; their sessions have ended.", "success")
    return redirect(url_for("admin.edit", user_id=user.id))


@bp.route("/users/<int:user_id>/sign-in-delay", methods=["POST"])
@roles(Role.ADMIN)
def clear_sign_in_delay(user_id: int):
    """Failed sign-ins slow an account down; an admin who has checked with the person (by
    phone, say) lifts the delay. The delay per network address stays."""
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    throttle.clear(db.session, user.email)
    record(db.session, current_user.id, "clear_sign_in_failures", "user", user.id)
    flash(f"Failed sign-ins of {user.email} cleared.", "success")
    return redirect(url_for("admin.edit", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles(Role.ADMIN)
def toggle_active(user_id: int):
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.", "warning")
        return redirect(url_for("admin.users"))
    user.active = not user.active
    user.end_all_sessions()
    state = "reactivated" if user.active else "deactivated"
    flash(f"{user.email} {state}.", "success")
    return redirect(url_for("admin.users"))


def render_needs(form: NewNeedForm, status: int = 200):
    needs = db.session.scalars(select(Need).order_by(Need.code)).all()
    return render_template("admin/needs.html", needs=needs, form=form), status


@bp.route("/needs", methods=["GET"])
@roles(Role.ADMIN)
def needs():
    return render_needs(NewNeedForm())


@bp.route("/needs", methods=["POST"])
@roles(Role.ADMIN)
def add_need():
    """A new entry of the vocabulary; its code is for good (stored plans name it)."""
    form = NewNeedForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Need.id).where(Need.code == form.code.data)):
            form.code.errors.append("A need with this code already exists.")
        else:
            need = Need(code=form.code.data, label=form.label.data,
                        help_text=form.help_text.data or "", active=True,
                        for_shelters=form.for_shelters.data, for_hotels=form.for_hotels.data)
            db.session.add(need)
            flash(f"Added the need {need.code}.", "success")
            return redirect(url_for("admin.needs"))
    return render_needs(form, 400)


@bp.route("/needs/<int:need_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_need(need_id: int):
    """Reword or retire a need; its code and the places it applies to stay as they are
    (offers and stored plans depend on both)."""
    need = db.session.get(Need, need_id) or abort(404)
    form = NeedForm(obj=need)
    if form.validate_on_submit():
        need.label, need.active = form.label.data, form.active.data
        need.help_text = form.help_text.data or ""
        flash(f"Saved the need {need.code}.", "success")
        return redirect(url_for("admin.needs"))
    return render_template("admin/need.html", need=need, form=form), \
        400 if form.errors else 200


AUDIT_PAGE = 200


@bp.route("/audit")
@roles(Role.ADMIN)
def audit_log():
    subject = request.args.get("subject") or None
    actor = request.args.get("actor") or None
    if actor not in {kind.value for kind in ActorKind}:
        actor = None  # an unknown kind filters nothing, rather than showing an empty log
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(AUDIT_PAGE)
    if subject:
        query = query.where(AuditEvent.subject == subject[:40])
    if actor:
        query = query.where(AuditEvent.actor_kind == actor)
    events = db.session.scalars(query).all()
    emails = dict(db.session.execute(select(User.id, User.email)).all())
    return render_template("admin/audit.html", events=events, emails=emails, subject=subject,
                           actor=actor, kinds=list(ActorKind), limit=AUDIT_PAGE)
