"""The move day of a bridge stay (issue 21) is a coordinator's task: the person's transport
from one place to the next. The day before (and on the day, for a chain approved since),
the coordinator who approved it hears of it once, in the inbox and by mail after the job's
commit; the on-call coordinators if that person has gone. The coordinators' queue lists the
moves to come (placement/bookings/moves.py).

Each reminder is sent once, however many processes tick: its row in `alert` (UNIQUE
subject, step "move_day") is inserted first, as the escalation ladder's are. A message is
the case code, a fixed sentence and a link, nothing more.
"""

from datetime import datetime, timedelta

from flask import g

from ..bookings.moves import Move, moves_from
from ..extensions import db
from .escalation import DueAlert, approver, claim, mail_to, post_to_inboxes
from .jobs import Counts, hotline_today

STEP = "move_day"
TO_ARRANGE = "moves to its next place {when}: arrange the transport"
ARRANGED = "moves to its next place {when} (transport arranged)"


def reminder(move: Move, when: str) -> DueAlert:
    stay = move.after
    sentence = (ARRANGED if move.arranged else TO_ARRANGE).format(when=when)
    return DueAlert(f"booking:{stay.id}", STEP, stay.request_id, stay.request.case_code,
                    sentence, "bookings.show", {"booking_id": stay.id}, approver(stay))


def remind_moves(now: datetime) -> Counts:
    """The job: every move of today or tomorrow not yet reminded, once."""
    today = hotline_today(now)
    g.move_outbox = sent = []
    counts = {"reminded": 0, "to_arrange": 0}
    for move in moves_from(db.session, today, today + timedelta(days=1)):
        alert = reminder(move, "tomorrow" if move.day > today else "today")
        if claim(alert, now):
            post_to_inboxes(alert)
            sent.append(alert)
            counts["reminded"] += 1
            counts["to_arrange"] += 0 if move.arranged else 1
    return counts


def mail_reminders(_counts: Counts, _now: datetime) -> None:
    """The follow-up, after the job's commit: this run's reminders by e-mail."""
    for alert in g.pop("move_outbox", []):
        mail_to(alert)
