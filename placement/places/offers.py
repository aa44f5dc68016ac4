"""What places offer, as people read it: the needs a coordinator may tick for a place,
grouped as they are read (languages together, dogs together), and need codes in the
planner's words turned into their labels.

The codes are what the optimizer and stored plans compare; people read the labels.
"""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import product
from typing import NamedTuple

from flask import flash
from sqlalchemy import select

from partners.needs import SHELTER, Need, default_offer_codes
from partners.places import Hotel, Policy, Shelter

from .. import hooks
from ..extensions import db
from . import bp

# A code's prefix (before the colon) names its group; the rest go first, as "Guests and
# intake". An entry an admin adds with one of these prefixes joins its group.
GROUPS = {"lang": "Languages staff speak", "dog": "Dogs", "hotel-age": "Guest age at check-in"}
GENERAL = "Guests and intake"


class OfferGroup(NamedTuple):
    title: str
    needs: list[Need]


def offer_choices(kind: str, offered: set[Need] = frozenset()) -> list[Need]:
    """The needs a place of this kind may be said to offer: the active ones that apply to
    it, and those it already offers (a need made inactive keeps its meaning there)."""
    applies = Need.for_shelters if kind == SHELTER else Need.for_hotels
    active = db.session.scalars(select(Need).where(Need.active, applies))
    return sorted(set(active) | set(offered), key=lambda need: need.id)


def grouped(needs) -> list[OfferGroup]:
    """The needs in reading groups, the general ones first; each group in the
    vocabulary's own order (dogs by weight, languages by how often callers speak them)."""
    groups: dict[str, list[Need]] = {GENERAL: []}
    for need in sorted(needs, key=lambda need: need.id):
        prefix = need.code.split(":", 1)[0] if ":" in need.code else ""
        groups.setdefault(GROUPS.get(prefix, GENERAL), []).append(need)
    return [OfferGroup(title, members) for title, members in groups.items() if members]


def offer_defaults(kind: str) -> str:
    """A new place's default offers for each answer to the questions they depend on, keyed
    "policy|same_gender|pets" (0 or 1), as JSON for place-form.js: the form follows them
    while a coordinator fills it in, and nothing restates the rule in the script."""
    policies = [p.value for p in Policy] if kind == SHELTER else [""]
    return json.dumps({
        f"{policy}|{int(same)}|{int(pets)}": sorted(default_offer_codes(
            kind, policy or None, same, pets))
        for policy, same, pets in product(policies, (False, True), (False, True))
    }, separators=(",", ":"))


QUOTED_CODE = re.compile(r"'([a-z0-9:-]+)'")


@bp.app_template_filter("need_labels")
def need_labels(text: str | None) -> str:
    """The planner's words with each quoted need code ("offers 'lang:es'") read as its
    label ("offers “Staff speak Spanish”"); a code the vocabulary lacks stays as it is."""
    if not text or not QUOTED_CODE.search(text):
        return text or ""
    codes = set(QUOTED_CODE.findall(text))
    labels = dict(db.session.execute(
        select(Need.code, Need.label).where(Need.code.in_(codes))).all())
    return QUOTED_CODE.sub(
        lambda m: f"“{labels[m[1]]}”" if m[1] in labels else m[0], text)


@contextmanager
def telling_unfit_stays(place: Shelter | Hotel | None = None) -> Iterator[None]:
    """Around a change of offers (this place's, or any place's): the coordinator is told
    how many approved stays the change leaves without a need of their request (the stays
    pages flag them; bookings sit above places, so they are asked through hooks)."""
    unfit = hooks.stays().unfit
    before = {stay.id for stay in unfit(db.session, place)}
    yield
    db.session.flush()
    count = len({stay.id for stay in unfit(db.session, place)} - before)
    if count == 1:
        flash("1 approved stay no longer fits its request's needs: it is flagged on the "
              "stays list.", "warning")
    elif count:
        flash(f"{count} approved stays no longer fit their requests' needs: they are flagged "
              "on the stays list.", "warning")
