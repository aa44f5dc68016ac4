"""Outcomes and the data the reports read (issue 18): on each request the type of
trafficking and how the hotline was reached (optional codes), the state of where the person
was at filing (kept when retention deletes the location), the month of filing in the
hotline's time zone, the deadline it was filed with, the first moment of each step, and
why it last waited (a code); one outcome row per request. Indexes for the reports' filters
(state, month, priority) and groups (outcome kind, reason).

Existing rows get what can be known: the deadline is their last arrival day, the month
comes from `created_at`, the state from the location where retention has not deleted it,
each step's first moment from the audit log (a stay's first proposal from its booking row,
an approval from the booking's `approved_at` where the log has none), and why it waited
from its stays (a place's decline, a rejection, an expired hold, a no-show) or, failing
those, "the planner gave no reason" where the planner's sentence is still there. Requests
that ended, or whose window was over two days ago, get their outcome as the `outcomes` job
would decide it (placement/bookings/outcomes.py, frozen here; the deadline is the window
as it stands); the job decides the rest.

Revision ID: 09f541d7c6dd
Revises: fe8fa4b00a57
Create Date: 2026-12-02 12:06:38.986368

"""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app
from sqlalchemy.dialects import postgresql

from partners.us_states import state_of_label

# revision identifiers, used by Alembic.
revision = '09f541d7c6dd'
down_revision = 'fe8fa4b00a57'
branch_labels = None
depends_on = None

ENUMS = {
    'trafficking_type': ('sex', 'labor', 'both', 'unknown'),
    'contact_channel': ('call', 'text', 'chat', 'email', 'partner'),
    'outcome_kind': ('placed_on_time', 'placed_late', 'unplaced'),
}
STEPS = ('first_proposed', 'approved', 'confirmed', 'checked_in', 'checked_out', 'ended')
# Each step's first moment in the audit log: (subject, actions).
LOGGED = {
    'approved': ('request', ('place',)),
    'ended': ('request', ('close', 'withdraw')),
    'confirmed': ('booking', ('confirm', 'accept')),
    'checked_in': ('booking', ('check_in',)),
    'checked_out': ('booking', ('check_out',)),
}
BATCH = 5_000


def enum(name):
    """The column's type; PostgreSQL's type itself is created once, first (`upgrade`)."""
    return postgresql.ENUM(*ENUMS[name], name=name, create_type=False)


def upgrade():
    bind = op.get_bind()
    for name in ENUMS:
        sa.Enum(*ENUMS[name], name=name).create(bind, checkfirst=True)
    op.create_table('request_outcome',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', enum('outcome_kind'), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind <> 'unplaced' OR reason IS NOT NULL", name=op.f('ck_request_outcome_unplaced_has_reason')),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name=op.f('fk_request_outcome_booking_id_booking')),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_request_outcome_request_id_housing_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_outcome')),
    sa.UniqueConstraint('request_id', name=op.f('uq_request_outcome_request_id'))
    )
    with op.batch_alter_table('request_outcome', schema=None) as batch_op:
        batch_op.create_index('ix_request_outcome_kind_reason', ['kind', 'reason'], unique=False)

    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trafficking_type', enum('trafficking_type'), nullable=True))
        batch_op.add_column(sa.Column('contact_channel', enum('contact_channel'), nullable=True))
        batch_op.add_column(sa.Column('us_state', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('filed_month', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('arrive_by', sa.Date(), nullable=True))
        for step in STEPS:
            batch_op.add_column(sa.Column(f'{step}_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('wait_reason_code', sa.String(length=40), nullable=True))

    backfill(bind)
    backfill_outcomes(bind)

    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.alter_column('filed_month', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('arrive_by', existing_type=sa.Date(), nullable=False)
        batch_op.create_index(batch_op.f('ix_housing_request_filed_month'), ['filed_month'], unique=False)
        batch_op.create_index('ix_housing_request_priority_month', ['priority', 'filed_month'], unique=False)
        batch_op.create_index('ix_housing_request_us_state_month', ['us_state', 'filed_month'], unique=False)


def backfill(bind):
    bind.execute(sa.text("UPDATE housing_request SET arrive_by = latest"))
    zone = ZoneInfo(current_app.config.get('HOTLINE_TIMEZONE', 'America/New_York'))
    request = sa.table('housing_request', sa.column('id', sa.Integer),
                       sa.column('created_at', sa.DateTime), sa.column('location_label'))
    rows = bind.execute(sa.select(request.c.id, request.c.created_at,
                                  request.c.location_label)).all()
    values = [{'id': id_, 'month': created.replace(tzinfo=UTC).astimezone(zone).date()
               .replace(day=1), 'state': state_of_label(label)}
              for id_, created, label in rows]
    update = sa.text("UPDATE housing_request SET filed_month = :month, us_state = :state "
                     "WHERE id = :id")
    for start in range(0, len(values), BATCH):
        bind.execute(update, values[start:start + BATCH])
    bind.execute(sa.text(
        "UPDATE housing_request SET first_proposed_at = (SELECT min(b.created_at) FROM "
        "booking b WHERE b.request_id = housing_request.id)"))
    for step, (subject, actions) in LOGGED.items():
        names = ", ".join(f"'{action}'" for action in actions)
        if subject == 'request':
            first = ("SELECT min(a.at) FROM audit_event a WHERE a.subject = 'request' "
                     f"AND a.action IN ({names}) AND a.subject_id = housing_request.id")
        else:
            first = ("SELECT min(a.at) FROM audit_event a JOIN booking b ON b.id = "
                     f"a.subject_id WHERE a.subject = 'booking' AND a.action IN ({names}) "
                     "AND b.request_id = housing_request.id")
        bind.execute(sa.text(f"UPDATE housing_request SET {step}_at = ({first})"))
    bind.execute(sa.text(
        "UPDATE housing_request SET approved_at = (SELECT min(b.approved_at) FROM booking b "
        "WHERE b.request_id = housing_request.id) WHERE approved_at IS NULL"))
    # Why each request last waited, from its stays given back (the newest), else the
    # planner's sentence if it is still there.
    waited = {}
    for request_id, state, code in bind.execute(sa.text(
            "SELECT request_id, state, reason_code FROM booking WHERE state IN "
            "('rejected', 'hold_expired', 'no_show', 'cancelled') ORDER BY updated_at, id")):
        if state != 'cancelled':
            waited[request_id] = state
        elif code is not None:
            waited[request_id] = f"declined.{code}"
    for request_id, in bind.execute(sa.text(
            "SELECT id FROM housing_request WHERE unplaced_reason IS NOT NULL")):
        waited.setdefault(request_id, 'planner.unexplained')
    update = sa.text("UPDATE housing_request SET wait_reason_code = :code WHERE id = :id")
    values = [{'id': id_, 'code': code} for id_, code in waited.items()]
    for start in range(0, len(values), BATCH):
        bind.execute(update, values[start:start + BATCH])


END_CODES = ('found_housing', 'unreachable', 'safety_plan', 'duplicate', 'other')
ARRIVED = ('checked_in', 'checked_out')
LIVE = ('approved', 'confirmed', *ARRIVED)


def backfill_outcomes(bind):
    zone = ZoneInfo(current_app.config.get('HOTLINE_TIMEZONE', 'America/New_York'))
    now = datetime.now(UTC)
    cutoff = now.astimezone(zone).date() - timedelta(days=2)
    request = sa.table('housing_request', sa.column('id', sa.Integer),
                       sa.column('status', sa.String), sa.column('latest', sa.Date),
                       sa.column('status_reason_code', sa.String),
                       sa.column('wait_reason_code', sa.String))
    booking = sa.table('booking', sa.column('id', sa.Integer),
                       sa.column('request_id', sa.Integer), sa.column('state', sa.String),
                       sa.column('check_in', sa.Date), sa.column('approved_at', sa.DateTime))
    # (The states as text: PostgreSQL compares its enum types with text, not with VARCHAR.)
    stays = {row.request_id: row for row in bind.execute(sa.select(booking).where(
        sa.cast(booking.c.state, sa.Text).in_(LIVE)))}
    outcomes = []
    for row in bind.execute(sa.select(request).where(sa.or_(
            sa.cast(request.c.status, sa.Text).in_(('withdrawn', 'closed')),
            request.c.latest < cutoff))):
        stay = stays.get(row.id)
        if stay is not None and stay.state in ARRIVED:
            approved = (stay.approved_at.replace(tzinfo=UTC).astimezone(zone).date()
                        if stay.approved_at else stay.check_in)
            on_time = stay.check_in <= row.latest and approved <= row.latest
            kind, reason = ('placed_on_time', None) if on_time else (
                'placed_late', row.wait_reason_code)
        elif row.status in ('withdrawn', 'closed'):
            code = row.status_reason_code
            kind, reason = 'unplaced', f'ended.{code}' if code in END_CODES else 'ended.uncoded'
        elif stay is not None:
            continue  # approved or confirmed: the job decides once the person came or not
        else:
            kind, reason = 'unplaced', row.wait_reason_code or 'not_planned'
        outcomes.append({'request_id': row.id, 'kind': kind, 'reason': reason,
                         'booking_id': stay.id if kind != 'unplaced' else None,
                         'decided_at': now.replace(tzinfo=None)})
    outcome = sa.table('request_outcome', sa.column('request_id', sa.Integer),
                       sa.column('kind', enum('outcome_kind')), sa.column('reason', sa.String),
                       sa.column('booking_id', sa.Integer),
                       sa.column('decided_at', sa.DateTime))
    for start in range(0, len(outcomes), BATCH):
        bind.execute(sa.insert(outcome), outcomes[start:start + BATCH])


def downgrade():
    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.drop_index('ix_housing_request_us_state_month')
        batch_op.drop_index('ix_housing_request_priority_month')
        batch_op.drop_index(batch_op.f('ix_housing_request_filed_month'))
        batch_op.drop_column('wait_reason_code')
        for step in reversed(STEPS):
            batch_op.drop_column(f'{step}_at')
        batch_op.drop_column('arrive_by')
        batch_op.drop_column('filed_month')
        batch_op.drop_column('us_state')
        batch_op.drop_column('contact_channel')
        batch_op.drop_column('trafficking_type')

    with op.batch_alter_table('request_outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_request_outcome_kind_reason')

    op.drop_table('request_outcome')
    for name in ENUMS:
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
