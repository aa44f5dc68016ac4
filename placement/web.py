"""What the web edge accepts, each rule enforced once for every route.

- An id in a URL fits the database's INTEGER (1..2^31-1): the `int` converter of the whole
  app is replaced, so `/bookings/99999999999` is a 404 and never reaches a query.
- No NUL byte anywhere in a request (path, query string, form): PostgreSQL cannot store or
  even compare one, so the request is refused before any view runs.
- A date typed into a form lies in years the app can add nights and months to.
- A redirect to an address someone sent stays on this site (`safe_local_path`).
"""

import hashlib
from datetime import date
from urllib.parse import urlsplit

import wtforms
from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms.validators import StopValidation

from .errors import render_error

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER; SQLite takes more, PostgreSQL refuses with a 500
MAX_ID_DIGITS = len(str(MAX_ID))

# Far enough from year 1 and year 9999 that adding a stay, months to a lot's expiry or the
# planner's horizon can never leave the calendar; wide enough for any real date here.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)

NUL_MESSAGE = ("The address or the form contained a character that cannot be stored (a NUL "
               "byte). Go back, remove it, and try again.")
MAX_REDIRECT_LENGTH = 2000


def parse_id(text: str | None) -> int | None:
    """A record id written in ASCII digits, 1..MAX_ID; anything else is None."""
    if not text or len(text) > MAX_ID_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def page_number() -> int:
    """`?page=N` of a paged list: 1 when absent, a 404 when not a number from 1 to MAX_ID
    (a larger one overflows the query's OFFSET)."""
    text = request.args.get("page")
    if text is None:
        return 1
    return parse_id(text) or abort(404)


class IdConverter(IntegerConverter):
    """`<int:…>` everywhere in this app: a record id, or the URL matches nothing (404)."""

    regex = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed=False)

    def to_python(self, value: str) -> int:
        if parse_id(value) is None:
            raise ValidationError()
        return super().to_python(value)


def _holds_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul_bytes():
    if ("\x00" in request.path or _holds_nul(request.args.items(multi=True))
            or (request.method != "GET" and _holds_nul(request.form.items(multi=True)))):
        return render_error(400, NUL_MESSAGE)
    return None


class DateField(wtforms.DateField):
    """A date between EARLIEST_DATE and LATEST_DATE: use it for every date a person types."""

    def pre_validate(self, form) -> None:
        if self.data is not None and not EARLIEST_DATE <= self.data <= LATEST_DATE:
            raise StopValidation(f"Enter a date between {EARLIEST_DATE:%b %-d, %Y} and "
                                 f"{LATEST_DATE:%b %-d, %Y}.")


def html_version(html: str) -> str:
    """A short fingerprint of a polled part of a page (poll-section.js swaps the part in
    when the one it has differs)."""
    return hashlib.sha256(html.encode()).hexdigest()[:16]


def polled(html: str, **extra) -> dict:
    """A polled part of a page as poll-section.js reads it: its HTML, its version, and any
    of `status` (text for the element the page names) or `open` (False: stop polling)."""
    return {"html": html, "version": html_version(html), **extra}


def safe_local_path(target: str | None) -> str | None:
    """The target if it is a path on this site, else None.

    Browsers drop tabs and newlines from an address and read a backslash as a slash, so
    "/\\t/evil.example" and "/\\\\evil.example" mean "//evil.example": another site. Refused:
    anything not starting with one "/", with a scheme or a host, with a control character,
    a space or a backslash, or a "." or ".." segment (which could fold into "//").
    """
    if not isinstance(target, str) or not target or len(target) > MAX_REDIRECT_LENGTH:
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return None
    return target


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: its rules are compiled with these converters."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
