"""Crisis housing requests. No names, phones or addresses: a generated case code identifies
each request."""

import enum
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partners.base import Base, enum_column, utcnow
from partners.needs import Need
from partners.us_states import state_of_label

# The planner looks this many nights ahead from today where the person is: no arrival, and
# no stay placed by hand, may start beyond it.
MAX_HORIZON_NIGHTS = 90

# Crockford's alphabet: no I, L, O or U, so a code read over the phone is not misheard.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_case_code() -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"SB-{body[:4]}-{body[4:]}"


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    NONBINARY = "nonbinary"


class AgeBand(enum.StrEnum):
    """A person's age as the places' rules read it (hotels check in from 18 or 21, most
    shelters take boys only under 13). ADULT and MINOR are ages not recorded: requests
    filed before the party was asked person by person."""

    ADULT_25 = "adult-25"
    ADULT_21 = "adult-21"
    ADULT_18 = "adult-18"
    TEEN = "teen"
    CHILD = "child"
    ADULT = "adult"
    MINOR = "minor"

    @property
    def is_adult(self) -> bool:
        return self in ADULT_BANDS


ADULT_BANDS = frozenset({AgeBand.ADULT_25, AgeBand.ADULT_21, AgeBand.ADULT_18, AgeBand.ADULT})


class PersonGender(enum.StrEnum):
    """One person's gender; UNKNOWN where it was not asked (a small child, an old request)."""

    FEMALE = "female"
    MALE = "male"
    NONBINARY = "nonbinary"
    UNKNOWN = "unknown"


class Priority(enum.StrEnum):
    CRITICAL = "critical"  # tonight
    HIGH = "high"  # within 24 hours
    NORMAL = "normal"

    @property
    def rank(self) -> int:
        return {"critical": 0, "high": 1, "normal": 2}[self.value]


class LabeledCode(enum.StrEnum):
    """A code stored by its value, with the words people read beside it:
    `MEMBER = "value", "Words"`."""

    def __new__(cls, value: str, label: str) -> "LabeledCode":
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class TraffickingType(LabeledCode):
    """The type of trafficking, as the hotline publishes its figures. Asked when it can be,
    never required to place someone; None on a request: not recorded."""

    SEX = "sex", "Sex trafficking"
    LABOR = "labor", "Labor trafficking"
    BOTH = "both", "Both sex and labor trafficking"
    UNKNOWN = "unknown", "Not known"  # asked, and not known


class ContactChannel(LabeledCode):
    """How the hotline was reached. Asked, never required; None: not recorded."""

    CALL = "call", "Phone call"
    TEXT = "text", "Text message"
    CHAT = "chat", "Web chat"
    EMAIL = "email", "E-mail"
    PARTNER = "partner", "A partner agency"  # a partner agency referred the person


class NoMoveReason(LabeledCode):
    """Why the advocate said the person must not be moved between places (bridge stays,
    issue 21): a reason in a word, never the case's details."""

    SAFETY = "safety", "A safety reason"
    SCHOOL = "school", "A child's school"
    OTHER = "other", "Another reason"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    PLACED = "placed"
    UNPLACEABLE = "unplaceable"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


def move_defaults(config: Mapping) -> dict[str, int]:
    """The coordinators' default number of moves per priority (MOVES_CRITICAL...)."""
    return {p.value: max(int(config.get(f"MOVES_{p.name}", 0)), 0) for p in Priority}


# The steps of a request, each stored as the first moment it happened (`<step>_at`; filing
# is `created_at`): the reports' time to safety reads them, not the audit log.
STEPS = ("first_proposed", "approved", "confirmed", "checked_in", "checked_out", "ended")


def month_of(moment: datetime, timezone: str) -> date:
    """The first day of the month `moment` (naive UTC) falls in, in `timezone`."""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    return local.date().replace(day=1)


def _month_filed(context) -> date:
    """A request's month of filing in the hotline's time zone (its figures are by month)."""
    created = context.get_current_parameters().get("created_at") or utcnow()
    zone = current_app.config["HOTLINE_TIMEZONE"] if has_app_context() else "UTC"
    return month_of(created, zone)


def _state_filed(context) -> str | None:
    """The state of where the person was at filing (kept when retention deletes where)."""
    return state_of_label(context.get_current_parameters().get("location_label"))


def _organization_filed(context) -> int | None:
    """The filer's organization, whichever way the request is written (the form, the
    demo, a test's factory): a referrer's request is their agency's from its first row."""
    user_id = context.get_current_parameters().get("created_by_id")
    if user_id is None:
        return None
    return context.connection.scalar(
        text('SELECT organization_id FROM "user" WHERE id = :id'), {"id": user_id})


def _deadline(context) -> date:
    return context.get_current_parameters()["latest"]


def most_urgent_first(query):
    """Order requests most urgent first, in SQL (priority values sort critical, high,
    normal), then by arrival and filing time."""
    return query.order_by(HousingRequest.priority, HousingRequest.earliest,
                          HousingRequest.created_at, HousingRequest.id)


# What each request needs at a place (partners/needs.py): case data, deleted at retention.
request_need = Table(
    "request_need", Base.metadata,
    Column("request_id", ForeignKey("housing_request.id", ondelete="CASCADE"),
           primary_key=True),
    Column("need_id", ForeignKey("need.id"), primary_key=True, index=True),
)


class HousingRequest(Base):
    __tablename__ = "housing_request"
    __table_args__ = (
        CheckConstraint("adults >= 0 AND children >= 0", name="counts_not_negative"),
        CheckConstraint("adults + children >= 1", name="party_not_empty"),
        CheckConstraint("pets >= 0", name="pets_not_negative"),
        CheckConstraint("nights >= 1", name="nights_positive"),
        CheckConstraint("(rest_from IS NULL AND rest_nights IS NULL) OR "
                        "(rest_from IS NOT NULL AND rest_nights >= 1)", name="rest_whole"),
        CheckConstraint("latest >= earliest", name="window_ordered"),
        # The reports filter and group by month, state and priority.
        Index("ix_housing_request_us_state_month", "us_state", "filed_month"),
        Index("ix_housing_request_priority_month", "priority", "filed_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_code: Mapped[str] = mapped_column(String(16), unique=True, default=new_case_code)
    # The advocate who filed it; None: filed through the integration API (api_filing says
    # which organization's key).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The organization that filed it: a referrer's agency, the organization of the key
    # that filed it, the hotline's (or none) for its advocates. Set once, at filing (from
    # the filer's account by default; file_request names a key's): a referrer follows
    # their organization's requests by it, the reports filter by it.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=_organization_filed)
    adults: Mapped[int]
    children: Mapped[int] = mapped_column(default=0)
    gender: Mapped[Gender] = mapped_column(enum_column(Gender, "party_gender"))
    pets: Mapped[int] = mapped_column(default=0)
    service_animal: Mapped[bool] = mapped_column(default=False)
    accessible: Mapped[bool] = mapped_column(default=False)
    # Where the person is now, as coarse as a ZIP code or city; purged after retention.
    location_label: Mapped[str | None] = mapped_column(String(120))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    max_miles: Mapped[int | None]
    timezone: Mapped[str | None] = mapped_column(String(64))  # where the person is
    earliest: Mapped[date]
    latest: Mapped[date]
    nights: Mapped[int]
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "request_priority"))
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.PENDING, index=True
    )
    # Free text, encrypted at rest (placement.crypto); never shown in lists or logs.
    note_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Why the request was withdrawn or closed (a short reason; never case details).
    status_reason: Mapped[str | None] = mapped_column(String(300))
    status_reason_code: Mapped[str | None] = mapped_column(String(30))  # for the reports
    # The planner's last word on why this request could not be placed, for the advocate.
    unplaced_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # filed
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the retention job deleted the note, location and danger zones (None: not yet).
    purged_at: Mapped[datetime | None]

    # -- for the reports: codes and moments, never free text; retention keeps them --------
    trafficking_type: Mapped[TraffickingType | None] = mapped_column(
        enum_column(TraffickingType, "trafficking_type"))
    contact_channel: Mapped[ContactChannel | None] = mapped_column(
        enum_column(ContactChannel, "contact_channel"))
    # The state (US_STATES: 50 states, DC, PR) of where the person was at filing.
    us_state: Mapped[str | None] = mapped_column(String(2), default=_state_filed)
    # The first day of the month of filing, in the hotline's time zone.
    filed_month: Mapped[date] = mapped_column(default=_month_filed, index=True)
    # The last arrival day as filed: editing the window later never moves it, so a stay
    # that starts after it is late (placement/bookings/outcomes.py).
    arrive_by: Mapped[date] = mapped_column(default=_deadline)
    # The first moment of each step (STEPS), set by the transition tables' one function
    # each (requests/states.py move, bookings/service.py _move and add_proposal).
    first_proposed_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_out_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]  # withdrawn or closed
    # Why it last had to wait for a place, as a code (requests/outcomes.py REASONS): the
    # planner's, a place's decline, a rejection... Kept once placed (why it was late).
    wait_reason_code: Mapped[str | None] = mapped_column(String(40))
    # The need codes the planner named when it last had to wait for needs: those no place
    # within reach offered (explain.Reason.needs). The reports' "needs no place nearby
    # offered" counts these, not every need the party had. Deleted at retention.
    wait_needs: Mapped[list[str] | None] = mapped_column(JSON)

    # -- bridge stays (issue 21): a hotel tonight, a shelter bed the night one opens ---------
    # The advocate's answer to "may move once if that gets them in sooner"; False for a
    # person who must not be moved, with why (NoMoveReason). A coordinator never overrides it.
    may_move: Mapped[bool] = mapped_column(default=True, server_default=true())
    no_move_reason: Mapped[str | None] = mapped_column(String(20))
    # The coordinators' choice for this request; None: their default for its priority
    # (MOVES_CRITICAL, MOVES_HIGH, MOVES_NORMAL).
    moves_allowed: Mapped[bool | None]
    # The rest of a placed request's stay that needs a place again (its later stay's place
    # said no): from this night, this many nights. None: nothing to re-plan.
    rest_from: Mapped[date | None]
    rest_nights: Mapped[int | None]

    danger_zones: Mapped[list["DangerZone"]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    exclusions: Mapped[list["Exclusion"]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    rejections: Mapped[list["PlaceRejection"]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    # What the party must find at a place; the planner places it only where all are met.
    needs: Mapped[set[Need]] = relationship(secondary=request_need)
    # Who the party is, without names; adults, children and gender above are derived from
    # them (requests/party.py) and stay when retention deletes them.
    people: Mapped[list["PartyMember"]] = relationship(
        back_populates="request", cascade="all, delete-orphan",
        order_by="PartyMember.position")

    @property
    def persons(self) -> int:
        return self.adults + self.children

    def max_moves(self, defaults: Mapping[str, int]) -> int:
        """How many times the planner may move the person: never where the advocate said
        no, else once where the coordinators allow it for this request or, unset, their
        default for its priority (`defaults`: priority value -> moves)."""
        if not self.may_move:
            return 0
        if self.moves_allowed is not None:
            return 1 if self.moves_allowed else 0
        return defaults.get(self.priority.value, 0)

    @property
    def no_move_label(self) -> str | None:
        try:
            return NoMoveReason(self.no_move_reason).label if self.no_move_reason else None
        except ValueError:
            return None

    def record_step(self, step: str, at: datetime) -> None:
        """`step` (one of STEPS) happened at `at`; only its first time is kept."""
        if step not in STEPS:
            raise ValueError(step)
        if getattr(self, f"{step}_at") is None:
            setattr(self, f"{step}_at", at)


class PartyMember(Base):
    """One person of a request's party: an age band and a gender, never a name. Case data:
    the retention job deletes these rows (the counts stay on the request)."""

    __tablename__ = "party_member"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)  # as the advocate listed them
    age_band: Mapped[AgeBand] = mapped_column(enum_column(AgeBand, "age_band"))
    gender: Mapped[PersonGender] = mapped_column(enum_column(PersonGender, "person_gender"))

    request: Mapped[HousingRequest] = relationship(back_populates="people")


class DangerZone(Base):
    """A place the person must stay away from (where the trafficker operates)."""

    __tablename__ = "danger_zone"
    __table_args__ = (CheckConstraint("miles > 0", name="radius_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float]
    lon: Mapped[float]
    miles: Mapped[int]

    request: Mapped[HousingRequest] = relationship(back_populates="danger_zones")


class AtOnePlace:
    """A row about this request and exactly one place, a shelter or a hotel (an exclusion,
    a rejection). The check is the database's, so no path can store both or neither."""

    __table_args__ = (
        CheckConstraint(
            "(shelter_id IS NULL) <> (hotel_id IS NULL)", name="exactly_one_place"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("housing_request.id", ondelete="CASCADE"), index=True
    )
    shelter_id: Mapped[int | None] = mapped_column(ForeignKey("shelter.id", ondelete="CASCADE"))
    hotel_id: Mapped[int | None] = mapped_column(ForeignKey("hotel.id", ondelete="CASCADE"))


class Exclusion(AtOnePlace, Base):
    """A place this request must not use (known to the trafficker, for example)."""

    __tablename__ = "request_exclusion"

    request: Mapped[HousingRequest] = relationship(back_populates="exclusions")


class PlaceRejection(AtOnePlace, Base):
    """A coordinator's "no" to a place for this request (a rejected proposal, a cancelled
    stay): the planner never proposes that place for it again, on any date, until a
    coordinator undoes it. Kept apart from the advocate's exclusions (a different reason,
    a different person, undoable)."""

    __tablename__ = "place_rejection"
    # The proposal or stay that was turned down (None when made some other way).
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    request: Mapped[HousingRequest] = relationship(back_populates="rejections")

    @property
    def active(self) -> bool:
        return self.undone_at is None
