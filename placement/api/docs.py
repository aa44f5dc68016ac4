"""The OpenAPI document at /api/v1/openapi.json, and a page that reads it for people at
/api/v1/docs: drawn here from the same document, with the site's own styles, so it loads
nothing from the internet (a Swagger or Redoc page would fetch its script from a CDN, and
inline script is refused by our Content-Security-Policy anyway)."""

from flask import current_app, render_template

from ..auth.access import public
from . import bp
from .spec import document
from .webhooks import REPLAY_WINDOW

METHOD_ORDER = ("get", "post", "put", "patch", "delete")


def resolve(schema: dict, components: dict) -> dict:
    """A schema with its `$ref` (and an `anyOf` of a ref and null) looked up."""
    if "$ref" in schema:
        return components[schema["$ref"].rsplit("/", 1)[1]]
    for option in schema.get("anyOf", []):
        if "$ref" in option:
            return components[option["$ref"].rsplit("/", 1)[1]]
    return schema


def type_words(schema: dict, components: dict) -> str:
    """A schema's type as people read it: "string (date)", "list of PersonIn", "a or null"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " or ".join(type_words(s, components) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"{v}" for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "list of " + type_words(schema.get("items", {}), components)
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def operations(doc: dict) -> list[dict]:
    found = []
    for path, item in doc["paths"].items():
        for method in METHOD_ORDER:
            if method in item:
                found.append({"path": path, "method": method.upper(), **item[method]})
    return found


@bp.get("/openapi.json")
@public
def openapi():
    return current_app.json.response(document())


@bp.get("/docs")
@public
def docs_page():
    doc = document()
    components = doc["components"]["schemas"]
    return render_template("integrations/docs.html", doc=doc, operations=operations(doc),
                           components=components, resolve=resolve, type_words=type_words,
                           replay_window=REPLAY_WINDOW)
