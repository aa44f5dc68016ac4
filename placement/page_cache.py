"""The body of the heaviest pages (queue, plan, tape chart), kept between two changes of the
data: at national scale each takes 40-120 ms to read and draw, and a busy desk asks for the
same one many times between two planner runs.

A body is kept under the number of the database's last writing commit (placement/changes.py:
every commit that wrote anything changes it), the page's address, the person, and the
minute: a body is never served after anything it shows has changed, and the minute is
there because these pages say "waiting 47 min" and flag holds near their end. Only the
body is kept: the navigation, the inbox badge and flashed messages are drawn on every
request, and the form token of this session is put back into the kept body (it is stored
with a placeholder instead).

Each worker keeps its own few bodies (least recently used go first). SQLite has no such
number: there every page is drawn afresh.
"""

import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping

from flask import current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from . import changes
from .clock import now
from .extensions import db

KEPT_BODIES = 48
# Marks the body in a page drawn afresh, and stands for the form token in a kept body; a
# random value per process can never occur in a page by chance.
_MARK = f"<!--body-{secrets.token_hex(16)}-->"
_TOKEN = f"csrf-{secrets.token_hex(16)}"

_bodies: OrderedDict[tuple, str] = OrderedDict()


def _key(name: str) -> tuple | None:
    if not current_app.config.get("PAGE_CACHE", True):
        return None
    version = changes.current(db.session)
    if version is None:
        return None
    minute = now().replace(second=0, microsecond=0)
    return (name, request.full_path, current_user.get_id(), minute, version)


def _keep(key: tuple, body: str) -> None:
    _bodies[key] = body
    _bodies.move_to_end(key)
    while len(_bodies) > KEPT_BODIES:
        _bodies.popitem(last=False)


def render_page(name: str, template: str, context: Callable[[], Mapping]) -> str:
    """`render_template(template, **context())`, with the body of the page (its `content`
    block) kept as the module says; `context` is called only when the body is drawn."""
    key = _key(name)
    if key is None:
        return render_template(template, **context())
    token = generate_csrf()
    kept = _bodies.get(key)
    g.page_body = "hit" if kept is not None else "miss"  # counted by placement/metrics.py
    if kept is not None:
        _bodies.move_to_end(key)
        # The body is HTML Jinja drew and escaped; the token is Flask-WTF's (URL-safe).
        body = Markup(kept.replace(_TOKEN, token))  # noqa: S704
        return render_template(template, kept_body=body)
    mark = Markup(_MARK)  # noqa: S704 (a constant comment of ours)
    before, body, after = render_template(template, body_mark=mark, **context()).split(_MARK)
    _keep(key, body.replace(token, _TOKEN))
    return before + body + after


def forget_all() -> None:
    """Drop every kept body (tests)."""
    _bodies.clear()
