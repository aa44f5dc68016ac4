"""The API's endpoints. Each parses (spectree, against the models of schemas.py), loads what
the key's organization may see, calls the service function the pages call, and answers."""

from datetime import UTC, timedelta

from flask import current_app, g, request
from sqlalchemy.orm import Session

from .. import audit
from ..auth.access import keyed
from ..bookings import service
from ..bookings.card import card_for
from ..bookings.states import BookingState
from ..clock import hotline_today
from ..database import writes
from ..extensions import db
from ..problems import Problem, field_error
from ..requests.models import MAX_HORIZON_NIGHTS, HousingRequest, RequestStatus
from ..requests.service import file_request
from ..requests.views import after_filing
from . import bp
from .availability import aggregates
from .events import changes_since
from .filing_input import details_of
from .filings import (
    body_digest,
    claim,
    earlier_filing,
    idempotency_digest,
    visible_request,
)
from .keys import Scope
from .schemas import (
    Availability,
    AvailabilityQuery,
    Changes,
    ChangesQuery,
    FilingHeaders,
    NewRequest,
    RequestOut,
    Status,
    Withdrawal,
)
from .spec import answers, spec

NOT_FOUND = "No request with this case code was filed by your organization's keys."
B = BookingState


def moment(naive_utc) -> str:
    """A stored moment (naive UTC) as RFC 3339 says it: with its offset."""
    return naive_utc.replace(tzinfo=UTC).isoformat()


def status_of(housing_request: HousingRequest) -> dict:
    return {"case_code": housing_request.case_code, "status": housing_request.status.value,
            "filed_at": moment(housing_request.created_at),
            "updated_at": moment(housing_request.updated_at)}


def card_of(housing_request: HousingRequest) -> dict | None:
    """The placement card as the advocate who filed it sees it (bookings/card.py)."""
    card = card_for(housing_request)
    stay = card.stay
    if stay is None:
        return None
    place = stay.place
    return {
        "live": card.live, "state": stay.state.value,
        "place": {**place_of(stay), "address": card.address,
                  "intake_contact": place.intake_contact,
                  "intake_instructions": place.intake_instructions},
        "check_in": stay.check_in.isoformat(), "check_out": stay.check_out.isoformat(),
        "nights": stay.nights,
        "hold_ends": (moment(card.hold_ends)
                      if card.hold_ends and stay.state is B.APPROVED else None),
        "confirmation": stay.confirmation if stay.state in (B.CONFIRMED, B.CHECKED_IN)
        else None,
        "script": card.script if card.live and stay.state in (B.APPROVED, B.CONFIRMED)
        else None,
        "stays": [{"segment": each.segment, "state": each.state.value,
                   "place": place_of(each), "check_in": each.check_in.isoformat(),
                   "check_out": each.check_out.isoformat(), "nights": each.nights,
                   "move_day": each.check_in.isoformat() if each.is_move else None}
                  for each in card.stays or (stay,)],
    }


def place_of(stay) -> dict:
    """A stay's place as the card names it: its kind, name and city, never its address."""
    place = stay.place
    return {"kind": "hotel" if stay.is_hotel else "shelter", "name": place.name,
            "city": place.city, "state": place.state}


def own(session: Session, case_code: str) -> HousingRequest:
    found = visible_request(session, g.api_caller, case_code)
    if found is None:
        raise Problem(404, NOT_FOUND)
    return found


@bp.post("/requests")
@keyed(Scope.FILE)
@spec.validate(json=NewRequest, headers=FilingHeaders,
               resp=answers(HTTP_201=Status, HTTP_409=spec.validation_error_model),
               tags=["requests"], operation_id="fileRequest")
def file_new():
    """File a request for a safe place.

    The answer is the case code to keep in your records: we keep no reference of yours.
    A retry with the same `Idempotency-Key` files nothing and answers as the first time."""
    caller = g.api_caller
    digest = idempotency_digest(caller.key_id, request.context.headers.idempotency_key)
    posted = body_digest(request.get_json())
    if (earlier := earlier_filing(db.session, caller, digest)) is not None:
        return replay(earlier, posted)
    details = details_of(db.session, request.context.json)
    filing = claim(db.session, caller, digest, posted)
    if filing is None:  # a retry that came at the same instant filed it first
        return replay(earlier_filing(db.session, caller, digest), posted)
    filed = file_request(db.session, None, details, organization_id=caller.organization_id)
    filing.request_id = filed.id
    db.session.flush()
    filing.response = answer = status_of(filed)
    after_filing(filed, g.audit_actor)
    return answer, 201


def replay(earlier, posted: bytes):
    if earlier is None:
        raise Problem(409, "A filing with this Idempotency-Key is under way; retry.")
    if earlier.body_digest != posted:
        raise Problem(422, "This Idempotency-Key was used for a different request: use a "
                           "new key for a new request.", errors=[field_error(
                               "Idempotency-Key", "already used for another body")])
    return earlier.response, 201, {"Idempotent-Replayed": "true"}


@bp.get("/requests/<case_code>")
@writes  # every read of a case is on the record
@keyed(Scope.READ)
@spec.validate(resp=answers(HTTP_200=RequestOut, HTTP_404=spec.validation_error_model),
               tags=["requests"], operation_id="readRequest")
def read(case_code: str):
    """A request's status and placement card: what its advocate would see."""
    housing_request = own(db.session, case_code)
    audit.record(db.session, None, "read", "request", housing_request.id)
    return {**status_of(housing_request), "waiting_reason": housing_request.unplaced_reason,
            "end_reason": housing_request.status_reason_code,
            "card": card_of(housing_request)}


@bp.get("/requests/<case_code>/status")
@keyed(Scope.READ)
@spec.validate(resp=answers(HTTP_200=Status, HTTP_404=spec.validation_error_model),
               tags=["requests"], operation_id="requestStatus")
def status(case_code: str):
    """A request's status only, for polling (not audited, unlike a read of the request)."""
    return status_of(own(db.session, case_code))


@bp.post("/requests/<case_code>/withdraw")
@keyed(Scope.WITHDRAW)
@spec.validate(json=Withdrawal, resp=answers(HTTP_200=Status,
                                             HTTP_404=spec.validation_error_model,
                                             HTTP_409=spec.validation_error_model),
               tags=["requests"], operation_id="withdrawRequest")
def withdraw(case_code: str):
    """No place is needed any more: withdraw the request, with a reason from the short
    list. A stay it holds is cancelled and its beds or rooms given back. Withdrawing a
    withdrawn request changes nothing."""
    housing_request = own(db.session, case_code)
    if housing_request.status is RequestStatus.WITHDRAWN:
        return status_of(housing_request)
    body = request.context.json
    try:
        service.end_request(db.session, housing_request, None, "withdraw", body.reason.value,
                            body.note or "")
    except service.REFUSED as error:
        raise Problem(409, str(error)) from None
    return status_of(housing_request)


@bp.get("/changes")
@keyed(Scope.READ)
@spec.validate(query=ChangesQuery, resp=answers(HTTP_200=Changes), tags=["requests"],
               operation_id="listChanges")
def changes():
    """Changes of status of your organization's requests after a cursor, oldest first.
    Each has a stable event id; events are numbered in the order they were committed, so
    reading on from the last cursor never misses one."""
    query = request.context.query
    rows = changes_since(db.session, g.api_caller.organization_id, query.after, query.limit)
    return {"changes": [{"event_id": event_id, "case_code": code, "status": state,
                         "at": moment(at)} for event_id, code, state, at in rows],
            "cursor": rows[-1][0] if rows else query.after}


@bp.get("/availability")
@keyed(Scope.AVAILABILITY)
@spec.validate(query=AvailabilityQuery, resp=answers(HTTP_200=Availability),
               tags=["availability"], operation_id="availability")
def availability():
    """Shelter beds and hotel rooms free, by state and night, over enough places only."""
    query = request.context.query
    today = hotline_today()
    first = query.first or today
    if not today - timedelta(days=1) <= first <= today + timedelta(days=MAX_HORIZON_NIGHTS):
        raise Problem(422, "The first night is out of range.", errors=[field_error(
            "first", f"From yesterday to {MAX_HORIZON_NIGHTS} days on.")])
    minimum = current_app.config["AVAILABILITY_MIN_PLACES"]
    return {"minimum_places": minimum,
            "areas": aggregates(db.session, first, query.nights, minimum)}
