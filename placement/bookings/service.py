"""Booking transitions. Each function checks the transition table, does the work (holds,
releases, points), writes an audit row, and flushes; the caller's unit of work commits.

Approval re-checks everything inside one transaction: the place's rules against the
request (the optimizer's own check), beds or rooms under the place's row lock, and points
under the program's lock. Two coordinators approving conflicting proposals at once: one
wins, the other is told what changed.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from partners import ledger
from partners.availability import (
    AvailabilityError,
    hold_beds,
    hold_rooms,
    points_for_stay,
    record_staff_report,
    release_beds,
    release_rooms,
)
from partners.availability.common import lock
from partners.base import utcnow
from partners.places import BedHold, Hotel, RoomHold, Shelter

from .. import audit
from ..audit import AuditEvent
from ..filters import day_label
from ..reasons import DECLINE_LABELS, END_LABELS, NO_BED, OTHER, reason_text
from ..requests import rejections
from ..requests import states as request_states
from ..requests.models import MAX_HORIZON_NIGHTS, HousingRequest, RequestStatus
from ..requests.service import NOT_PLANNED_FIELDS, RequestEdit, apply_edit
from . import chains  # noqa: F401 - its commit hook keeps every chain whole
from .models import Booking, new_confirmation_code
from .needs import labels_of, needs_lacking
from .outcomes import record_outcome
from .states import (
    PLACING,
    TRANSITIONS,
    BookingState,
    TransitionNotAllowed,
    can,
    target_of,
)


class BookingConflict(Exception):
    """What changed since the plan, in a sentence for the coordinator."""


# Every refusal a service call may raise, each with its sentence for the person.
REFUSED = (BookingConflict, TransitionNotAllowed)


class RulesBroken(BookingConflict):
    """The stay breaks one of the place's rules (not a race: the same answer every time)."""


class NeedsMissing(RulesBroken):
    """The place lacks some of the request's needs and breaks no other rule: a coordinator
    placing by hand may override those needs, with a reason (`NeedOverride`)."""

    def __init__(self, message: str, codes: set[str]) -> None:
        super().__init__(message)
        self.codes = codes


@dataclass(frozen=True)
class NeedOverride:
    """A coordinator's "place here anyway": the need codes they were shown as lacking, and
    why. It counts only when those are exactly the needs the place lacks."""

    codes: frozenset[str]
    reason: str


class DatesOutOfRange(RulesBroken):
    """The check-in or the number of nights is outside what the app plans (a form field's
    error rather than the place's)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _lock_request(session: Session, request_id: int) -> HousingRequest:
    """The first lock of every path that changes a request's stays (see `_lock`)."""
    request = session.scalar(
        select(HousingRequest).where(HousingRequest.id == request_id)
        .with_for_update(key_share=True).execution_options(populate_existing=True)
    )
    if request is None:
        raise BookingConflict("This request no longer exists.")
    return request


def _lock(session: Session, booking: Booking) -> Booking:
    """Re-read the booking under a row lock: its state is the one we act on.

    Every path takes its locks in one order: the request, then the booking, then the place
    (hold_beds / hold_rooms), then the loyalty program (the ledger), and all of them before
    it inserts a row. Two coordinators acting on one request, or on one place, then queue
    instead of deadlocking (an insert's foreign key takes a share lock on the place that a
    later FOR UPDATE would wait on).
    """
    session.flush()
    _lock_request(session, booking.request_id)
    session.refresh(booking, with_for_update=True)
    return booking


def _lock_places(session: Session, stays: list[Booking]) -> None:
    """The stays' places' rows, then their programs', before any hold is inserted: shelters
    then hotels, each by id, then programs by id, so two chains over the same places
    queue instead of deadlocking."""
    for shelter_id in sorted({b.shelter_id for b in stays if not b.is_hotel}):
        lock(session, Shelter, shelter_id)
    hotels = [lock(session, Hotel, hotel_id)
              for hotel_id in sorted({b.hotel_id for b in stays if b.is_hotel})]
    for program_id in sorted({h.program_id for h in hotels}):
        ledger.lock_program(session, program_id)


def _refuse_unless_pending(session: Session, request: HousingRequest,
                           booking_id: int | None = None) -> None:
    """A request with a live stay, or no longer waiting for one, is not placed again."""
    live = session.scalar(
        select(Booking.id).where(Booking.request_id == request.id,
                                 Booking.state.in_(PLACING), Booking.id != booking_id)
    )
    if live is not None:
        raise BookingConflict(f"Request {request.case_code} is already placed.")
    if request.status is not RequestStatus.PENDING:
        raise BookingConflict(
            f"Request {request.case_code} is {request.status.value}, not waiting for a place.")


def _move(session: Session, booking: Booking, action: str, actor_id: int | None,
          detail: str | None = None) -> None:
    """The one place a booking's state changes: checked against the table, the request's
    step and why it waits again recorded as the table says, and an audit row."""
    source = booking.state
    booking.state = target_of(action, source)
    transition = TRANSITIONS[action]
    if transition.step:
        booking.request.record_step(transition.step, utcnow())
    if transition.waits:
        booking.request.wait_reason_code = transition.waits.format(
            reason_code=booking.reason_code)
    audit.record(session, actor_id, action, "booking", booking.id, source.value,
                 booking.state.value, detail)
    session.flush()


def add_proposal(session: Session, booking: Booking) -> Booking:
    """The one way a stay enters the database, proposed (by a planner run, or by a
    coordinator placing by hand, who approves it at once): its request's first proposal is
    recorded."""
    if booking.state not in (None, BookingState.PROPOSED):
        raise ValueError("a stay enters the database proposed")
    booking.state = BookingState.PROPOSED
    session.add(booking)
    booking.request.record_step("first_proposed", utcnow())
    return booking


def _ago(moment: datetime, now: datetime) -> str:
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return "moments ago"
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    return f"{minutes // 60} hours ago"


PLAN_AGAIN = "Run the planner again for a new proposal."
CHOOSE_AGAIN = "Choose another place or another date."


def _sentence(text: str) -> str:
    """A message part as a sentence: a capital first and a full stop last."""
    text = str(text).strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _explain_full(session: Session, booking: Booking, error: AvailabilityError,
                  advice: str) -> str:
    """Turn "no bed is free" into what happened, with when the last one went."""
    night = getattr(error, "night", None)
    model, column = (RoomHold, RoomHold.hotel_id) if booking.is_hotel else (
        BedHold, BedHold.shelter_id)
    if night is not None:
        latest = session.scalar(
            select(model.created_at).where(column == booking.place.id, model.night == night,
                                           model.released_at.is_(None))
            .order_by(model.created_at.desc()).limit(1)
        )
        if latest is not None:
            what = "room" if booking.is_hotel else "bed"
            return (f"The last {what} at {booking.place.name} for the night of "
                    f"{night:%a %b %-d} was taken {_ago(latest, utcnow())}. {advice}")
    return f"{_sentence(error)} {advice}"


def _proposed_chain(session: Session, booking: Booking) -> list[Booking]:
    """The proposal and the other proposed stays of its chain, first to last, each under
    its row lock (a chain is approved, rejected and withdrawn whole)."""
    stays = [b for b in chains.chain_of(session, booking) if b.state is BookingState.PROPOSED]
    for stay in stays:
        if stay is not booking:
            session.refresh(stay, with_for_update=True)
    return [b for b in stays if b.state is BookingState.PROPOSED] or [booking]


def _refuse_unless_rest(session: Session, request: HousingRequest, first: Booking) -> None:
    """A proposal for the rest of a stay (a later stay whose chain is live) is approved
    only while that rest still waits, from the same move day, after the chain's last
    live stay."""
    live = chains.live_stays(session, request.id)
    if not (live and request.status is RequestStatus.PLACED and request.rest_from is not None
            and first.chain_id == live[0].id and first.segment == live[-1].segment + 1
            and first.check_in == live[-1].check_out == request.rest_from):
        raise BookingConflict(f"The rest of {request.case_code}'s stay this proposal was "
                              "for has changed. " + PLAN_AGAIN)


def _hold(session: Session, booking: Booking, today: date, first_night: date, nights: int,
          points: int, key: str | None) -> None:
    """Hold the stay's beds, or its rooms and points, on `nights` nights from `first_night`
    (AvailabilityError or ledger.InsufficientPoints when they are not there)."""
    if booking.is_hotel:
        hold_rooms(session, booking.hotel_id, first_night, nights, booking.rooms, booking.ref)
        ledger.hold_points(session, booking.hotel.program_id, points, booking.ref, today,
                           idempotency_key=key)
    else:
        hold_beds(session, booking.shelter_id, first_night, nights, booking.persons,
                  booking.ref)


def approve(session: Session, booking: Booking, actor_id: int, today: date,
            rule_check=None, *, advice: str = PLAN_AGAIN) -> None:
    """Hold the beds or rooms and the points; the request is placed.

    A proposed chain (bridge stays) is approved whole, whichever of its stays was clicked:
    every stay holds its own beds or rooms and points, or none does. A proposal for the
    rest of a stay goes on its live chain.

    `rule_check(booking) -> list[str]` re-checks the place's rules (policy, pets, distance…)
    against the request; any broken rule refuses the approval.
    """
    _lock(session, booking)
    target_of("approve", booking.state)
    stays = _proposed_chain(session, booking)
    first, request = stays[0], booking.request
    rest = first.is_move
    if rest:
        _refuse_unless_rest(session, request, first)
    else:
        _refuse_unless_pending(session, request, booking.id)
    if first.check_in < today:
        raise BookingConflict(f"This proposal's check-in ({first.check_in:%b %-d}) has passed.")
    if rule_check is not None:
        broken = [(b, rule) for b in stays for rule in rule_check(b)]
        if broken:
            raise RulesBroken("This stay no longer fits: " + "; ".join(
                f"{b.place.name}: {rule}" if len(stays) > 1 else rule
                for b, rule in broken) + ".")
    _lock_places(session, stays)
    with session.begin_nested():  # every stay's holds, or none
        for stay in stays:
            try:
                _hold(session, stay, today, stay.check_in, stay.nights, stay.points_planned,
                      f"approve:{stay.ref}")
            except AvailabilityError as error:
                raise BookingConflict(_explain_full(session, stay, error, advice)) from error
            except ledger.InsufficientPoints as error:
                raise BookingConflict(f"Not enough points any more: {error}. {advice}") \
                    from error
    now = utcnow()
    if rest:
        request.rest_from = request.rest_nights = None
    else:
        request_states.move(session, request, "place", actor_id)
    request.unplaced_reason = None
    try:
        for stay in stays:
            stay.approved_at = now
            _move(session, stay, "approve", actor_id)
    except IntegrityError as error:  # the database's own guard: one live stay per segment
        raise BookingConflict(f"Request {request.case_code} is already placed.") from error


def place_by_hand(session: Session, request: HousingRequest, place: Shelter | Hotel,
                  check_in: date, nights: int, actor_id: int, today: date,
                  rule_check=None, override: NeedOverride | None = None) -> Booking:
    """A coordinator places a request at a place of their choosing: the same approval as a
    proposal's, under the same locks, all taken before the booking row is inserted.

    `rule_check(booking) -> list[str]` names the place's rules the stay would break; any
    refuses it, but for needs the place lacks that `override` names (`_check_fit`).
    Conflicts (already placed, full, not enough points) raise BookingConflict with the same
    sentence a coordinator gets when they come one after the other.
    """
    last = today + timedelta(days=MAX_HORIZON_NIGHTS - 1)
    if not today <= check_in <= last:
        raise DatesOutOfRange(f"The check-in must be between today "
                              f"({day_label(today, today.year)}) and "
                              f"{day_label(last, today.year)}.", "check_in")
    if not 1 <= nights <= MAX_HORIZON_NIGHTS:
        raise DatesOutOfRange(f"A stay is 1 to {MAX_HORIZON_NIGHTS} nights.", "nights")
    _lock_request(session, request.id)
    _refuse_unless_pending(session, request)
    is_hotel = isinstance(place, Hotel)
    if is_hotel:
        place = lock(session, Hotel, place.id)
        ledger.lock_program(session, place.program_id)
    else:
        place = lock(session, Shelter, place.id)
    rooms = rooms_for(request.persons, place.room_capacity) if is_hotel else 0
    try:
        points = points_for_stay(session, place, check_in, nights, rooms) if is_hotel else 0
    except AvailabilityError as error:
        raise BookingConflict(f"{_sentence(error)} {CHOOSE_AGAIN}") from error
    booking = Booking(request=request, check_in=check_in, nights=nights,
                      persons=request.persons, rooms=rooms, points_planned=points,
                      **({"hotel": place} if is_hotel else {"shelter": place}))
    _check_fit(booking, rule_check, override)
    add_proposal(session, booking)
    session.flush()
    approve(session, booking, actor_id, today, advice=CHOOSE_AGAIN)
    if booking.need_override:
        # How many, not which: the log outlives retention, and a need ("pregnant", a
        # language) points at a person; the stay keeps the codes until retention.
        count = len(booking.overridden_needs)
        audit.record(session, actor_id, "override_needs", "booking", booking.id,
                     detail=f"{count} need{'s' if count != 1 else ''} overridden")
    return booking


def _check_fit(booking: Booking, rule_check, override: NeedOverride | None) -> None:
    """Refuse a stay placed by hand that breaks the place's rules. Needs the place lacks
    are refused on their own (NeedsMissing, naming them) unless `override` names exactly
    those, with a reason: the booking then keeps the override, which the rule check
    honours. Any other broken rule refuses, overridden or not."""
    lacking = needs_lacking(booking)
    if override is not None and lacking and override.codes == lacking:
        if not override.reason.strip():
            raise RulesBroken("Say why these needs are overridden.")
        booking.need_override = ";".join(sorted(lacking))
        booking.override_reason = override.reason.strip()[:300]
    broken = rule_check(booking) if rule_check is not None else []
    if lacking and not booking.need_override:
        booking.need_override = ";".join(sorted(lacking))  # what else is wrong?
        others = rule_check(booking) if broken else []
        booking.need_override = None
        if not others:
            named = " or ".join(f"“{label}”" for label in labels_of(booking.request.needs, lacking))
            raise NeedsMissing(f"{booking.place.name} does not offer {named}.", lacking)
    if broken:
        raise RulesBroken("This stay does not fit: " + "; ".join(broken) + ".")


def rooms_for(persons: int, room_capacity: int) -> int:
    """Rooms a party of `persons` needs at a hotel whose rooms take `room_capacity`."""
    return -(-persons // room_capacity)


def lock_proposals(session: Session, request_ids: list[int] | None = None) -> list[Booking]:
    """The open proposals (of `request_ids`, or all), read under their row locks after their
    requests' locks (in id order: the order of `_lock`), for a job or a plan run that
    withdraws or keeps them in bulk. A proposal a coordinator approved a moment ago is no
    longer among them (PostgreSQL re-reads a row when its lock is granted)."""
    proposed = select(Booking.request_id).where(Booking.state == BookingState.PROPOSED)
    if request_ids is not None:
        proposed = proposed.where(Booking.request_id.in_(request_ids))
    session.execute(select(HousingRequest.id).where(HousingRequest.id.in_(proposed))
                    .order_by(HousingRequest.id).with_for_update(key_share=True)).all()
    query = select(Booking).where(Booking.state == BookingState.PROPOSED)
    if request_ids is not None:
        query = query.where(Booking.request_id.in_(request_ids))
    return list(session.scalars(
        query.order_by(Booking.id).with_for_update()
        .execution_options(populate_existing=True)))


def reject(session: Session, booking: Booking, actor_id: int, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise BookingConflict("Say why the proposal is rejected.")
    _lock(session, booking)
    target_of("reject", booking.state)
    for other in _proposed_chain(session, booking):  # a chain is turned down whole
        if other is not booking:
            withdraw(session, other, actor_id, "its chain was rejected")
    booking.reason = reason[:300]
    _move(session, booking, "reject", actor_id)
    _keep_out(session, booking, actor_id)


def withdraw(session: Session, booking: Booking, actor_id: int | None, reason: str) -> None:
    booking.reason = reason
    _move(session, booking, "withdraw", actor_id)


def _release(session: Session, booking: Booking, from_night: date | None = None) -> None:
    if booking.is_hotel:
        release_rooms(session, booking.ref, from_night=from_night)
        if from_night is None:
            ledger.release_hold(session, booking.ref)
    else:
        release_beds(session, booking.ref, from_night=from_night)


def _unplace(session: Session, booking: Booking, actor_id: int | None,
             close_reason: str | None = None) -> None:
    """The stay no longer places its request: it waits for a place again or, when the
    coordinator says no place is needed any more, it is closed for good."""
    request = booking.request
    if close_reason is not None:
        _end(session, request, "close", actor_id, close_reason, None)
        _withdraw_open_proposals(session, request, actor_id, "the request was closed")
    elif request_states.can("requeue", request.status):
        # Only a placed request goes back: the jobs release stays one after another, and a
        # request in some other state (rows older than the table) must not stop them.
        request_states.move(session, request, "requeue", actor_id)


def confirm(session: Session, booking: Booking, actor_id: int, confirmation: str,
            points_charged: int | None, today: date) -> None:
    """The shelter or hotel confirmed. For a hotel, the points actually charged (award
    nights can be cheaper or free) replace the planned points, and the hold follows."""
    confirmation = (confirmation or "").strip()
    if not confirmation:
        raise BookingConflict("Enter the confirmation number or the shelter contact.")
    _lock(session, booking)
    target_of("confirm", booking.state)
    if booking.is_hotel and points_charged is not None:
        if points_charged < 0:
            raise BookingConflict("Points charged cannot be negative.")
        try:
            ledger.set_hold(session, booking.hotel.program_id, booking.ref, points_charged, today,
                            idempotency_key=f"confirm:{booking.ref}")
        except ledger.InsufficientPoints as error:
            raise BookingConflict(f"Not enough points for that charge: {error}.") from error
        booking.points_charged = points_charged
    booking.confirmation = confirmation[:100]
    _move(session, booking, "confirm", actor_id, detail="confirmation recorded")


def _coded_reason(labels: dict[str, str], code: str, note: str, why: str) -> str:
    """A reason chosen from a short list (placement/reasons.py) as people read it; "Other"
    needs a few words. Refused with the same sentences as the form's."""
    if code not in labels:
        raise BookingConflict(f"Choose why {why}.")
    if code == OTHER and not (note or "").strip():
        raise BookingConflict(f"Say why {why}.")
    return reason_text(labels, code, note)


def accept(session: Session, booking: Booking, actor_id: int | None) -> str:
    """The shelter says yes through its staff link: the stay is confirmed under a code the
    shelter and the advocate both see (the person may be asked for it at the door)."""
    _lock(session, booking)
    target_of("accept", booking.state)
    booking.confirmation = new_confirmation_code()
    _move(session, booking, "accept", actor_id, detail="confirmation generated")
    return booking.confirmation


def decline(session: Session, booking: Booking, actor_id: int | None, reason_code: str,
            note: str = "", *, now: datetime | None = None, source: str = "coordinator") -> None:
    """The place says no (through the staff link, or to a coordinator by phone): the stay
    is cancelled and what it held comes back, the place is kept out of this request's
    plans, and the request waits for a place again. "No bed after all" also records the
    shelter as full on the stay's nights, so the next plan does not send the next person
    there."""
    reason = _coded_reason(DECLINE_LABELS, reason_code, note, "the place said no")
    booking.reason_code = reason_code  # before the move: the request waits for this reason
    _give_back(session, booking, "decline", actor_id, reason)
    _keep_out(session, booking, actor_id)
    if reason_code == NO_BED and not booking.is_hotel:
        at = now or utcnow()
        for night in (booking.check_in + timedelta(days=n) for n in range(booking.nights)):
            record_staff_report(session, booking.shelter, night, 0, at,
                                source=f"{source}: no bed after all")
    session.flush()


def check_in(session: Session, booking: Booking, actor_id: int) -> None:
    _lock(session, booking)
    _move(session, booking, "check_in", actor_id)


def check_out(session: Session, booking: Booking, actor_id: int | None, today: date) -> None:
    """The stay ends: nights not used come free, and held points are spent."""
    _lock(session, booking)
    target_of("check_out", booking.state)
    follows = [b for b in chains.live_stays(session, booking.request_id)
               if b.segment > booking.segment]
    if follows and today < booking.check_out:
        raise BookingConflict(f"The person moves to {follows[0].place.name} on "
                              f"{booking.check_out:%a %b %-d}: check out then, or cancel that "
                              "stay first.")
    if today < booking.check_out:
        first_free = max(today, booking.check_in + timedelta(days=1))
        _release(session, booking, from_night=first_free)
        booking.nights = (first_free - booking.check_in).days
    if booking.is_hotel:
        ledger.spend_hold(session, booking.ref, nights=booking.nights,
                          persons=booking.persons, idempotency_key=f"spend:{booking.ref}")
    _move(session, booking, "check_out", actor_id)


ARRIVED = frozenset({BookingState.CHECKED_IN, BookingState.CHECKED_OUT})
# A later stay's place said no, or did not answer in time: the rest of the stay alone is
# planned again when the person can stay on where they are before (`_going_with`).
PLACE_SAID_NO = frozenset({"decline", "expire_hold"})
# After these the rest of a stay is planned again (after a no-show, the person is gone).
REST_AFTER = PLACE_SAID_NO | {"cancel"}


def _can_extend(session: Session, stay: Booking, nights: int) -> bool:
    """Whether the stay could go on `nights` more nights at its place (beds or rooms,
    points, its maximum stay), tried under the place's lock and undone."""
    class Undo(Exception):
        pass

    try:
        with session.begin_nested():
            _hold_more(session, stay, nights, utcnow().date())
            raise Undo
    except Undo:
        return True
    except BookingConflict:
        return False


def _going_with(session: Session, booking: Booking, action: str) -> tuple[list[Booking], bool]:
    """The stays a release of `booking` gives back (last first), and whether the chain's
    earlier stays are kept (the request stays placed in them).

    A chain is given back whole while nobody has arrived; but when a later stay's place
    says no (or does not answer) and the stay before could go on over its nights, or the
    person is already in an earlier stay, only that stay and those after it go."""
    live = chains.live_stays(session, booking.request_id)
    if booking.id not in {b.id for b in live} or len(live) == 1:
        return [booking], False
    earlier = [b for b in live if b.segment < booking.segment]
    later = [b for b in live if b.segment >= booking.segment]
    if earlier and (any(b.state in ARRIVED for b in earlier) or (
            action in PLACE_SAID_NO
            and _can_extend(session, earlier[-1], sum(b.nights for b in later)))):
        return later[::-1], True
    return live[::-1], False


def _give_back(session: Session, booking: Booking, action: str, actor_id: int | None,
               reason: str | None = None, close: bool = False) -> None:
    """The transitions the table marks `releases`: everything held comes back and the
    request waits for a place again (or is closed, with the reason, when `close`). A
    chain's stays go together (`_going_with`): each gives back its own beds or rooms and
    points; or, for the rest of a stay, the request keeps its earlier stays and waits for
    the rest (`HousingRequest.rest_from`)."""
    assert TRANSITIONS[action].releases, action
    _lock(session, booking)
    target_of(action, booking.state)
    stays, keeps_earlier = _going_with(session, booking, action)
    for stay in stays:
        if stay is not booking:
            session.refresh(stay, with_for_update=True)
            target_of("cancel", stay.state)
    for stay in stays:
        _release(session, stay)
    request = booking.request
    if request.rest_from is not None or keeps_earlier or len(stays) > 1:
        request.rest_from = request.rest_nights = None  # no rest of an earlier one waits
        _withdraw_open_proposals(session, request, actor_id, "its chain changed")
    if not keeps_earlier or close:
        _unplace(session, booking, actor_id, reason if close else None)
    elif action in REST_AFTER:  # the rest of the stay needs a place (after a no-show: gone)
        request.rest_from = booking.check_in
        request.rest_nights = sum(stay.nights for stay in stays)
    if reason is not None:
        booking.reason = reason[:300]
    _move(session, booking, action, actor_id)
    for stay in stays:
        if stay is not booking:
            stay.reason = f"its chain was given back ({TRANSITIONS[action].done})"
            _move(session, stay, "cancel", actor_id)


def no_show(session: Session, booking: Booking, actor_id: int | None) -> None:
    _give_back(session, booking, "no_show", actor_id)


def cancel(session: Session, booking: Booking, actor_id: int, reason: str, *,
           close: bool = False, avoid_place: bool = True) -> None:
    """A coordinator cancels a stay and says what its request needs now: another place
    (never this one again, unless `avoid_place` is False), or none (`close`: the request
    is closed for good, with the reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise BookingConflict("Say why the stay is cancelled.")
    _give_back(session, booking, "cancel", actor_id, reason, close=close)
    if avoid_place and not close:
        _keep_out(session, booking, actor_id)


def expire_hold(session: Session, booking: Booking, actor_id: int | None) -> None:
    _give_back(session, booking, "expire_hold", actor_id)


def extend(session: Session, booking: Booking, actor_id: int, extra_nights: int,
           today: date) -> None:
    """Add nights at the same place, re-checked against beds or rooms and points. A chain
    is extended at its last stay; nights that reach into the rest of a stay waiting for a
    place again (a later place said no) place that much of it."""
    if not 1 <= extra_nights <= 30:
        raise BookingConflict("Extend by 1 to 30 nights.")
    _lock(session, booking)
    target_of("extend", booking.state)
    request = booking.request
    live = chains.live_stays(session, booking.request_id)
    if live and live[-1].id != booking.id and booking.id in {b.id for b in live}:
        last = live[-1]
        raise BookingConflict(f"This stay is followed by {last.place.name} from "
                              f"{last.check_in:%a %b %-d}: extend that stay, the chain's last.")
    extra_points = _hold_more(session, booking, extra_nights, today)
    booking.points_planned += extra_points
    if booking.points_charged is not None:
        booking.points_charged += extra_points
    if request.rest_from is not None and request.rest_from == booking.check_out:
        left = request.rest_nights - extra_nights
        request.rest_from, request.rest_nights = ((booking.check_out + timedelta(days=extra_nights),
                                                   left) if left > 0 else (None, None))
        _withdraw_open_proposals(session, request, actor_id, "the stay before it was extended")
    booking.nights += extra_nights
    _move(session, booking, "extend", actor_id, detail=f"+{extra_nights} nights")


def _hold_more(session: Session, booking: Booking, extra_nights: int, today: date) -> int:
    """Hold the stay's beds, or its rooms and points, on `extra_nights` nights after it
    (its maximum stay kept); the points they cost. BookingConflict says why not."""
    first_new = booking.check_out
    max_stay = None if booking.is_hotel else booking.shelter.max_stay
    if max_stay is not None and booking.nights + extra_nights > max_stay:
        raise BookingConflict(f"{booking.shelter.name} allows stays of at most {max_stay} nights.")
    try:
        points = points_for_stay(session, booking.hotel, first_new, extra_nights,
                                 booking.rooms) if booking.is_hotel else 0
        _hold(session, booking, today, first_new, extra_nights, points, None)
    except (AvailabilityError, ledger.InsufficientPoints) as error:
        raise BookingConflict(f"Cannot extend: {error}.") from error
    return points


def approved_by(session: Session, booking: Booking) -> int | None:
    """The coordinator who approved the stay (the audit log's approval)."""
    return session.scalar(
        select(AuditEvent.actor_id).where(AuditEvent.subject == "booking",
                                          AuditEvent.subject_id == booking.id,
                                          AuditEvent.action == "approve")
        .order_by(AuditEvent.id.desc()).limit(1))


# -- a request's own transitions, and a coordinator's "no" to a place ---------------------

def _keep_out(session: Session, booking: Booking, actor_id: int | None) -> None:
    """The coordinator turned this place down for this request: no plan proposes it again,
    on any date, and no approval there passes the rule check, until the "no" is undone."""
    rejections.reject_place(session, booking.request, shelter_id=booking.shelter_id,
                            hotel_id=booking.hotel_id, reason=booking.reason or "",
                            actor_id=actor_id, booking_id=booking.id)


def _withdraw_open_proposals(session: Session, request: HousingRequest, actor_id: int | None,
                             why: str) -> None:
    for proposal in session.scalars(
        select(Booking).where(Booking.request_id == request.id,
                              Booking.state == BookingState.PROPOSED).order_by(Booking.id)
    ).all():
        withdraw(session, proposal, actor_id, why)


def end_request(session: Session, request: HousingRequest, actor_id: int, action: str,
                reason_code: str, note: str = "") -> None:
    """No place is needed any more: the advocate who filed the request withdraws it, or a
    coordinator closes it, with a reason from the short list. In the same transaction its
    open proposals are withdrawn and a stay it holds is cancelled, its beds or rooms and
    points given back. A person already checked in is checked out instead."""
    if action not in ("withdraw", "close"):
        raise ValueError(action)
    reason = _coded_reason(END_LABELS, reason_code, note, "no place is needed any more")
    _lock_request(session, request.id)
    live = list(session.scalars(select(Booking).where(
        Booking.request_id == request.id, Booking.state.in_(PLACING))
        .order_by(Booking.segment).with_for_update()))
    # The person is there now, or was and has no stay to come: the stay's page ends it.
    here = next((b for b in live if b.state is BookingState.CHECKED_IN),
                live[-1] if live and not can("cancel", live[-1].state) else None)
    if here is not None:
        raise BookingConflict(f"The person is {here.state.label.lower()} at {here.place.name}: "
                              "end the stay on its page instead.")
    why = f"the request was {request_states.TRANSITIONS[action].done}"
    _end(session, request, action, actor_id, reason, reason_code)
    request.rest_from = request.rest_nights = None
    for stay in reversed(live):  # a chain's stays to come, each giving back its own
        if can("cancel", stay.state):
            _release(session, stay)
            stay.reason = why
            _move(session, stay, "cancel", actor_id)
    _withdraw_open_proposals(session, request, actor_id, why)


def _end(session: Session, request: HousingRequest, action: str, actor_id: int | None,
         reason: str, reason_code: str | None) -> None:
    """The request is withdrawn or closed, with its reason (and its code, when chosen from
    the short list): what became of it is recorded now (outcomes.record_outcome)."""
    request_states.move(session, request, action, actor_id, reason)
    request.status_reason_code = reason_code
    record_outcome(session, request, utcnow())


def edit_request(session: Session, request: HousingRequest, actor_id: int,
                 edit: RequestEdit) -> list[str]:
    """A pending request changed without filing it again: its proposals, made for what it
    was, are withdrawn in the same transaction (the next plan proposes afresh), unless
    only what no plan reads changed (the type of trafficking, how the hotline was
    reached)."""
    _lock_request(session, request.id)
    if request.status is not RequestStatus.PENDING:
        raise BookingConflict(f"Request {request.case_code} is {request.status.value}: only a "
                              "request waiting for a place can be changed.")
    changed = apply_edit(session, request, edit, actor_id)
    if set(changed) - NOT_PLANNED_FIELDS:
        _withdraw_open_proposals(session, request, actor_id, "the request was changed")
    return changed
