"""Close the loop: intake details for the placement card (hotels get them too), a shelter's
own answer window, reason codes for declines and withdrawals, the inbox, the escalation
ladder's once-only alerts

Revision ID: b51a0c2cf190
Revises: 238b820ba478
Create Date: 2026-12-02 08:16:57.624731

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b51a0c2cf190'
down_revision = '238b820ba478'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_alert_request_id_housing_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert')),
    sa.UniqueConstraint('subject', 'step', name=op.f('uq_alert_subject_step'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_request_id'), ['request_id'], unique=False)

    op.create_table('inbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['housing_request.id'], name=op.f('fk_inbox_message_request_id_housing_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_inbox_message_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_message'))
    )
    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_message_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_inbox_message_user_unread', ['user_id', 'read_at'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=30), nullable=True))

    with op.batch_alter_table('hotel', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('intake_contact', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('intake_instructions', sa.String(length=500), nullable=True))

    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason_code', sa.String(length=30), nullable=True))

    with op.batch_alter_table('shelter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_instructions', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('hold_hours', sa.Double(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_shelter_hold_hours_positive'),
                                         'hold_hours IS NULL OR hold_hours > 0')



def downgrade():
    with op.batch_alter_table('shelter', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shelter_hold_hours_positive'), type_='check')
        batch_op.drop_column('hold_hours')
        batch_op.drop_column('intake_instructions')

    with op.batch_alter_table('housing_request', schema=None) as batch_op:
        batch_op.drop_column('status_reason_code')

    with op.batch_alter_table('hotel', schema=None) as batch_op:
        batch_op.drop_column('intake_instructions')
        batch_op.drop_column('intake_contact')
        batch_op.drop_column('address')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('reason_code')

    with op.batch_alter_table('inbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_message_user_unread')
        batch_op.drop_index(batch_op.f('ix_inbox_message_request_id'))

    op.drop_table('inbox_message')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_request_id'))

    op.drop_table('alert')
