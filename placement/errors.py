"""Error pages: a clear message and a reference to quote, never a traceback or request
details."""

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .problems import Problem, is_api_request, problem

MESSAGES = {
    400: "The form could not be read. Please go back and try again.",
    403: "Your account does not have access to this page.",
    404: "There is nothing at this address.",
    405: "This page cannot be used that way.",
    413: "That upload is too large.",
    409: "Someone else changed the same record at that moment, so nothing was saved. Look "
         "at the page again and retry.",
    429: "Too many attempts. Please wait a moment and try again.",
    500: "Something went wrong on our side. Nothing you entered was lost; please try again.",
}

# The same, for a program reading the integration API's answers.
API_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not take that method.",
    409: "Someone else changed the same record at that moment; nothing was saved. Retry.",
    413: "The request body is too large.",
    500: "Something went wrong on our side; nothing was saved. Retry later.",
}


def render_error(code: int, message: str | None = None):
    """The error page, with the request's id for the person to quote when asking for help
    (the same id is on the request's log lines)."""
    if is_api_request():  # the integration API answers in problem details, never HTML
        return problem(code, message or API_MESSAGES.get(code))
    message = message or MESSAGES.get(code, "The request could not be completed.")
    return render_template("error.html", code=code, message=message,
                           reference=g.get("request_id")), code


# PostgreSQL's answers when two transactions collide (deadlock, serialization failure,
# lock timeout) and SQLite's busy timeout: contention, not a fault of the code or the input.
CONTENTION_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_contention(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in CONTENTION_SQLSTATES
    return "database is locked" in str(error.orig)


def init_app(app: Flask) -> None:
    app.register_error_handler(Problem, lambda error: error.response())

    @app.errorhandler(OperationalError)
    def contention(error: OperationalError):
        # The locks are taken in one order (placement.bookings.service), so this is the net
        # under the net: the person is told to retry, not shown an error page for a race.
        if not is_contention(error):
            raise error
        db.session.rollback()
        current_app.logger.warning("contention at %s: %s", request.endpoint,
                                   type(error.orig).__name__)
        return render_error(409)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        # A forged or stale form: who and where, never what it carried.
        who = current_user.id if current_user.is_authenticated else "nobody"
        current_app.logger.warning("CSRF token refused: user %s to %s", who, request.endpoint)
        return render_error(
            400,
            "Your form expired or was sent from another page. Go back, reload, and send it "
            "again; what you typed is still in the form.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request():  # a program reads the Allow of a 405 as Werkzeug sends it
            headers = {k: v for k, v in error.get_headers() if k.lower() == "allow"}
            return problem(error.code or 500, API_MESSAGES.get(error.code), headers=headers)
        return render_error(error.code or 500)

    @app.errorhandler(500)
    def server_error(_error):
        # Only unexpected errors land here; they are logged by Flask with the traceback on
        # the server side and the person sees a plain message.
        return render_error(500)
