"""Nothing waits unseen: the escalation ladder, a job that ticks every minute.

- A critical request still waiting for a place ESCALATE_CRITICAL_ON_CALL_MINUTES after it
  was filed: the on-call coordinators hear of it again ("critical_15"); after
  ESCALATE_CRITICAL_ADMINS_MINUTES, every active admin ("critical_30").
- An approved stay within ESCALATE_HOLD_EXPIRING_MINUTES of its hold's end: the
  coordinator who approved it ("hold_expiring").
- A shelter stay still unanswered after half its answer window: the same coordinator
  ("shelter_slow"; the plan page flags the stay as well).

Each alert goes out once, however many processes tick: its row (UNIQUE subject, step) is
inserted first, and a twin means another run sent it. The inbox messages go in the same
transaction; the e-mails after the job's commit (`mail_alerts`, the job's follow-up). A
message is the case code, a fixed sentence and a link, nothing more.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g
from sqlalchemy import String, cast, exists, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import inbox, notify
from ..auth.models import Role, User
from ..bookings.models import Booking
from ..bookings.service import approved_by
from ..bookings.states import BookingState
from ..extensions import db
from ..holds import answer_is_slow_from, hold_ends
from ..requests.models import HousingRequest, Priority, RequestStatus
from .jobs import Counts, hotline_today, naive_utc
from .models import Alert

STEPS = ("critical_15", "critical_30", "hold_expiring", "shelter_slow")
SHELTER_SLOW = "the shelter has not answered about its stay yet"

Recipient = tuple[int, str]  # a person's id (their inbox) and e-mail address


@dataclass(frozen=True)
class DueAlert:
    """One step of the ladder, due for one case: who hears of it and what they read."""

    subject: str  # "request:12", "booking:34"
    step: str
    request_id: int
    case_code: str
    sentence: str
    endpoint: str  # the page the link opens
    values: dict
    recipients: list[Recipient]

    @property
    def text(self) -> str:
        return f"{self.case_code}: {self.sentence}."


# -- who hears of it -----------------------------------------------------------------------

def active_people(*conditions) -> list[Recipient]:
    return [(user_id, email) for user_id, email in db.session.execute(
        select(User.id, User.email).where(User.active, *conditions).order_by(User.id))]


def on_call_coordinators() -> list[Recipient]:
    return active_people(User.role == Role.COORDINATOR, User.on_call)


def admins() -> list[Recipient]:
    return active_people(User.role == Role.ADMIN)


def approver(booking: Booking) -> list[Recipient]:
    """The coordinator who approved the stay; the on-call ones if that person has gone."""
    user_id = approved_by(db.session, booking)
    found = active_people(User.id == user_id) if user_id is not None else []
    return found or on_call_coordinators()


# -- what is due ---------------------------------------------------------------------------

def not_sent(step: str, subject) -> object:
    return ~exists().where(Alert.step == step, Alert.subject == subject)


def critical_waiting(now: datetime, step: str, minutes: int,
                     recipients: Callable[[], list[Recipient]]) -> list[DueAlert]:
    """Critical requests filed `minutes` ago or more and still waiting for a place (a
    request whose arrival window has passed can no longer be placed: no alert)."""
    waiting = db.session.scalars(select(HousingRequest).where(
        HousingRequest.priority == Priority.CRITICAL,
        HousingRequest.status == RequestStatus.PENDING,
        HousingRequest.created_at <= naive_utc(now) - timedelta(minutes=minutes),
        HousingRequest.latest >= hotline_today(now),
        not_sent(step, literal("request:") + cast(HousingRequest.id, String)),
    ).order_by(HousingRequest.id)).all()
    if not waiting:
        return []
    sentence = f"critical and still without a place after {minutes} minutes"
    who = recipients()
    return [DueAlert(f"request:{r.id}", step, r.id, r.case_code, sentence, "requests.show",
                     {"request_id": r.id}, who) for r in waiting]


def approved_stays(step: str, *conditions) -> list[Booking]:
    """Stays approved and not yet answered, whose `step` alert has not gone out."""
    return list(db.session.scalars(select(Booking).where(
        Booking.state == BookingState.APPROVED, *conditions,
        not_sent(step, literal("booking:") + cast(Booking.id, String)),
    ).options(selectinload(Booking.shelter), selectinload(Booking.request))
        .order_by(Booking.id)))


def stay_alert(booking: Booking, step: str, sentence: str) -> DueAlert:
    return DueAlert(f"booking:{booking.id}", step, booking.request_id,
                    booking.request.case_code, sentence, "bookings.show",
                    {"booking_id": booking.id}, approver(booking))


def holds_running_out(now: datetime) -> list[DueAlert]:
    minutes = current_app.config["ESCALATE_HOLD_EXPIRING_MINUTES"]
    moment, lead = naive_utc(now), timedelta(minutes=minutes)
    sentence = f"the hold on its stay runs out within {minutes} minutes unless the place confirms"
    return [stay_alert(b, "hold_expiring", sentence) for b in approved_stays("hold_expiring")
            if hold_ends(b) - lead <= moment < hold_ends(b)]


def shelters_not_answering(now: datetime) -> list[DueAlert]:
    moment = naive_utc(now)
    return [stay_alert(b, "shelter_slow", SHELTER_SLOW)
            for b in approved_stays("shelter_slow", Booking.shelter_id.is_not(None))
            if answer_is_slow_from(b) <= moment < hold_ends(b)]


def due_alerts(now: datetime) -> list[DueAlert]:
    """Every alert due at `now` and not yet sent, in a fixed order (two runs claim them in
    the same order, so one waits for the other instead of deadlocking)."""
    config = current_app.config
    return [
        *critical_waiting(now, "critical_15", config["ESCALATE_CRITICAL_ON_CALL_MINUTES"],
                          on_call_coordinators),
        *critical_waiting(now, "critical_30", config["ESCALATE_CRITICAL_ADMINS_MINUTES"],
                          admins),
        *holds_running_out(now),
        *shelters_not_answering(now),
    ]


# -- sending once --------------------------------------------------------------------------

def claim(alert: DueAlert, now: datetime) -> bool:
    """Insert the alert's row; False if it is there already (another run sent it). On
    PostgreSQL a twin still being inserted makes this wait for that run's commit."""
    try:
        with db.session.begin_nested():
            db.session.add(Alert(subject=alert.subject, step=alert.step,
                                 request_id=alert.request_id, sent_at=naive_utc(now)))
    except IntegrityError:
        return False
    return True


def post_to_inboxes(alert: DueAlert) -> None:
    path = inbox.path(alert.endpoint, **alert.values)
    for user_id, _email in alert.recipients:
        inbox.post(db.session, user_id, "alert", alert.text, path, request_id=alert.request_id)


def escalate(now: datetime) -> Counts:
    """The job: claim and post each due alert; its e-mails wait for the commit."""
    counts = dict.fromkeys(STEPS, 0)
    g.escalation_outbox = sent = []
    for alert in due_alerts(now):
        if claim(alert, now):
            post_to_inboxes(alert)
            sent.append(alert)
            counts[alert.step] += 1
    return counts


def mail_to(alert: DueAlert) -> None:
    notify.case_news([email for _id, email in alert.recipients], alert.case_code,
                     alert.sentence, alert.endpoint, **alert.values)


def mail_alerts(_counts: Counts, _now: datetime) -> None:
    """The follow-up, after the job's commit: this run's alerts by e-mail."""
    for alert in g.pop("escalation_outbox", []):
        mail_to(alert)
