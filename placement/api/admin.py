"""The admins' page of integrations: organizations, their keys (created, shown once,
revoked) and their webhooks with each one's delivery history."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from partners.organizations import (
    Organization,
    OrganizationError,
    OrganizationKind,
    add_organization,
)

from ..auth.access import roles
from ..auth.models import Role
from ..extensions import db
from . import utc_now
from .forms import KeyForm, OrganizationForm, WebhookForm
from .keys import IntegrationKey, KeyIssueError, Scope, issue_key, revoke

bp = Blueprint("integrations", __name__, url_prefix="/admin/integrations")


def organizations() -> list[Organization]:
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def forms(bound: str | None = None) -> dict:
    """The page's three forms: `bound` reads the posted data, the others start empty (a
    key's name must not land in the organization's name field)."""
    made = {name: form() if name == bound else form(formdata=None) for name, form in (
        ("org_form", OrganizationForm), ("key_form", KeyForm), ("hook_form", WebhookForm))}
    choices = [SelectChoice(o.id, o.name) for o in organizations() if o.active]
    made["key_form"].organization.choices = made["hook_form"].organization.choices = choices
    return made


def render_page(status: int = 200, **context):
    from .webhooks import subscriptions

    keys = db.session.scalars(select(IntegrationKey).order_by(
        IntegrationKey.revoked_at.is_not(None), IntegrationKey.created_at.desc())).all()
    context = {**forms(), **context}
    return render_template(
        "integrations/index.html", organizations=organizations(), keys=keys,
        webhooks=subscriptions(db.session), now=utc_now(), **context), status


@bp.get("")
@roles(Role.ADMIN)
def index():
    return render_page()


@bp.post("/organizations")
@roles(Role.ADMIN)
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            made = add_organization(db.session, form.name.data, OrganizationKind(form.kind.data))
        except OrganizationError as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Added {made.name}.", "success")
            return redirect(url_for("integrations.index"), 303)
    return render_page(400, org_form=form)


def shown_once(form, field, make, refused: type[Exception], shown: str, form_name: str):
    """Make a key or a webhook for the chosen organization: its secret is in this answer
    only, never in a redirect's flash (the session cookie is signed, not encrypted) and
    never stored in the clear."""
    if form.validate_on_submit():
        organization = db.session.get(Organization, form.organization.data) or abort(400)
        try:
            made, secret = make(organization)
        except refused as error:
            field.errors.append(str(error))
        else:
            return render_page(201, **{f"new_{shown}": secret, "made": made})
    return render_page(400, **{form_name: form})


@bp.post("/keys")
@roles(Role.ADMIN)
def new_key():
    form = forms("key_form")["key_form"]
    now = utc_now()
    return shown_once(form, form.name, lambda organization: issue_key(
        db.session, organization, form.name.data, {Scope(s) for s in form.scopes.data or ()},
        now + timedelta(days=form.valid_days.data or 0), form.rate_limit.data or 0,
        current_user.id, now), KeyIssueError, "token", "key_form")


@bp.post("/keys/<int:key_id>/revoke")
@roles(Role.ADMIN)
def revoke_key(key_id: int):
    key = db.session.get(IntegrationKey, key_id) or abort(404)
    if revoke(db.session, key, current_user.id):
        flash(f"Revoked {key.name} ({key.shown_id}): its next call is refused.", "success")
    return redirect(url_for("integrations.index"), 303)


@bp.post("/webhooks")
@roles(Role.ADMIN)
def new_webhook():
    from .webhooks import WebhookError, subscribe

    form = forms("hook_form")["hook_form"]
    return shown_once(form, form.url, lambda organization: subscribe(
        db.session, organization, form.url.data, current_user.id), WebhookError, "secret",
        "hook_form")


@bp.post("/webhooks/<int:webhook_id>/toggle")
@roles(Role.ADMIN)
def toggle_webhook(webhook_id: int):
    """Pause a webhook (its deliveries wait) or resume it (they go on)."""
    from .events import WebhookSubscription

    hook = db.session.get(WebhookSubscription, webhook_id) or abort(404)
    hook.active = not hook.active
    flash(f"{hook.url}: {'resumed' if hook.active else 'paused'}.", "success")
    return redirect(url_for("integrations.index"), 303)


@bp.get("/webhooks/<int:webhook_id>")
@roles(Role.ADMIN)
def deliveries(webhook_id: int):
    from .events import WebhookSubscription
    from .webhooks import history

    hook = db.session.get(WebhookSubscription, webhook_id) or abort(404)
    return render_template("integrations/deliveries.html", hook=hook,
                           deliveries=history(db.session, hook))
