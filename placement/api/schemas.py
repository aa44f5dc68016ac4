"""The API's bodies as pydantic models: the shapes and bounds a request must have (the same
bounds as the request form's fields), and the answers. The OpenAPI document is generated
from these (placement/api/docs.py); what the shape cannot say (a ZIP code we know, a party
the planner can house, a window it can see, a need in the vocabulary) is checked by the
same functions the form uses (placement/api/filing_input.py)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..reasons import END_REASONS
from ..requests.forms import MAX_DANGER_ZONES
from ..requests.models import AgeBand, ContactChannel, PersonGender, Priority, TraffickingType
from ..requests.party import MAX_PEOPLE

# The ages a person may be given (ADULT and MINOR are for requests from before people were
# asked one by one).
AGES = [b.value for b in AgeBand if b not in (AgeBand.ADULT, AgeBand.MINOR)]
Age = StrEnum("Age", {v.upper().replace("-", "_"): v for v in AGES})
EndReason = StrEnum("EndReason", {r.code.upper(): r.code for r in END_REASONS})

Where = Annotated[str, Field(min_length=1, max_length=120,
                             description="A 5-digit ZIP code (20001) or a city and state "
                                         "(Houston, TX).", examples=["20001"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is an error, not ignored


class PersonIn(Strict):
    age_band: Age
    gender: PersonGender


class AreaToAvoid(Strict):
    where: Where
    miles: int = Field(25, ge=1, le=500)


class NewRequest(Strict):
    """A request for a safe place, with no name, phone or address: who (by age and gender),
    where the person is now, when, for how long, and what the place must offer."""

    priority: Priority
    people: list[PersonIn] = Field(min_length=1, max_length=MAX_PEOPLE)
    pets: int = Field(0, ge=0, le=10)
    service_animal: bool = False
    accessible: bool = False
    where: Where
    max_miles: int | None = Field(30, ge=1, le=3000)
    areas_to_avoid: list[AreaToAvoid] = Field([], max_length=MAX_DANGER_ZONES)
    earliest: date | None = Field(None, description="Arrive no earlier than (the person's "
                                  "local date). Leave both dates out for the priority's own "
                                  "window: tonight, within 24 hours, or within three days.")
    latest: date | None = None
    nights: int = Field(3, ge=1, le=30)
    needs: list[Annotated[str, Field(max_length=40)]] = Field(
        [], max_length=50, description="Codes of the needs vocabulary the place must offer.")
    not_needed: list[Annotated[str, Field(max_length=40)]] = Field(
        [], max_length=10, description="Needs that follow from the party (a boy of 13-17 "
                                       "with an adult, a young adult) said not to be needed.")
    trafficking_type: TraffickingType | None = None
    contact_channel: ContactChannel | None = None


class FilingHeaders(BaseModel):
    idempotency_key: str = Field(
        alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
        description="A value of your choosing, new for each request you file (a random "
                    "UUID; never your record's id): a retry with the same value files "
                    "nothing and gets the first answer again.")


class StayPlace(BaseModel):
    kind: Literal["shelter", "hotel"]
    name: str
    city: str
    state: str


class Place(StayPlace):
    address: str | None = Field(description="None for a confidential shelter: staff say "
                                            "where to go when the person calls.")
    intake_contact: str | None
    intake_instructions: str | None


class Stay(BaseModel):
    """One stay of a placement, as the advocate's card lists it."""

    segment: int = Field(description="1 for the first stay, 2 for the one moved to.")
    state: str = Field(description="As the card's state.")
    place: StayPlace
    check_in: date
    check_out: date
    nights: int
    move_day: date | None = Field(description="The day the person moves here from the stay "
                                              "before (the hotline arranges the move); None "
                                              "for the first stay.")


class PlacementCard(BaseModel):
    """Where to send the person: what the advocate who filed it sees."""

    live: bool = Field(description="False: this stay ended and another place is sought.")
    state: str = Field(description="approved (held, waiting for the place's yes), "
                                   "confirmed, checked_in, checked_out; or, not live, "
                                   "cancelled, hold_expired, no_show.")
    place: Place
    check_in: date
    check_out: date
    nights: int
    hold_ends: datetime | None = Field(description="Until when an approved stay is held "
                                                   "(UTC).")
    confirmation: str | None
    script: str | None = Field(description="What to tell the caller, in plain sentences.")
    stays: list[Stay] = Field(description="Every stay of the placement, first to last: "
                                          "one, or a bridge stay's several (the person "
                                          "moves once, on a later stay's move_day). The "
                                          "fields above tell of the stay under way or next.")



class Status(BaseModel):
    case_code: str
    status: str = Field(description="pending, placed, withdrawn, closed.")
    filed_at: datetime
    updated_at: datetime


class RequestOut(Status):
    waiting_reason: str | None = Field(description="The planner's last word on why no "
                                                   "place was found yet.")
    end_reason: str | None = Field(description="Why it was withdrawn or closed (a code).")
    card: PlacementCard | None


class Withdrawal(Strict):
    reason: EndReason = Field(description="; ".join(f"{r.code}: {r.label}"
                                                    for r in END_REASONS))
    note: str | None = Field(None, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$",
                             description="A few words, needed when the "
                             "reason is `other`; never a name or anything that identifies.")


class Change(BaseModel):
    event_id: int = Field(description="Stable: the same change always has the same id.")
    case_code: str
    status: str
    at: datetime


class Changes(BaseModel):
    changes: list[Change]
    cursor: int = Field(description="Pass as `after` to read on from here.")


class ChangesQuery(Strict):
    after: int = Field(0, ge=0, le=2**62, description="The cursor of the last read (0: "
                                                      "from the start).")
    limit: int = Field(100, ge=1, le=500)


class AvailabilityQuery(Strict):
    first: date | None = Field(None, description="The first night (default: tonight at "
                                                 "the hotline).")
    nights: int = Field(7, ge=1, le=14)


class AreaNight(BaseModel):
    night: date
    shelter_beds_free: int | None = Field(description="None: withheld (too few places).")
    hotel_rooms_free: int | None = Field(description="None: withheld (too few places).")


class Area(BaseModel):
    area: str = Field(description="A state (two letters), or `other`: the states with too "
                                  "few places of a kind merged, so that no place stands "
                                  "alone.")
    shelters: int | None = Field(description="How many shelters (None: fewer than the "
                                             "minimum, withheld).")
    hotels: int | None
    nights: list[AreaNight]


class Availability(BaseModel):
    minimum_places: int = Field(description="A figure is shown only over at least this "
                                            "many places.")
    areas: list[Area]


class FieldProblem(BaseModel):
    pointer: str | None = Field(None, description="A JSON pointer into the body.")
    parameter: str | None = Field(None, description="A query parameter or header.")
    detail: str


class ProblemOut(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class ReportQuery(Strict):
    from_: str | None = Field(None, alias="from", pattern=r"^\d{4}-\d{2}$",
                              description="The first month (YYYY-MM); default: a year ago.")
    to: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="The last month.")
    state: str = Field("all", pattern=r"^[A-Za-z]{2}$|^all$",
                       description="A state's two-letter code, or all.")


class ReportCell(BaseModel):
    value: int | float | None = Field(description="None: hidden (a small count, or one "
                                                  "that would let a small one be worked "
                                                  "out), or not shown.")
    text: str


class ReportRow(BaseModel):
    key: str
    label: str
    cells: list[ReportCell]


class ReportColumn(BaseModel):
    key: str
    label: str


class ReportTable(BaseModel):
    key: str
    title: str
    row_label: str
    columns: list[ReportColumn]
    rows: list[ReportRow]
    total: ReportRow | None
    note: str


class ReportOut(BaseModel):
    """The funders' export of the reports (suppressed as they get it), as JSON."""

    area: str
    months: list[str]
    tables: list[ReportTable]
