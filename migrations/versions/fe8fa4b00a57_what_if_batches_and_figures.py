"""What more points would do: the scheduler's what-if batches and their figures per program
and step (counts and costs only)

Revision ID: fe8fa4b00a57
Revises: 1f5ae3d0ee4f
Create Date: 2026-12-02 09:31:56.400374

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fe8fa4b00a57'
down_revision = '1f5ae3d0ee4f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('what_if_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='what_if_state'), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user.id'], name=op.f('fk_what_if_batch_requested_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_what_if_batch'))
    )
    with op.batch_alter_table('what_if_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_what_if_batch_state'), ['state'], unique=False)

    op.create_table('what_if',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('extra_points', sa.Integer(), nullable=False),
    sa.Column('placed_critical', sa.Integer(), nullable=False),
    sa.Column('placed_high', sa.Integer(), nullable=False),
    sa.Column('placed_normal', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('nights', sa.Integer(), nullable=False),
    sa.Column('delay_nights', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Double(), nullable=False),
    sa.Column('bound', sa.Double(), nullable=False),
    sa.Column('proven', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['what_if_batch.id'], name=op.f('fk_what_if_batch_id_what_if_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['loyalty_program.id'], name=op.f('fk_what_if_program_id_loyalty_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_what_if')),
    sa.UniqueConstraint('batch_id', 'program_id', 'extra_points', name=op.f('uq_what_if_batch_id_program_id_extra_points'))
    )
    with op.batch_alter_table('what_if', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_what_if_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_what_if_program_id'), ['program_id'], unique=False)



def downgrade():
    with op.batch_alter_table('what_if', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_what_if_program_id'))
        batch_op.drop_index(batch_op.f('ix_what_if_batch_id'))

    op.drop_table('what_if')
    with op.batch_alter_table('what_if_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_what_if_batch_state'))

    op.drop_table('what_if_batch')
    sa.Enum(name='what_if_state').drop(op.get_bind(), checkfirst=True)
