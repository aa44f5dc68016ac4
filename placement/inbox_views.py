"""The inbox page, its badge in the navigation bar and the poll that keeps the badge
current. Everyone who works cases has one (advocates, coordinators, admins); donors see
aggregates only. A person only ever reads, opens or counts their own messages."""

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from . import inbox
from .auth.access import roles
from .auth.forms import ConfirmForm
from .auth.models import Role
from .clock import now as clock
from .extensions import db
from .inbox import InboxMessage
from .requests.models import HousingRequest
from .security import passive
from .web import parse_id, safe_local_path

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

READERS = (Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR, Role.ADMIN)
# The newest messages are the ones that matter; older ones stay stored until their case goes.
PAGE_ROWS = 100


@bp.route("")
@roles(*READERS)
def index():
    messages = db.session.execute(
        select(InboxMessage, HousingRequest.case_code)
        .outerjoin(HousingRequest, HousingRequest.id == InboxMessage.request_id)
        .where(InboxMessage.user_id == current_user.id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(PAGE_ROWS)
    ).all()
    return render_template("inbox/index.html", messages=messages, form=ConfirmForm())


@bp.route("/open", methods=["POST"])
@roles(*READERS)
def open_message():
    """Reading a message is opening its link: it is marked read, then the link is followed."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    message_id = parse_id(request.form.get("message_id")) or abort(400)
    message = db.session.get(InboxMessage, message_id)
    if message is None or message.user_id != current_user.id:
        abort(404)  # another person's message: not even its existence is confirmed
    inbox.mark_read(db.session, current_user.id, _now(), message.id)
    return redirect(safe_local_path(message.link) or url_for("inbox.index"), 303)


@bp.route("/read-all", methods=["POST"])
@roles(*READERS)
def read_all():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    inbox.mark_read(db.session, current_user.id, _now())
    flash("Every message is marked read.", "success")
    return redirect(url_for("inbox.index"), 303)


@bp.route("/unread")
@passive  # the badge's poll: never the person's activity
@roles(*READERS)
def unread():
    return {"unread": inbox.unread_count(db.session, current_user.id)}


def _now() -> datetime:
    return clock().astimezone(UTC).replace(tzinfo=None)  # stored naive UTC, as every moment


@bp.app_context_processor
def badge():
    """`inbox_unread()` for the navigation bar: None for those who have no inbox."""
    def inbox_unread() -> int | None:
        if not current_user.is_authenticated or current_user.role not in READERS:
            return None
        return inbox.unread_count(db.session, current_user.id)

    return {"inbox_unread": inbox_unread}
