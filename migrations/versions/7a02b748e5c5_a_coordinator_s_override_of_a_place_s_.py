"""A coordinator placing by hand may override needs the place lacks, with a reason: kept on
the stay, so that its approval honours it

Revision ID: 7a02b748e5c5
Revises: b51a0c2cf190
Create Date: 2026-12-02 08:52:50.146575

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a02b748e5c5'
down_revision = 'b51a0c2cf190'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('need_override', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('override_reason', sa.String(length=300), nullable=True))



def downgrade():
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('override_reason')
        batch_op.drop_column('need_override')

