"""The OpenAPI 3.1 document, generated from the views and their pydantic models by spectree
(why spectree: the README's "Integration API"), and the answer to a body, query or header
that does not fit them: problem details naming every field.

spectree validates what each view declares (`@spec.validate(json=..., query=..., resp=...)`)
on the app as it is: a plain Flask app with its own blueprints, which flask-openapi3 and
APIFlask would replace with their own application class. It describes every answer as
`application/json`; ours that are problems say `application/problem+json`, so the document
says so too (`document`), with the key's security scheme and each operation's scope.
"""

import copy

from flask import current_app, request
from pydantic import ValidationError
from spectree import Response, SpecTree

from ..problems import MEDIA_TYPE, Problem
from .schemas import ProblemOut

DESCRIPTION = """\
File requests for a safe place, follow them and withdraw them; read availability
aggregates. Send the key an admin gave you as `Authorization: Bearer sbk_...`. Errors are
RFC 9457 problem details (`application/problem+json`); bad input lists every wrong field in
`errors`. Filing needs an `Idempotency-Key` header: a retry with the same value files
nothing and gets the first answer again. Webhooks are signed: see the docs page."""

# What may go wrong on every keyed call, on top of an operation's own answers.
REFUSALS = {"HTTP_400": ProblemOut, "HTTP_401": ProblemOut, "HTTP_403": ProblemOut,
            "HTTP_429": ProblemOut}


def answers(**codes) -> Response:
    """An operation's answers: its own and the refusals every keyed call may get."""
    return Response(**REFUSALS, **codes)


def _body_or_parameter(error: ValidationError, part: str) -> list[dict]:
    problems = []
    for item in error.errors(include_context=False, include_url=False):
        location = [str(step) for step in item["loc"]]
        if part == "body":
            entry = {"pointer": "/" + "/".join(location)}
        else:
            entry = {"parameter": location[0] if location else ""}
        problems.append({**entry, "detail": item["msg"]})
    return problems


def _part(error: ValidationError) -> str:
    title = error.title
    return ("query" if title.endswith("Query") else "header" if title.endswith("Headers")
            else "body")


def refuse_invalid(_req, _resp, error, _instance, _adapter) -> None:
    """spectree's hook before a view: a request that does not fit is a problem."""
    if error is None:
        return
    part = _part(error)
    if part == "body" and request.get_json(silent=True) is None:
        raise Problem(400, "The body must be JSON (Content-Type: application/json).")
    raise Problem(422, f"The request's {part} is not valid; each field is named in `errors`.",
                  errors=_body_or_parameter(error, part))


spec = SpecTree(
    "flask", mode="strict", annotations=False, before=refuse_invalid,
    validation_error_status=422, validation_error_model=ProblemOut,
    naming_strategy=lambda model: model.__name__, page_templates={},
    title="Shelter Bridge integration API", version="1", description=DESCRIPTION)


def _problem_media(document: dict) -> None:
    ref = "#/components/schemas/ProblemOut"
    for path in document["paths"].values():
        for operation in path.values():
            for answer in operation.get("responses", {}).values():
                content = answer.get("content", {})
                if content.get("application/json", {}).get("schema", {}).get("$ref") == ref:
                    answer["content"] = {MEDIA_TYPE: content.pop("application/json")}


def _security(document: dict) -> None:
    """Each keyed operation names the key scheme and the scope it needs."""
    document["components"]["securitySchemes"] = {"key": {
        "type": "http", "scheme": "bearer", "bearerFormat": "sbk_<id>_<secret>",
        "description": "An integration key, created by the hotline's admins."}}
    for rule in current_app.url_map.iter_rules():
        scope = getattr(current_app.view_functions[rule.endpoint], "key_scope", None)
        path = rule.rule.replace("<", "{").replace(">", "}")
        if scope is None or path not in document["paths"]:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = document["paths"][path].get(method.lower())
            if operation is not None:
                operation["security"] = [{"key": []}]
                operation["description"] = (f"Needs the scope `{scope.value}`. "
                                            + operation.get("description", "")).strip()


def document() -> dict:
    """The OpenAPI document of this app (made once per process)."""
    made = current_app.extensions.get("openapi")
    if made is None:
        made = copy.deepcopy(spec.spec)
        _problem_media(made)
        _security(made)
        current_app.extensions["openapi"] = made
    return made
