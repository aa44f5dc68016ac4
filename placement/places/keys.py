"""Place keys: the one module that names a shelter or a hotel outside its own row, and reads
such a name back.

One place, two spellings, each for its own reader:
- the form key, "shelter:12" or "hotel:7": what the place picker offers, forms post and
  requests store as exclusions (`key`, `parse_key`);
- the resource key, "S12" or "H7": what the optimizer's `Problem` and `Plan`, and the plan
  runs that store them, call a place (`resource`, `parse_resource`).

A booking, an exclusion and a coordinator's rejection each point at exactly one place (a
shelter id or a hotel id, never both): `place_of` says which.
"""

from typing import NamedTuple, Protocol

from partners.places import Hotel, Shelter

from ..web import parse_id

KINDS: dict[str, type[Shelter] | type[Hotel]] = {"shelter": Shelter, "hotel": Hotel}
_LETTERS = {"shelter": "S", "hotel": "H"}
_KINDS_BY_LETTER = {letter: kind for kind, letter in _LETTERS.items()}


class PlaceRef(NamedTuple):
    """A place by kind and id; unpacks as `kind, place_id = ref`."""

    kind: str  # "shelter" or "hotel"
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def resource(self) -> str:
        return f"{_LETTERS[self.kind]}{self.id}"

    @property
    def model(self) -> type[Shelter] | type[Hotel]:
        return KINDS[self.kind]

    @property
    def shelter_id(self) -> int | None:
        return self.id if self.kind == "shelter" else None

    @property
    def hotel_id(self) -> int | None:
        return self.id if self.kind == "hotel" else None


class PointsAtAPlace(Protocol):
    """A row that names one place: a booking, an exclusion, a rejection."""

    shelter_id: int | None
    hotel_id: int | None


def place_of(row: PointsAtAPlace) -> PlaceRef:
    """The place this booking (or exclusion, or rejection) is at."""
    if row.shelter_id:
        return PlaceRef("shelter", row.shelter_id)
    return PlaceRef("hotel", row.hotel_id)


def ref_of(place: Shelter | Hotel) -> PlaceRef:
    return PlaceRef("hotel" if isinstance(place, Hotel) else "shelter", place.id)


def shelter_key(shelter_id: int) -> str:
    """The optimizer's name for a shelter: "S12"."""
    return PlaceRef("shelter", shelter_id).resource


def hotel_key(hotel_id: int) -> str:
    """The optimizer's name for a hotel: "H7"."""
    return PlaceRef("hotel", hotel_id).resource


def parse_key(key: str | None) -> PlaceRef | None:
    """("shelter", 12) for "shelter:12"; None for anything else, an id too big included."""
    kind, _, ident = (key or "").partition(":")
    place_id = parse_id(ident)
    if kind not in KINDS or place_id is None:
        return None
    return PlaceRef(kind, place_id)


def parse_resource(resource: str) -> PlaceRef:
    """("shelter", 12) for the optimizer's "S12". The optimizer only hands back the names
    the bridge gave it, so anything else is a bug: ValueError."""
    kind = _KINDS_BY_LETTER.get(resource[:1])
    place_id = parse_id(resource[1:])
    if kind is None or place_id is None:
        raise ValueError(f"not a place the bridge named: {resource!r}")
    return PlaceRef(kind, place_id)
