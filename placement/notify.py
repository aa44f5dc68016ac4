"""E-mail notifications. Messages carry a link and the case code, never case details, and
go out after the commit (in a request, once the request's work is committed; dropped if it
rolls back): a failed send is logged and never undoes the work."""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from .auth.models import Role, User
from .database import after_commit
from .extensions import db

log = logging.getLogger(__name__)


def send(recipients: list[str], subject: str, body: str) -> bool:
    if not recipients or not current_app.config.get("MAIL_SERVER"):
        return False
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(current_app.config["MAIL_SERVER"], current_app.config["MAIL_PORT"],
                          timeout=10) as smtp:
            if current_app.config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())  # verify the server
            if current_app.config.get("MAIL_USERNAME"):
                smtp.login(current_app.config["MAIL_USERNAME"],
                           current_app.config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("notification not sent (%s): %s", subject.split(" ")[0],
                    type(error).__name__)
        return False
    return True


def queue(recipients: list[str], subject: str, body: str) -> None:
    """Send once the work that makes the message true is committed."""
    after_commit(lambda: send(recipients, subject, body))


def _link(endpoint: str, **values) -> str:
    """An absolute link: PUBLIC_URL when set (jobs and planner runs have no request to take
    the host from), else the current request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
        return base.rstrip("/") + path
    if has_request_context():
        return url_for(endpoint, **values, _external=True)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def on_call_coordinators() -> list[str]:
    return list(db.session.scalars(select(User.email).where(
        User.role == Role.COORDINATOR, User.active, User.on_call)))


def critical_request_filed(case_code: str, request_id: int) -> None:
    queue(
        on_call_coordinators(), f"Critical request {case_code}",
        f"A critical request was filed and needs a bed tonight: {case_code}.\n\n"
        f"Open it: {_link('requests.show', request_id=request_id)}\n",
    )


def request_unplaced(advocate_email: str, case_code: str, request_id: int) -> None:
    queue(
        [advocate_email], f"Request {case_code} could not be placed yet",
        f"The planner could not place request {case_code}. The reason is on the request's "
        f"page: {_link('requests.show', request_id=request_id)}\n",
    )


def case_news(recipients: list[str], case_code: str, sentence: str, endpoint: str,
              **values) -> None:
    """One event on a case (a place said yes or no...): the case code, a fixed sentence and
    a link, nothing else."""
    queue(recipients, f"{case_code}: {sentence}",
          f"{case_code}: {sentence}.\n\nOpen it: {_link(endpoint, **values)}\n")
