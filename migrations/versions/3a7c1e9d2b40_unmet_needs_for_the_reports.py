"""unmet needs for the reports (issue 18): for each request left unplaced because no place
within reach offered what its party needed (outcome reason planner.needs), one row per need
it had, with its month of filing, state and priority and no link to the request, so the
reports keep "needs no place nearby offered" after retention deletes the request's needs.
Existing outcomes of that reason whose request still has its needs get their rows; a
downgrade drops the rows, and an upgrade after it rebuilds only those (retention deleted
the other requests' needs).

Revision ID: 3a7c1e9d2b40
Revises: 17c9ed6575a9
Create Date: 2026-12-02 17:05:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '3a7c1e9d2b40'
down_revision = '17c9ed6575a9'
branch_labels = None
depends_on = None


def upgrade():
    priority = (postgresql.ENUM('critical', 'high', 'normal', name='request_priority',
                                create_type=False)
                if op.get_bind().dialect.name == 'postgresql'
                else sa.Enum('critical', 'high', 'normal', name='request_priority'))
    op.create_table('unmet_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filed_month', sa.Date(), nullable=False),
    sa.Column('us_state', sa.String(length=2), nullable=True),
    sa.Column('priority', priority, nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_unmet_need_need_id_need')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unmet_need'))
    )
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unmet_need_filed_month'), ['filed_month'],
                              unique=False)
    op.execute(
        "INSERT INTO unmet_need (filed_month, us_state, priority, need_id) "
        "SELECT r.filed_month, r.us_state, r.priority, rn.need_id "
        "FROM request_outcome o JOIN housing_request r ON r.id = o.request_id "
        "JOIN request_need rn ON rn.request_id = r.id "
        "WHERE o.kind = 'unplaced' AND o.reason = 'planner.needs' "
        "ORDER BY r.id, rn.need_id")


def downgrade():
    with op.batch_alter_table('unmet_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unmet_need_filed_month'))
    op.drop_table('unmet_need')
