"""Shelters and hotels to and from CSV. An import checks every row first and changes
nothing unless all of them are good; errors name the row (as a spreadsheet numbers it, the
header being row 1) and the column.

A row with an `id` updates that place; a row without one creates a place. Columns left out
of the file keep their current values (or the defaults, for new places).

`offers` holds need codes separated by ";" (codes, not labels: a label may be reworded, a
code never changes). Empty on a new place, or left out, it means the defaults of the
place's kind and policy; empty on an existing place, it means no offers.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .geo import LocationNotFound, locate
from .needs import HOTEL, SHELTER, Need, default_offer_codes
from .places import Hotel, Policy, Shelter
from .points import LoyaltyProgram
from .safe_csv import csv_text, unquote

MAX_ROWS = 5000
TRUE, FALSE = {"yes", "y", "true", "1", "x"}, {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}" if self.column else \
            f"row {self.row}: {self.message}"


class CsvRejected(ValueError):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s); nothing was imported")
        self.errors = errors


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


class Invalid(ValueError):
    pass


def text(required: bool = False, max_length: int = 200) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        if not value:
            if required:
                raise Invalid("is required")
            return None
        if len(value) > max_length:
            raise Invalid(f"is longer than {max_length} characters")
        return value
    return parse


def whole(minimum: int, maximum: int, required: bool = True) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        if not value:
            if required:
                raise Invalid("is required")
            return None
        try:
            number = int(value.replace(",", ""))
        except ValueError:
            raise Invalid(f"'{value}' is not a whole number") from None
        if not minimum <= number <= maximum:
            raise Invalid(f"{number} is not between {minimum} and {maximum}")
        return number
    return parse


def yes_no(value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise Invalid(f"'{value}' is not yes or no")


def policy(value: str) -> Policy:
    try:
        return Policy(value.lower())
    except ValueError:
        raise Invalid(f"'{value}' is not one of {', '.join(p.value for p in Policy)}") from None


def need_codes(value: str) -> frozenset[str]:
    """"lang:es; no-id": the codes, whatever the case and spacing a spreadsheet gave them."""
    return frozenset(code.strip().lower() for code in value.split(";") if code.strip())


def location(value: str):
    try:
        return locate(value)
    except LocationNotFound as error:
        raise Invalid(str(error)) from None


SHELTER_COLUMNS: dict[str, Callable[[str], Any]] = {
    "id": whole(1, 2**31 - 1, required=False),
    "name": text(required=True),
    "policy": policy,
    "location": location,
    "capacity": whole(0, 10000),
    "max_stay": whole(1, 3650, required=False),
    "accepts_nonbinary": yes_no,
    "same_gender": yes_no,
    "pets": yes_no,
    "accessible": yes_no,
    "confidential": yes_no,
    "address": text(max_length=300),
    "intake_contact": text(max_length=300),
    "intake_instructions": text(max_length=500),
    "hold_hours": whole(1, 168, required=False),
    "active": yes_no,
    "offers": need_codes,
}
SHELTER_REQUIRED = ("name", "policy", "location", "capacity")

HOTEL_COLUMNS: dict[str, Callable[[str], Any]] = {
    "id": whole(1, 2**31 - 1, required=False),
    "name": text(required=True),
    "program": text(required=True, max_length=100),  # its code or name; resolved later
    "location": location,
    "room_capacity": whole(1, 20),
    "rooms_per_night": whole(0, 500),
    "standard_points": whole(0, 1_000_000),
    "pets": yes_no,
    "accessible": yes_no,
    "address": text(max_length=300),
    "intake_contact": text(max_length=300),
    "intake_instructions": text(max_length=500),
    "active": yes_no,
    "offers": need_codes,
}
HOTEL_REQUIRED = ("name", "program", "location", "standard_points")


def decode(data: bytes) -> str:
    """CSV bytes from a spreadsheet; Excel's UTF-8 adds a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvRejected([RowError(1, "", "the file is not UTF-8 text; save it as "
                                             "'CSV UTF-8' and try again")]) from None


def offer_codes(place) -> str:
    return ";".join(sorted(need.code for need in place.offers))


def export_shelters(session: Session) -> str:
    shelters = session.scalars(
        select(Shelter).options(selectinload(Shelter.offers)).order_by(Shelter.id))
    return csv_text(list(SHELTER_COLUMNS), [[
        s.id, s.name, s.policy.value, s.location_text, s.capacity, s.max_stay,
        s.accepts_nonbinary, s.same_gender, s.pets, s.accessible, s.confidential, s.address,
        s.intake_contact, s.intake_instructions,
        int(s.hold_hours) if s.hold_hours is not None else None, s.active, offer_codes(s),
    ] for s in shelters])


def export_hotels(session: Session) -> str:
    hotels = session.scalars(
        select(Hotel).options(selectinload(Hotel.offers)).order_by(Hotel.id))
    return csv_text(list(HOTEL_COLUMNS), [[
        h.id, h.name, h.program.code, h.location_text, h.room_capacity, h.rooms_per_night,
        h.standard_points, h.pets, h.accessible, h.address, h.intake_contact,
        h.intake_instructions, h.active, offer_codes(h),
    ] for h in hotels])


def _read(source: str, columns: dict, required: tuple[str, ...]):
    """Parse every row; return ([(row number, {column: value})], [RowError])."""
    try:
        return _read_rows(csv.reader(io.StringIO(source)), columns, required)
    except csv.Error as error:  # e.g. a cell longer than the csv module allows
        return [], [RowError(1, "", f"the file could not be read as CSV ({error})")]


def _read_rows(reader, columns: dict, required: tuple[str, ...]):
    header = [h.strip().lower() for h in next(reader, [])]
    errors = [RowError(1, h, f"unknown column (expected {', '.join(columns)})")
              for h in header if h not in columns]
    errors += [RowError(1, c, "this column is missing") for c in required if c not in header]
    if len(set(header)) != len(header):
        errors.append(RowError(1, "", "a column appears twice"))
    if errors:
        return [], errors
    parsed = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines at the end of a spreadsheet export
        if len(parsed) >= MAX_ROWS:
            errors.append(RowError(number, "", f"a file may hold at most {MAX_ROWS} places"))
            break
        if len(cells) > len(header):
            errors.append(RowError(number, "", f"has {len(cells)} cells for {len(header)} columns"))
            continue
        cells = cells + [""] * (len(header) - len(cells))
        values = {}
        for name, raw in zip(header, cells, strict=True):
            raw = unquote(raw.strip())
            try:
                values[name] = columns[name](raw)
            except Invalid as problem:
                errors.append(RowError(number, name, str(problem)))
        parsed.append((number, values))
    return parsed, errors


def _resolve_ids(session: Session, model, parsed, errors) -> dict[int, Any]:
    ids = [v["id"] for _n, v in parsed if v.get("id") is not None]
    found = {p.id: p for p in session.scalars(
        select(model).where(model.id.in_(ids)).options(selectinload(model.offers)))}
    seen: set[int] = set()
    for number, values in parsed:
        place_id = values.get("id")
        if place_id is None:
            continue
        if place_id not in found:
            errors.append(RowError(number, "id", f"there is no {model.__tablename__} "
                                                 f"{place_id}; leave id empty to add one"))
        elif place_id in seen:
            errors.append(RowError(number, "id", f"{place_id} appears on an earlier row"))
        seen.add(place_id)
    return found


def _offer_refusal(need: Need | None, code: str, kind: str, offered) -> str | None:
    """Why a row may not say the place offers `code`, or None: the same choice as the
    place's form (an active need of its kind, or one the place offers already)."""
    if need is None:
        return f"'{code}' is not a need code"
    if not need.applies_to(kind):
        return f"'{code}' does not apply to {kind}s"
    if not need.active and need not in offered:
        return f"'{code}' is no longer offered for new choices"
    return None


def _resolve_offers(session: Session, kind: str, parsed, found, errors) -> dict[str, Need]:
    """Each row's offer codes become its needs (an error of the row for each code that
    may not be chosen); returns the vocabulary by code."""
    needs = {need.code: need for need in session.scalars(select(Need))}
    for number, values in parsed:
        if values.get("offers") is None:
            continue  # no offers column
        place = found.get(values.get("id"))
        offered = place.offers if place is not None else set()
        for code in sorted(values["offers"]):
            refusal = _offer_refusal(needs.get(code), code, kind, offered)
            if refusal:
                errors.append(RowError(number, "offers", refusal))
        values["offers"] = {needs[code] for code in values["offers"] if code in needs}
    return needs


def _default_offers(place, needs: dict[str, Need]) -> set[Need]:
    """A new place's offers when its row names none (those the vocabulary holds)."""
    if isinstance(place, Shelter):
        codes = default_offer_codes(SHELTER, place.policy.value, place.same_gender, place.pets)
    else:
        codes = default_offer_codes(HOTEL, pets=place.pets)
    return {needs[code] for code in codes if code in needs}


def _apply(session: Session, model, parsed, found, defaults: dict,
           needs: dict[str, Need]) -> ImportSummary:
    created = updated = 0
    for _number, values in parsed:
        values = dict(values)
        place_id = values.pop("id", None)
        offers = values.pop("offers", None)
        place = found.get(place_id) if place_id is not None else None
        new = place is None
        if new:
            place = model(**defaults)
            session.add(place)
            created += 1
        else:
            updated += 1
        place.move_to(values.pop("location"))
        for name, value in values.items():
            setattr(place, name, value)
        if new and not offers:
            offers = _default_offers(place, needs)
        if offers is not None and offers != place.offers:
            place.offers = offers
    session.flush()
    return ImportSummary(created=created, updated=updated)


def import_shelters(session: Session, source: str) -> ImportSummary:
    """Create or update shelters from CSV text; all rows or none (raises CsvRejected)."""
    parsed, errors = _read(source, SHELTER_COLUMNS, SHELTER_REQUIRED)
    found = _resolve_ids(session, Shelter, parsed, errors)
    needs = _resolve_offers(session, SHELTER, parsed, found, errors)
    if errors:
        raise CsvRejected(sorted(errors, key=lambda e: (e.row, e.column)))
    return _apply(session, Shelter, parsed, found, {
        "accepts_nonbinary": False, "same_gender": False, "pets": False, "accessible": False,
        "confidential": True, "active": True,
    }, needs)


def import_hotels(session: Session, source: str) -> ImportSummary:
    """Create or update hotels from CSV text; all rows or none (raises CsvRejected)."""
    parsed, errors = _read(source, HOTEL_COLUMNS, HOTEL_REQUIRED)
    programs = list(session.scalars(select(LoyaltyProgram)))
    by_key = {p.code.lower(): p for p in programs} | {p.name.lower(): p for p in programs}
    for number, values in parsed:
        if "program" in values:
            program = by_key.get((values["program"] or "").lower())
            if program is None:
                errors.append(RowError(number, "program", f"'{values['program']}' is not one of "
                                       f"{', '.join(sorted(p.code for p in programs))}"))
            values["program"] = program
    found = _resolve_ids(session, Hotel, parsed, errors)
    needs = _resolve_offers(session, HOTEL, parsed, found, errors)
    if errors:
        raise CsvRejected(sorted(errors, key=lambda e: (e.row, e.column)))
    return _apply(session, Hotel, parsed, found, {
        "room_capacity": 2, "rooms_per_night": 1, "pets": False, "accessible": False,
        "active": True,
    }, needs)
