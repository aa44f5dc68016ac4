"""bridge stays (issue 21): a placement of several stays (segment, chain_id), one live
stay per segment of a request instead of one per request, the move's transport; whether a
request may move (the advocate's answer and the coordinators' choice) and the rest of a
stay to plan again

Revision ID: 17c9ed6575a9
Revises: 0cfe286cc269
Create Date: 2026-12-02 16:29:45.081403

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17c9ed6575a9'
down_revision = '0cfe286cc269'
branch_labels = None
depends_on = None


LIVE = "state IN ('approved', 'checked_in', 'checked_out', 'confirmed')"


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('segment', sa.Integer(), server_default=sa.text('1'), nullable=False))
        batch_op.add_column(sa.Column('chain_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transport_arranged_at', sa.DateTime(), nullable=True))
        batch_op.drop_index('uq_booking_live_per_request', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.create_index(batch_op.f('ix_booking_chain_id'), ['chain_id'], unique=False)
        batch_op.create_index('uq_booking_live_segment', ['request_id', 'segment'], unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.create_foreign_key(batch_op.f('fk_booking_chain_id_booking'), 'booking', ['chain_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_booking_segment_positive'), 'segment >= 1')
        batch_op.create_check_constraint(op.f('ck_booking_chain_named_by_later'),
                                         '(segment = 1) = (chain_id IS NULL)')

    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('may_move', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('no_move_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('moves_allowed', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('rest_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rest_nights', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_housing_request_rest_whole'),
            '(rest_from IS NULL AND rest_nights IS NULL) OR '
            '(rest_from IS NOT NULL AND rest_nights >= 1)')


def downgrade():
    # A chain's several live stays for one request cannot be one stay again here: releasing
    # holds and points needs the app. Say which, so they can be cancelled first.
    chained = op.get_bind().execute(sa.text(
        f"SELECT DISTINCT request_id FROM booking WHERE {LIVE} AND segment > 1"
    )).scalars().all()
    if chained:
        raise RuntimeError(
            "These requests are placed as chains of several stays; cancel their later stays "
            f"in the app, then downgrade again: request ids {sorted(chained)}")
    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_housing_request_rest_whole'), type_='check')
        batch_op.drop_column('rest_nights')
        batch_op.drop_column('rest_from')
        batch_op.drop_column('moves_allowed')
        batch_op.drop_column('no_move_reason')
        batch_op.drop_column('may_move')

    # A proposed later stay would read as a proposal of its own: withdrawn, as a plan run
    # withdraws one (its first stay too, so that no half of a chain is approved).
    op.execute("UPDATE booking SET state = 'cancelled', reason = 'withdrawn: the app was "
               "downgraded' WHERE state = 'proposed' AND (segment > 1 OR id IN "
               "(SELECT chain_id FROM booking WHERE chain_id IS NOT NULL))")
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_booking_chain_named_by_later'), type_='check')
        batch_op.drop_constraint(op.f('ck_booking_segment_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_booking_chain_id_booking'), type_='foreignkey')
        batch_op.drop_index('uq_booking_live_segment', sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.drop_index(batch_op.f('ix_booking_chain_id'))
        batch_op.create_index('uq_booking_live_per_request', ['request_id'], unique=True, sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
        batch_op.drop_column('transport_arranged_at')
        batch_op.drop_column('chain_id')
        batch_op.drop_column('segment')
