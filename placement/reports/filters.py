"""What a report is about: whole months, a state or all, a program (or shelters) or all, a
priority or all, the organization that filed the requests (the hotline, a partner agency) or
all. Read from a query string; anything else is refused with a sentence a
person can act on (BadFilter, answered 400), never guessed.

Months are whole (a day given is snapped to its month) and states are whole states, so two
reports can only differ by whole months and whole states: the funders' exports, which hide
small counts, cannot be differenced into a hidden cell by moving a boundary by a day.
"""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date

from partners.reports import month_of, months_before, months_between
from partners.us_states import US_STATES

from ..requests.models import Priority

ALL = "all"
SHELTER = "shelter"  # the program filter's value for shelter stays
# The organization filter's value for the hotline's own requests (its advocates', and its
# own systems' keys); a partner agency is chosen by its organization's id.
HOTLINE = "hotline"
# The longest range one report covers: ten years of months, one row each.
MAX_MONTHS = 120
DEFAULT_MONTHS = 12


class BadFilter(ValueError):
    """A filter value the reports cannot take; str() is the sentence to show (a 400)."""


@dataclass(frozen=True)
class Filters:
    """Requests filed from the month of `first` to the month of `last` (both the first day
    of their month), in `state` (a USPS code of US_STATES; None: every state, and requests
    with none), with a stay at `program` (a loyalty program's code, SHELTER, or None: any
    stay or none), of `priority` (None: every priority) and filed by `organization` (HOTLINE,
    a partner agency's id as text, or None: whoever filed them)."""

    first: date
    last: date
    state: str | None = None
    program: str | None = None
    priority: Priority | None = None
    organization: str | None = None

    def __post_init__(self) -> None:
        if self.first != month_of(self.first) or self.last != month_of(self.last):
            raise BadFilter("Months start on their first day.")
        if self.first > self.last:
            raise BadFilter("The first month is after the last one: swap them.")
        if len(self.months) > MAX_MONTHS:
            raise BadFilter(f"Choose at most {MAX_MONTHS} months.")

    @property
    def months(self) -> list[date]:
        return months_between(self.first, self.last)

    @property
    def end(self) -> date:
        """The first day after the last month."""
        return months_before(self.last, -1)

    def as_args(self) -> dict[str, str]:
        """The query string that gives these filters back (links, the exports)."""
        return {"from": f"{self.first:%Y-%m}", "to": f"{self.last:%Y-%m}",
                "state": self.state or ALL, "program": self.program or ALL,
                "priority": self.priority.value if self.priority else ALL,
                "organization": self.organization or ALL}

    def with_(self, **changes) -> "Filters":
        return replace(self, **changes)


def default_filters(today: date) -> Filters:
    """The last DEFAULT_MONTHS months, this one (so far) included."""
    last = month_of(today)
    return Filters(months_before(last, DEFAULT_MONTHS - 1), last)


MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", re.ASCII)


def parse_month(text: str, name: str) -> date:
    """"2026-03" or a day of it ("2026-03-15"), as the month's first day."""
    match = MONTH_RE.fullmatch(text.strip())
    try:
        if not match or not 2000 <= int(match[1]) <= 2099:
            raise ValueError(text)
        day = date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        raise BadFilter(f"The {name} month must be written as a year and a month, like "
                        f"2026-03 (between 2000 and 2099).") from None
    return month_of(day)


def _choice(args: Mapping[str, str], name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return None if value in ("", ALL) else value


def parse_filters(args: Mapping[str, str], today: date, programs: list[str],
                  organizations: Collection[str] | None = None) -> Filters:
    """Filters from a query string (`from`, `to`, `state`, `program`, `priority`,
    `organization`); what is left out takes its default (the last DEFAULT_MONTHS months,
    all). `programs`: the loyalty programs' codes; `organizations`: the partner agencies'
    ids as text (None: the organization is not a filter here, and is ignored)."""
    default = default_filters(today)
    first = parse_month(args["from"], "first") if args.get("from") else default.first
    last = parse_month(args["to"], "last") if args.get("to") else default.last
    if args.get("from") and not args.get("to") and first > last:
        last = first
    state = _choice(args, "state")
    if state is not None:
        if state.upper() not in US_STATES:
            raise BadFilter("Choose a state from the list (its two-letter code), or all.")
        state = state.upper()
    program = _choice(args, "program")
    if program is not None and program != SHELTER and program not in programs:
        raise BadFilter("Choose a loyalty program from the list, shelters, or all.")
    priority = _choice(args, "priority")
    if priority is not None and priority not in {p.value for p in Priority}:
        raise BadFilter("Choose a priority from the list (critical, high, normal), or all.")
    organization = _choice(args, "organization") if organizations is not None else None
    if organization is not None and organization != HOTLINE and organization not in organizations:
        raise BadFilter("Choose an organization from the list (the hotline or a partner "
                        "agency), or all.")
    return Filters(first, last, state, program, Priority(priority) if priority else None,
                   organization)
