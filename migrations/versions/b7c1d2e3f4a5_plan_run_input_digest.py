"""Plan runs remember a digest of their input, so unchanged re-plans skip the solver

Revision ID: b7c1d2e3f4a5
Revises: 0192eaa43176
Create Date: 2026-12-01 20:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = '0192eaa43176'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('plan_run', schema=None) as batch_op:
        batch_op.drop_column('input_digest')
