"""Choosing a place by typing part of its name or city.

The request form's "places this person must not go" and the coordinator's manual placement
both pick from every shelter and hotel: 8,000 at national scale, far too many for a list
sent with each page. The page sends only what was chosen; the browser asks
`/places/search?q=…` as the person types (place-picker.js) and gets the 20 best matches.

A place is named by its form key, "shelter:12" or "hotel:7" (placement/places/keys.py).
"""

from dataclasses import dataclass

from flask import jsonify, request
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from ..auth.access import roles
from ..auth.models import Role
from ..extensions import db
from . import bp
from .keys import KINDS, PlaceRef, parse_key

MAX_RESULTS = 20
MIN_CHARS = 2
MAX_QUERY = 100


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


def label_of(kind: str, name: str, city: str, state: str) -> str:
    return f"{name} ({kind}, {city}, {state})"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(session: Session, text: str, *, active_only: bool = False,
           limit: int = MAX_RESULTS) -> list[Choice]:
    """Places whose name or city contains the text; names that start with it first."""
    text = " ".join((text or "").split())[:MAX_QUERY]
    if len(text) < MIN_CHARS:
        return []
    pattern, prefix = _like(text), _like(text)[1:]
    found = []
    for kind, model in KINDS.items():
        starts = case((model.name.ilike(prefix, escape="\\"), 0), else_=1)
        query = (select(model.id, model.name, model.city, model.state, starts.label("rank"))
                 .where(or_(model.name.ilike(pattern, escape="\\"),
                            model.city.ilike(pattern, escape="\\")))
                 .order_by(starts, func.lower(model.name), model.id).limit(limit))
        if active_only:
            query = query.where(model.active)
        found += [(row.rank, row.name.lower(), Choice(PlaceRef(kind, row.id).key, label_of(
            kind, row.name, row.city, row.state))) for row in session.execute(query)]
    found.sort(key=lambda item: item[:2])
    return [choice for _rank, _name, choice in found[:limit]]


def chosen(session: Session, keys: list[str], *, active_only: bool = False
           ) -> tuple[list[Choice], list[str]]:
    """The places these keys name, in the given order without repeats, and the keys that name
    no place (or an inactive one, when only active places may be chosen)."""
    wanted = list(dict.fromkeys(k for k in keys if k))
    by_kind: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for key in wanted:
        parsed = parse_key(key)
        if parsed:
            by_kind[parsed[0]].add(parsed[1])
    labels = {}
    for kind, ids in by_kind.items():
        if not ids:
            continue
        model = KINDS[kind]
        query = select(model.id, model.name, model.city, model.state).where(model.id.in_(ids))
        if active_only:
            query = query.where(model.active)
        for row in session.execute(query):
            labels[PlaceRef(kind, row.id).key] = label_of(kind, row.name, row.city, row.state)
    return ([Choice(key, labels[key]) for key in wanted if key in labels],
            [key for key in wanted if key not in labels])


@bp.route("/search")
@roles(Role.ADVOCATE, Role.REFERRER, Role.COORDINATOR)
def search_json():
    """`?q=text[&active=1]` → `[{"key": "shelter:12", "label": "…"}]`, at most 20."""
    results = search(db.session, request.args.get("q", ""),
                     active_only=request.args.get("active") == "1")
    return jsonify([{"key": c.key, "label": c.label} for c in results])
