"""Errors of the integration API as RFC 9457 problem details (`application/problem+json`).

Every answer under /api/ that is not a success is one of these, whoever raises it: the API's
own checks, the key check, Werkzeug's 404 and 405, a refused NUL byte, contention, a 500.
`type` is a URI naming the kind of problem (documented on the API's docs page), `title`
its short words, `detail` this occurrence in a sentence; bad input lists every field that
is wrong in `errors`, each with a JSON pointer into the body (or the query's or header's
name) and what is wrong with it.
"""

from http import HTTPStatus

from flask import Response, current_app, g, request

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://shelter-bridge.invalid/problems/"  # names, never fetched

# The kinds of problem the API answers with; `type` is TYPE_BASE + the key.
TITLES = {
    "bad-request": "The request could not be read",
    "invalid": "Some fields are not valid",
    "unauthorized": "An API key is required",
    "forbidden": "This key may not do that",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "conflict": "Conflict",
    "too-large": "The request is too large",
    "unsupported-media-type": "The body must be JSON",
    "rate-limited": "Too many requests",
    "server-error": "Something went wrong on our side",
}
BY_STATUS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
             405: "method-not-allowed", 409: "conflict", 413: "too-large",
             415: "unsupported-media-type", 422: "invalid", 429: "rate-limited",
             500: "server-error"}


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, detail: str | None = None, *, kind: str | None = None,
            errors: list[dict] | None = None, headers: dict | None = None) -> Response:
    kind = kind or BY_STATUS.get(status, "bad-request" if status < 500 else "server-error")
    body = {"type": TYPE_BASE + kind, "title": TITLES[kind], "status": status,
            "detail": detail or HTTPStatus(status).phrase + "."}
    if errors:
        body["errors"] = errors
    if reference := g.get("request_id"):
        body["instance"] = f"urn:request:{reference}"  # the id on our log lines
    response = current_app.json.response(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Problem(Exception):
    """Raised anywhere in an API view: answered as its problem details."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind
        self.errors, self.headers = errors, headers

    def response(self) -> Response:
        return problem(self.status, self.detail, kind=self.kind, errors=self.errors,
                       headers=self.headers)


def field_error(where: str, message: str) -> dict:
    """One wrong field: a JSON pointer into the body ("/people/0/gender") or the name of a
    query parameter or header ("after", "Idempotency-Key")."""
    return {"pointer" if where.startswith("/") else "parameter": where, "detail": message}
